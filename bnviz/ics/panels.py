"""The parts every ICS figure is made of: panels laid out in a grid, measured series drawn raw and
smoothed, log axes, the x axis of training steps, the colour key.

A panel is :data:`Parts`, ``(traces, x axis, y axis, title)``; :func:`grid` places rows of them in one
figure dict, each with its own axes and a title above it (``bnviz.style``'s helpers). Measurements
jump with each minibatch, so :func:`measured_traces` draws a variant's raw values thin and faint
under their running median (:func:`running_median`), bold. Nothing here imports streamlit or torch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from bnviz import style
from bnviz.i18n import ENGLISH, Gettext
from bnviz.style import VARIANT_COLORS, Figure, variant_label

if TYPE_CHECKING:
    from bnviz.ics.result import ICSResult

Parts = tuple[list[dict], dict, dict, str]  # one panel: traces, x axis, y axis, title
SMOOTH_WINDOW = 9  # measurements per running median: ~5% of a 200-measurement run
MAX_DENSE_DECADES = 2.5  # log axes over more decades tick at the powers of ten only


def running_median(values: np.ndarray, window: int = SMOOTH_WINDOW) -> np.ndarray:
    """``# (m,)`` median of the ``window`` values centred on each (fewer at the ends), NaNs ignored;
    NaN where a window holds no finite value."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    half = window // 2
    for i in range(len(values)):
        chunk = values[max(0, i - half) : i + half + 1]
        chunk = chunk[np.isfinite(chunk)]
        if chunk.size:
            out[i] = np.median(chunk)
    return out


def measured_traces(
    result: ICSResult, v: str, values: np.ndarray, what: str, _: Gettext = ENGLISH
) -> list[dict]:
    """A variant's raw measurements, thin and faint, under their running median, bold; ``what``
    names them (translated), ``_`` translates the rest."""
    color, label = VARIANT_COLORS[v], variant_label(v, _)
    common = {"type": "scatter", "mode": "lines", "x": result.measure_steps, "showlegend": False}
    hover = _("step %{x:,}") + "<br>" + what + " %{y:.3g}<extra>" + label
    return [
        {**common, "y": values, "line": {"color": style.alpha(color, 0.3), "width": 1}, "name": label,
         "hoverinfo": "skip"},
        {**common, "y": running_median(values), "line": {"color": color, "width": 2.5},
         "name": label, "hovertemplate": hover + " " + _("(running median)") + "</extra>"},
    ]  # fmt: skip


def log_axis(traces: list[dict]) -> dict:
    """Log-axis keys spanning every positive value of ``traces``: ticks at 1, 2 and 5 times each
    power of ten (:func:`bnviz.style.log_ticks`), or at the powers alone over more than
    ``MAX_DENSE_DECADES`` decades, where 1-2-5 ticks would crowd a short panel."""
    values = np.concatenate([np.asarray(t["y"], dtype=np.float64) for t in traces] or [np.ones(1)])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return {"type": "log"}
    lo, hi = float(values.min()), float(values.max())
    if math.log10(hi / lo) <= MAX_DENSE_DECADES:
        return {"type": "log", **style.log_ticks(lo, hi)}
    exponents = range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1)
    return {
        "type": "log",
        "tickvals": [10.0**e for e in exponents],
        # 0.001 reads at a glance; 0.00001 (or 1e-05) does not, 10⁻⁵ does.
        "ticktext": [f"{10.0**e:g}" if e >= -3 else f"10<sup>−{-e}</sup>" for e in exponents],
    }


def grid(rows: list[list[Parts]], height: int, uirevision: str, col_gap: float = 0.08) -> Figure:
    """Panels in rows (the first row on top), each with its own axes and title above it.

    ``col_gap`` (a share of the width) must hold a panel's tick labels and y-axis title: 0.08 is
    ~80 px on the page's ~1,000 px wide figures."""
    n_cols = max(len(row) for row in rows)
    cols = _clipped(style.domains(n_cols, gap=col_gap))
    # Stacked rows: the gap leaves room for the axis title of the row below and the next title.
    heights = _clipped(style.domains(len(rows), gap=0.16 if len(rows) > 1 else 0.0))[::-1]
    data, notes, layout, k = [], [], {}, 0
    for r, row in enumerate(rows):
        for c, (traces, x_axis, y_axis, title) in enumerate(row):
            xa, ya = style.axis_ids(k)
            xk, yk = style.layout_keys(k)
            data += [{**trace, "xaxis": xa, "yaxis": ya} for trace in traces]
            layout[xk] = {**x_axis, "domain": cols[c], "anchor": ya}
            layout[yk] = {**y_axis, "domain": heights[r], "anchor": xa}
            if title:
                notes.append(style.panel_title(title, cols[c], y=heights[r][1]))
            k += 1
    return {
        "data": data,
        "layout": {
            **style.base_layout(height, uirevision=uirevision),
            **layout,
            "margin": {"l": 65, "r": 20, "t": 60, "b": 50},
            "annotations": notes,
            "showlegend": False,
        },
    }


def _clipped(doms: list[list[float]]) -> list[list[float]]:
    # Float sums can end a last domain at 1.0000000000000002, which plotly rejects.
    return [[max(0.0, lo), min(1.0, hi)] for lo, hi in doms]


def step_axis(result: ICSResult, _: Gettext = ENGLISH) -> dict:
    # A little past the end so the last point is not cut by the frame.
    return style.axis(_("training step"), range=[0, result.total_steps * 1.01], tickformat="~s")


def color_key(result: ICSResult, _: Gettext = ENGLISH) -> str:
    keys = (colored(variant_label(v, _), VARIANT_COLORS[v]) for v in result.variants)
    return small(" · ".join(keys))


def small(text: str) -> str:
    return f"<span style='font-size:12px;font-weight:normal'>{text}</span>"


def colored(text: str, color: str) -> str:
    return f"<span style='color:{color}'>{text}</span>"
