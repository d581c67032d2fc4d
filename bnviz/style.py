"""The look every chart shares: variant colours and labels, the font, axes, panels and layout.

Plot builders (``bnviz.train.plots``, ``bnviz.figure1.plots``) return plotly figure *dicts* built from
these helpers, so a lecturer can point at any chart and say the same thing: x is the training step,
each variant keeps its colour (plain orange, bn blue, noisy BN green), panel titles sit centred
above their panel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bnviz.i18n import ENGLISH, Gettext
from bnviz.train.variants import VARIANTS

Figure = dict[str, Any]  # plotly's JSON schema: {"data": [...], "layout": {...}}
VARIANT_COLORS = {name: v.color for name, v in VARIANTS.items()}
# English msgids, marked in the registry (bnviz.train.variants); see variant_label.
VARIANT_LABELS = {name: v.label for name, v in VARIANTS.items()}


def variant_label(name: str, _: Gettext = ENGLISH) -> str:
    """Variant ``name``'s label for legends and captions, in ``_``'s language."""
    return _(VARIANT_LABELS[name])


# Latin from the page's font; Hangul, which that font and most sans-serifs lack, from the first
# Korean font present (Noto Sans CJK KR: Linux and the Docker image; macOS; Windows). A browser
# walks the whole list for each glyph, so an exported PNG shows Korean, not boxes.
CJK_FAMILIES = "Noto Sans CJK KR, Apple SD Gothic Neo, Malgun Gothic"
FONT = {"family": f"Source Sans Pro, sans-serif, {CJK_FAMILIES}", "size": 14}
GRID = "#e6e6e6"


@dataclass(frozen=True)
class Look:
    """Sizes of a chart's text and lines. The default is the look of a laptop screen; ``PRESENTER``
    is read from the back of a lecture hall on a projector."""

    font_size: int = 14  # px: tick labels, legend, axis titles
    title_size: int = 15  # px: bold panel titles
    note_size: int = 12  # px: notes on the plot (learning-rate marks)
    line_width: float = 2.5  # px: the data lines (loss, accuracy, median)

    @property
    def font(self) -> dict:
        return {**FONT, "size": self.font_size}

    def panel_title(self, text: str, x_domain: Sequence[float]) -> dict:
        return {**panel_title(text, x_domain), "font": {"size": self.title_size}}

    def margin(self, l: int, r: int, t: int, b: int) -> dict:  # noqa: E741 (plotly's own names)
        """Plot margins grown with the font, so bigger tick labels and titles still fit."""
        k = self.font_size / FONT["size"]
        return {"l": round(l * k), "r": round(r * k), "t": round(t * k), "b": round(b * k)}


LOOK = Look()
# 24 px text and 5 px lines stay legible on a projector from the last row of a 200-seat hall.
PRESENTER = Look(font_size=24, title_size=24, note_size=20, line_width=5.0)


def axis(title: str = "", **kw) -> dict:
    """An axis with a title, the light grid and no zero line; ``kw`` adds or overrides keys."""
    return {"title": {"text": title}, "gridcolor": GRID, "zeroline": False, **kw}


def domains(n: int, gap: float = 0.08) -> list[list[float]]:
    """``n`` equal side-by-side (or stacked) domains in [0, 1] with ``gap`` between them."""
    width = (1 - gap * (n - 1)) / n
    return [[k * (width + gap), k * (width + gap) + width] for k in range(n)]


def axis_ids(k: int) -> tuple[str, str]:
    """Trace axis ids of panel ``k``: 0 -> ("x", "y"), 1 -> ("x2", "y2")."""
    return ("x", "y") if k == 0 else (f"x{k + 1}", f"y{k + 1}")


def layout_keys(k: int) -> tuple[str, str]:
    """Layout keys of panel ``k``'s axes: 0 -> ("xaxis", "yaxis"), 1 -> ("xaxis2", "yaxis2")."""
    return ("xaxis", "yaxis") if k == 0 else (f"xaxis{k + 1}", f"yaxis{k + 1}")


def base_layout(height: int, **kw) -> dict:
    """White background, the shared font, ``height`` px; ``kw`` adds or overrides keys."""
    return {
        "height": height,
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        **kw,
    }


def panel_title(text: str, x_domain: Sequence[float], y: float = 1.0) -> dict:
    """A bold title annotation centred above the panel spanning ``x_domain`` (paper coordinates)."""
    return {
        "text": f"<b>{text}</b>",
        "x": (x_domain[0] + x_domain[1]) / 2,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 15},
    }


def padded_range(values: np.ndarray, pad: float = 0.1, least: float = 0.25) -> list[float]:
    """A y range holding every finite value, padded by ``pad`` of its span (at least ``least``);
    ``[-2, 2]`` when there is none. Panels that compare distributions share one such range."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return [-2.0, 2.0]
    lo, hi = float(values.min()), float(values.max())
    margin = max(pad * (hi - lo), least)
    return [lo - margin, hi + margin]


def log_ticks(lo: float, hi: float) -> dict:
    """Axis keys for a log axis from ``lo`` to ``hi`` (> 0): ticks at 1, 2 and 5 times each power of
    ten (every integer multiple when that gives fewer than three), each labelled with its full value
    (``0.05``, ``0.1``, ``0.2``), never a bare mantissa."""
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        return {}
    decades = range(math.floor(math.log10(lo)), math.floor(math.log10(hi)) + 1)
    for mantissas in ((1, 2, 5), range(1, 10)):
        values = [m * 10.0**e for e in decades for m in mantissas if lo <= m * 10.0**e <= hi]
        if len(values) >= 3:
            return {"tickvals": values, "ticktext": [f"{v:g}" for v in values]}
    return {"exponentformat": "none"}  # a range too narrow for round ticks: plotly picks, in full


def alpha(hex_color: str, opacity: float) -> str:
    """``"#0072B2", 0.25`` -> ``"rgba(0,114,178,0.25)"`` (a translucent band in a twin's colour)."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{opacity})"
