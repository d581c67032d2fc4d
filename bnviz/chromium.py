"""The system Chromium, driven headless through Playwright: the Figure 1 PNG, the browser tests and
the README screenshots all open it here.

No browser is ever downloaded: ``BNVIZ_CHROMIUM`` names the executable, else ``chromium`` or
``chromium-browser`` on ``PATH`` (the Debian package) is used. Playwright is imported by
:func:`launch` only, so the core imports without it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Chromium runs headless as root on machines without a network: the sandbox refuses root, there is
# no GPU, and every background fetch (QUIC probes, component and sync updates, first-run pages)
# would only wait for a network that is not there.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NOT_FOUND = "no system Chromium found (apt-get install chromium, or set BNVIZ_CHROMIUM)"


def executable() -> str | None:
    """The Chromium to drive: ``BNVIZ_CHROMIUM`` when set (None if that file does not exist), else
    ``chromium`` or ``chromium-browser`` on ``PATH``; None when this machine has none."""
    explicit = os.environ.get("BNVIZ_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def launch() -> Iterator[Browser]:
    """``with launch() as browser:``, a Playwright ``Browser`` on the system Chromium, closed on
    exit.

    Raises ``RuntimeError`` saying what to install when Playwright or Chromium is missing. Uses
    Playwright's sync API, which refuses to start in a thread that already runs an event loop.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RuntimeError(
            "Playwright is not installed (pip install -r requirements-dev.txt)"
        ) from None
    path = executable()
    if path is None:
        raise RuntimeError(NOT_FOUND)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
