"""A diagram of the axes batch norm and layer norm average over (plotly, no Streamlit).

Both panels draw the same (batch, features) grid: batch norm shades one column (one feature, across
the examples of the batch), layer norm one row (one example, across its features). The grid is
capped at ``MAX_CELLS`` per side: it is a picture of axes, not of values.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bnviz.i18n import ENGLISH, Gettext

MAX_CELLS = 6
BN_COLOR = "#1f77b4"
LN_COLOR = "#ff7f0e"


def axis_figure(
    batch: int, features: int, feature: int = 0, example: int = 0, _: Gettext = ENGLISH
) -> go.Figure:
    """Two grids side by side; ``feature``/``example`` (0-based) pick the shaded column/row."""
    rows, cols = min(batch, MAX_CELLS), min(features, MAX_CELLS)
    feature, example = min(feature, cols - 1), min(example, rows - 1)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(
            _("BatchNorm: one μ, σ² per feature (down a column)"),
            _("LayerNorm: one μ, σ² per example (along a row)"),
        ),
    )
    for panel, (color, shaded) in enumerate(
        [(BN_COLOR, lambda i, j: j == feature), (LN_COLOR, lambda i, j: i == example)], start=1
    ):
        # One heatmap per panel (cells with gaps) is far cheaper than one plotly shape per cell.
        z = [[1 if shaded(i, j) else 0 for j in range(cols)] for i in range(rows)]  # (rows, cols)
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=list(range(cols)),
                y=[-i for i in range(rows)],
                zmin=0,
                zmax=1,
                colorscale=[[0, "#eeeeee"], [1, color]],
                showscale=False,
                xgap=4,
                ygap=4,
                hoverinfo="skip",
            ),
            row=1,
            col=panel,
        )
        # The grid is a picture of the axes, not a scale: titles only, no ticks or grid lines.
        axis = {
            "showticklabels": False,
            "showgrid": False,
            "zeroline": False,
            "row": 1,
            "col": panel,
        }
        fig.update_xaxes(
            title_text=_("features → ({features})").format(features=features),
            range=[-0.7, cols - 0.3],
            **axis,
        )
        fig.update_yaxes(
            title_text=_("← examples ({batch})").format(batch=batch),
            range=[-rows + 0.3, 0.7],
            **axis,
        )
    # Arrows along the axis each norm averages over, from tail (ax, ay) to tip (x, y) in the
    # data units of their panel.
    arrow = {"showarrow": True, "arrowhead": 2, "arrowwidth": 3, "text": ""}
    bn_panel = {"xref": "x", "yref": "y", "axref": "x", "ayref": "y"}
    ln_panel = {"xref": "x2", "yref": "y2", "axref": "x2", "ayref": "y2"}
    fig.add_annotation(
        x=feature, y=-rows + 0.35, ax=feature, ay=0.65, arrowcolor="#0b3d66", **bn_panel, **arrow
    )
    fig.add_annotation(
        x=cols - 0.35, y=-example, ax=-0.65, ay=-example, arrowcolor="#7a3b00", **ln_panel, **arrow
    )
    fig.update_layout(
        height=340,
        margin={"l": 40, "r": 20, "t": 50, "b": 40},
        plot_bgcolor="white",
        font={"size": 15},
    )
    return fig
