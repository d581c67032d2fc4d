"""Shared test helpers: repository paths (AppTest resolves relative paths against the caller)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ROOT / "pages"
