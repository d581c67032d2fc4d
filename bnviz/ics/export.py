"""Files of an ICS run: two CSVs, the three figures as HTML and PNG, the ``.npz``.

- ``ics_records.csv``: accuracy and band per record; ``ics_measurements.csv``: gradient change and
  smoothness per measurement (:class:`bnviz.ics.result.ICSResult` says what each column holds);
- ``ics.html``: the three figures, stacked, self-contained (plotly.js inlined, opens offline);
- ``ics_shift.png``, ``ics_gradient_change.png``, ``ics_smoothness.png``: each figure drawn by the
  system Chromium through Figure 1's helper (:func:`bnviz.figure1.export.write_png`), which
  screenshots the first plot of an HTML file; without Playwright or Chromium they are skipped with
  a message, and the HTML and CSVs still come out.

Words are in the language of ``_`` (English by default).
"""

from __future__ import annotations

import html as html_text
import sys
import tempfile
from pathlib import Path

import plotly.graph_objects as go

from bnviz.figure1.export import FIGURE_WIDTH, PNG_SKIPPED, write_png
from bnviz.i18n import ENGLISH, Gettext
from bnviz.ics.plots import figures
from bnviz.ics.result import ICSResult

PLOTLY_CONFIG = {"displaylogo": False}


def write_html(
    result: ICSResult, path: Path, title: str | None = None, _: Gettext = ENGLISH
) -> Path:
    """The three figures of ``result`` stacked in one self-contained HTML page."""
    parts = []
    for k, fig in enumerate(figures(result, _).values()):
        figure = go.Figure(fig)
        figure.update_layout(width=FIGURE_WIDTH)
        # plotly.js once, inlined with the first figure: the page opens without a network.
        parts.append(figure.to_html(full_html=False, include_plotlyjs=k == 0, config=PLOTLY_CONFIG))
    heading = html_text.escape(
        title or _("Santurkar et al. (2018): does batch norm reduce internal covariate shift?")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{heading}</title></head><body style='font-family:sans-serif'>"
        f"<h2>{heading}</h2><p>{html_text.escape(result.describe(_=_))}</p>"
        + "\n".join(parts)
        + "</body></html>",
        encoding="utf-8",
    )
    return path


def write_pngs(result: ICSResult, out: Path, _: Gettext = ENGLISH) -> list[Path]:
    """``ics_<figure>.png`` for each figure (raises ``RuntimeError`` without Chromium)."""
    written = []
    with tempfile.TemporaryDirectory(prefix="bnviz-ics-") as tmp:
        for name, fig in figures(result, _).items():
            figure = go.Figure(fig)
            figure.update_layout(width=FIGURE_WIDTH)
            html = Path(tmp) / f"{name}.html"
            figure.write_html(html, include_plotlyjs=True, full_html=True, config=PLOTLY_CONFIG)
            written.append(write_png(html, out / f"ics_{name}.png"))
    return written


def write_all(result: ICSResult, out: Path, png: bool = True, _: Gettext = ENGLISH) -> list[Path]:
    """Every file of ``result`` in ``out`` (module docstring); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    records, measurements = out / "ics_records.csv", out / "ics_measurements.csv"
    records.write_text(result.records_csv(), encoding="utf-8")
    measurements.write_text(result.measurements_csv(), encoding="utf-8")
    written = [records, measurements, result.save(out / "ics.npz")]
    html = write_html(result, out / "ics.html", _=_)
    written.append(html)
    if png:
        try:
            written += write_pngs(result, out, _)
        except RuntimeError as exc:
            print(_(PNG_SKIPPED).format(reason=exc, html=html), file=sys.stderr)
    return written
