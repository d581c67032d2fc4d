"""Shared test helpers: repository paths (AppTest resolves relative paths against the caller)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ROOT / "pages"


def shown(markdown: str) -> str:
    """The text a Markdown element displays for escaped user text (``ui.text.plain``'s inverse)."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown)
