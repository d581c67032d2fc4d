"""Files of a Figure 1 run: CSV of the curves, the three panels as HTML and PNG, the ``.npz``.

PNG without new dependencies: plotly 7 exports images only through kaleido, which drives a Chrome of
its own and is not installed here. The HTML we write anyway is self-contained (plotly.js inlined, so
it opens offline), and a headless browser is already part of the dev setup for the browser tests:
:func:`write_png` opens that HTML in the system Chromium (:mod:`bnviz.chromium`) and screenshots the
plot. Without Playwright or Chromium the PNG is skipped with a message; the HTML and CSV still come
out. The figure's words are in the language of ``_``; its font falls back to a Korean one
(``bnviz.style.FONT``), so a Korean PNG has glyphs, not boxes.
"""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import plotly.graph_objects as go

from bnviz import chromium, machine
from bnviz.figure1.plots import figure1
from bnviz.figure1.result import Figure1Result
from bnviz.i18n import ENGLISH, N_, Gettext

FIGURE_WIDTH = 1400  # px of the HTML/PNG figure: three readable panels side by side
PNG_SKIPPED = N_("PNG skipped: {reason}; open {html} in a browser instead.")


def write_html(result: Figure1Result, path: Path, _: Gettext = ENGLISH) -> Path:
    fig = go.Figure(figure1(result, _=_))
    fig.update_layout(width=FIGURE_WIDTH)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs=True, full_html=True, config={"displaylogo": False})
    return path


def write_png(html: Path, path: Path, scale: float = 1.5) -> Path:
    """Screenshot the plot of ``html`` (from :func:`write_html`) into ``path``.

    Raises ``RuntimeError`` naming what is missing when Playwright or Chromium is not available.
    Works from any caller: Playwright's sync API refuses to start in a thread that already runs an
    event loop (Jupyter, or another sync Playwright), so the browser is driven from a thread of its
    own.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="bnviz-png") as pool:
        return pool.submit(_write_png, html, path, scale).result()


def _write_png(html: Path, path: Path, scale: float) -> Path:
    with chromium.launch() as browser:
        page = browser.new_page(
            viewport={"width": FIGURE_WIDTH + 40, "height": 700}, device_scale_factor=scale
        )
        page.goto(html.resolve().as_uri())
        page.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
        page.locator(".plotly-graph-div").first.screenshot(path=str(path))
    return path


def write_all(
    result: Figure1Result, out: Path, png: bool = True, _: Gettext = ENGLISH
) -> list[Path]:
    """``figure1.csv``, ``figure1.npz``, ``figure1.html`` and (if ``png``) ``figure1.png`` in
    ``out``, the figure in ``_``'s language; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [result.to_csv(out / "figure1.csv"), result.save(out / "figure1.npz")]
    html = write_html(result, out / "figure1.html", _)
    written.append(html)
    if png:
        try:
            written.append(write_png(html, out / "figure1.png"))
        except RuntimeError as exc:
            print(_(PNG_SKIPPED).format(reason=exc, html=html), file=sys.stderr)
    return written


def provenance(argv: list[str] | None = None) -> dict[str, str]:
    """How a result was made: command, date, git commit, machine and library versions."""
    import numpy
    import torch

    args = sys.argv[1:] if argv is None else argv
    return {
        "command": " ".join(["python -m bnviz.figure1", *args]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git_commit": _git_commit(),
        "machine": machine.describe(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
    }


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=5,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
