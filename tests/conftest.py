"""Shared test helpers: repository paths (AppTest resolves relative paths against the caller)."""

import os
from pathlib import Path

# AppTest runs pages in this process: train in threads here (the browser tests' servers use the
# worker pool, as deployed; tests/train/test_pool.py tests the pool itself).
os.environ.setdefault("BNVIZ_WORKERS", "0")
# Tests read the English text unless they ask for Korean (?lang=ko, or a translator): a session
# without a language of its own starts in this one, here and in the servers the browser tests start.
os.environ["BNVIZ_DEFAULT_LANGUAGE"] = "en"
# ... and the command lines print English whatever the machine's locale (their --lang default).
os.environ["LC_ALL"] = "C.UTF-8"

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ROOT / "pages"


def shown(markdown: str) -> str:
    """The text a Markdown element displays for escaped user text (``ui.text.plain``'s inverse)."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown)
