"""The (N, C, H·W) block of an ``AxesSteps`` as one grid, the cells that share a mean lit up.

One block per example, side by side; in each, a row per channel and a column per position (h, w),
row-major like the page's table. The values of the chosen element's statistic are amber, the element
itself dark orange; every other statistic's cells alternate two greys, so the partition a norm makes
is visible at a glance. Group norm also gets a line between groups of channels. Cells carry their
value (x, x_hat or y) to 2 decimals while the grid is narrow enough to read them; hovering gives 4.

Only numbers and fixed labels (in the language of ``_``) reach the figure: nothing a student typed
is drawn as text.
"""

from __future__ import annotations

import numpy as np

from bnviz import style
from bnviz.arith.axes import AxesSteps
from bnviz.arith.nchw import channel_label, element_label
from bnviz.i18n import ENGLISH, Gettext

OTHER_EVEN, OTHER_ODD = "#f0f0f0", "#d4d4d4"  # the other statistics, alternating
SHARED, CHOSEN = "#f5c04a", "#c2410c"  # the chosen element's statistic, and the element
MAX_TEXT_COLUMNS = 40  # wider grids show values on hover only: 2 decimals no longer fit a cell
ROW_PX = 34
VALUES = {"x": "x", "x_hat": "x̂", "y": "y"}  # which tensor the cells show -> its name


def _colorscale() -> list:
    """Four categories 0..3 (other even, other odd, shared, chosen) as a stepped colour scale."""
    colors = [OTHER_EVEN, OTHER_ODD, SHARED, CHOSEN]
    scale = []
    for k, color in enumerate(colors):
        scale += [[k / 4, color], [(k + 1) / 4, color]]
    return scale


def nchw_figure(s: AxesSteps, index, values: str = "x", _: Gettext = ENGLISH) -> dict:
    """Plotly figure dict of ``s``'s tensor; ``index`` = (n, c, h, w), 0-based, the chosen element.

    ``values`` picks what the cells show: "x", "x_hat" or "y"; ``_`` translates the labels.
    """
    n_all, c_all, h, w = s.x.shape
    positions = h * w
    width = n_all * (positions + 1) - 1  # a blank column between examples
    tensor = {"x": s.x, "x_hat": s.x_hat, "y": s.y}[values].reshape(n_all, c_all, positions)
    stats = s.members.reshape(n_all, c_all, positions)
    chosen_stat = s.stat_of(index)
    chosen = (index[0], index[1], index[2] * w + index[3])
    z = np.full((c_all, width), np.nan)
    cell_text = np.full((c_all, width), "", dtype=object)
    hover = np.full((c_all, width), "", dtype=object)
    name = VALUES[values]
    stat_labels = [label.render(_) for label in s.stat_labels]
    for n in range(n_all):
        for c in range(c_all):
            for p in range(positions):
                col, stat, v = n * (positions + 1) + p, stats[n, c, p], tensor[n, c, p]
                z[c, col] = 3 if (n, c, p) == chosen else 2 if stat == chosen_stat else stat % 2
                cell_text[c, col] = f"{v:.2f}"
                where = element_label((n, c, p // w, p % w)).render(_)
                hover[c, col] = f"{where}<br>{name} = {v:.4f}<br>{stat_labels[stat]}"
    show_text = width <= MAX_TEXT_COLUMNS
    heatmap = {
        "type": "heatmap",
        "z": z.tolist(),
        "zmin": 0,
        "zmax": 4,
        "colorscale": _colorscale(),
        "showscale": False,
        "xgap": 3,
        "ygap": 3,
        "text": (cell_text if show_text else hover).tolist(),
        "hovertext": hover.tolist(),
        "hoverinfo": "text",
        "texttemplate": "%{text}" if show_text else "",
        "textfont": {"size": 12},
    }
    centres = [n * (positions + 1) + (positions - 1) / 2 for n in range(n_all)]
    annotations = [
        {
            "x": x,
            "y": -0.7,
            "text": "<b>{}</b>".format(_("example {number}").format(number=n + 1)),
            "showarrow": False,
            "yanchor": "bottom",
        }
        for n, x in enumerate(centres)
    ]
    layout = style.base_layout(
        max(200, 90 + ROW_PX * c_all),
        margin={"l": 90, "r": 10, "t": 30, "b": 40},
        annotations=annotations,
        shapes=_group_lines(s, width),
        xaxis={
            "showticklabels": False,
            "showgrid": False,
            "zeroline": False,
            "title": {
                "text": _("positions (h, w) of each example: H × W = {h} × {w}").format(h=h, w=w)
            },
            "range": [-0.6, width - 0.4],
        },
        yaxis={
            "tickvals": list(range(c_all)),
            "ticktext": [channel_label(c, _) for c in range(c_all)],
            "autorange": "reversed",  # channel 1 on top, as in the table
            "showgrid": False,
            "zeroline": False,
        },
    )
    return {"data": [heatmap], "layout": layout}


def _group_lines(s: AxesSteps, width: int) -> list[dict]:
    """Group norm: a dark line between consecutive groups of C/G channels."""
    if s.kind != "group" or s.groups == 1:
        return []
    per_group = s.x.shape[1] // s.groups
    return [
        {
            "type": "line",
            "x0": -0.5,
            "x1": width - 0.5,
            "y0": g * per_group - 0.5,
            "y1": g * per_group - 0.5,
            "line": {"color": "#333333", "width": 2},
        }
        for g in range(1, s.groups)
    ]
