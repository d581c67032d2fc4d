"""Figure builders for a sweep: a :class:`bnviz.sweep.result.SweepResult` in, plotly dicts out.

- :func:`heatmap`: variant (rows) x grid value (columns), colour = mean final test accuracy over the
  runs that did not diverge; each cell says its accuracy and how many seeds diverged, a cell whose
  runs all diverged is grey with a ✗, a stable cell is framed;
- :func:`stability`: per variant, one marker per grid value (filled: stable; open: finished but
  below the accuracy bar; ✗: a seed diverged; grey: not run yet) and a line up to the largest
  stable value, labelled;
- :func:`steps_to_90`: per grid value and variant, the mean step at which the runs first reached
  90% test accuracy (over those that did; how many of the seeds did is written on the bar);
- :func:`overview`: the three stacked in one figure (the CLI's PNG); :func:`write_png` draws it.

Pure functions of the result (a live sweep's partial one too); the look is :mod:`bnviz.style`'s:
each variant keeps its colour and label. Nothing here imports streamlit.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from bnviz import style
from bnviz.style import Figure
from bnviz.sweep import findings
from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.findings import STABLE_ACCURACY, label
from bnviz.sweep.grid import SWEEPS
from bnviz.sweep.result import REACH, SweepResult
from bnviz.train.variants import VARIANTS

ROW_HEIGHT = 70  # px per variant row of the heatmap and the stability chart
NO_VALUE = "#d9d9d9"  # grey: every run of the cell diverged (no accuracy to colour)
CHANCE = 0.1  # ten classes: the colour scale starts here
FIGURE_WIDTH = 1100  # px of the CLI's PNG


def _color(variant: str) -> str:
    entry = VARIANTS.get(variant)
    return entry.color if entry is not None else "#555555"


def _x_title(result: SweepResult) -> str:
    return SWEEPS[result.sweep].title


def _cell_text(c: findings.Cell) -> str:
    if c.runs == 0:
        return "not run yet"
    if c.runs == c.diverged:
        return f"✗ diverged<br>{c.diverged}/{c.runs}"
    text = f"{100 * c.mean:.1f}%"
    if c.diverged:
        text += f"<br>✗ {c.diverged}/{c.runs} diverged"
    elif c.runs < c.seeds:
        text += f"<br>{c.runs}/{c.seeds} seeds"
    return text


def heatmap(result: SweepResult) -> Figure:
    cells = findings.cells(result)
    z = [[None if math.isnan(c.mean) else round(100 * c.mean, 2) for c in row] for row in cells]
    text = [[_cell_text(c) for c in row] for row in cells]
    rows = [label(v) for v in result.variants]
    frames = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": g - 0.48,
            "x1": g + 0.48,
            "y0": v - 0.46,
            "y1": v + 0.46,
            "line": {"color": "#111", "width": 2.5},
        }
        for v, row in enumerate(cells)
        for g, c in enumerate(row)
        if c.stable
    ]
    trace = {
        "type": "heatmap",
        "z": z,
        "x": list(range(len(result.values))),
        "y": list(range(len(result.variants))),
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 12},
        "colorscale": "Viridis",
        "zmin": 100 * CHANCE,
        "zmax": 100,
        "xgap": 2,
        "ygap": 2,
        "hoverongaps": False,
        "hovertemplate": "%{y}, %{x}: mean final test accuracy %{z:.2f}%<extra></extra>",
        "colorbar": {"title": {"text": "test acc. %"}, "thickness": 14},
    }
    n = len(result.seeds)
    return {
        "data": [trace],
        "layout": style.base_layout(
            120 + ROW_HEIGHT * len(rows),
            plot_bgcolor=NO_VALUE,
            margin={"l": 100, "r": 20, "t": 50, "b": 60},
            shapes=frames,
            xaxis=_categories(result, _x_title(result)),
            yaxis={"tickvals": list(range(len(rows))), "ticktext": rows, "autorange": "reversed"},
            annotations=[
                style.panel_title(
                    f"Mean final test accuracy over {n} seed{'s' if n > 1 else ''} "
                    f"(framed: stable)",
                    [0, 1],
                )
            ],
        ),
    }


def _categories(result: SweepResult, title: str) -> dict:
    sweep = SWEEPS[result.sweep]
    ticks = [sweep.label(x).removeprefix("LR ").removeprefix("std ") for x in result.values]
    return style.axis(
        title, tickvals=list(range(len(result.values))), ticktext=ticks, showgrid=False
    )


def stability(result: SweepResult) -> Figure:
    cells = findings.cells(result)
    traces, notes = [], []
    for v, row in enumerate(cells):
        variant, color = result.variants[v], _color(result.variants[v])
        symbols, fills, hover = [], [], []
        for c in row:
            if c.runs == 0:
                symbols.append("circle-open"), fills.append(NO_VALUE), hover.append("not run yet")
            elif c.diverged:
                symbols.append("x"), fills.append(color)
                hover.append(f"{c.diverged}/{c.runs} diverged")
            else:
                symbols.append("circle" if c.stable else "circle-open"), fills.append(color)
                hover.append(
                    f"stable, lowest seed {100 * c.low:.1f}%"
                    if c.stable
                    else f"lowest seed {100 * c.low:.1f}% < {STABLE_ACCURACY:.0%}"
                )
        stable = [g for g, c in enumerate(row) if c.stable]
        best = findings.largest_stable(result, variant) if result.sweep == "lr" else None
        if best is not None:
            g = result.values.index(best)
            traces.append(_line([min(stable), g], v, color))
            notes.append(_note(g, v, f"largest: {best}", color))
        elif result.sweep == "lr":
            notes.append(_note(0, v, "none stable", "#333", anchor="left"))
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": list(range(len(row))),
                "y": [v] * len(row),
                "name": label(variant),
                "marker": {"symbol": symbols, "color": fills, "size": 16, "line": {"width": 2.5}},
                "text": hover,
                "hovertemplate": "%{text}<extra>" + label(variant) + "</extra>",
                "showlegend": False,
            }
        )
    title = (
        "Largest stable learning rate per variant"
        if result.sweep == "lr"
        else "Which inits train, per variant"
    )
    rows = [label(v) for v in result.variants]
    return {
        "data": traces,
        "layout": style.base_layout(
            130 + ROW_HEIGHT * len(rows),
            margin={"l": 100, "r": 20, "t": 50, "b": 60},
            xaxis=_categories(result, _x_title(result)),
            yaxis={
                "tickvals": list(range(len(rows))),
                "ticktext": rows,
                "autorange": "reversed",
                "range": [len(rows) - 0.4, -0.6],
                "showgrid": False,
                "zeroline": False,
            },
            annotations=[style.panel_title(title, [0, 1]), *notes],
        ),
    }


def _line(span: list[int], v: int, color: str) -> dict:
    return {
        "type": "scatter",
        "mode": "lines",
        "x": span,
        "y": [v, v],
        "line": {"color": style.alpha(color, 0.5), "width": 8},
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _note(g: int, v: int, text: str, color: str, anchor: str = "center") -> dict:
    return {
        "x": g,
        "y": v,
        "yshift": -22,
        "text": text,
        "showarrow": False,
        "xanchor": anchor,
        "font": {"color": color, "size": 13},
    }


def steps_to_90(result: SweepResult) -> Figure:
    cells = findings.cells(result)
    traces = []
    for v, row in enumerate(cells):
        variant = result.variants[v]
        y = [None if c.reached_90 == 0 else c.steps_to_90 for c in row]
        text = [
            "never" if c.runs and not c.reached_90 else f"{c.reached_90}/{c.runs}" if c.runs else ""
            for c in row
        ]
        traces.append(
            {
                "type": "bar",
                "x": list(range(len(row))),
                "y": [0 if value is None else value for value in y],
                "name": label(variant),
                "marker": {"color": _color(variant)},
                "text": text,
                "textposition": "outside",
                "textfont": {"size": 11},
                "cliponaxis": False,
                "hovertemplate": "%{y:,.0f} steps (%{text} seeds)<extra>"
                + label(variant)
                + "</extra>",
            }
        )
    return {
        "data": traces,
        "layout": style.base_layout(
            380,
            barmode="group",
            margin={"l": 70, "r": 20, "t": 50, "b": 110},
            xaxis=_categories(result, _x_title(result)),
            yaxis=style.axis("steps", range=[0, 1.15 * result.total_steps]),
            legend={"orientation": "h", "y": -0.38, "x": 0},
            annotations=[
                style.panel_title(f"Steps to {REACH:.0%} test accuracy (label: seeds)", [0, 1])
            ],
        ),
    }


def figures(result: SweepResult) -> dict[str, Figure]:
    """The page's three figures, by key."""
    return {
        "heatmap": heatmap(result),
        "stability": stability(result),
        "steps": steps_to_90(result),
    }


def write_png(result: SweepResult | BatchResult, path: str | Path) -> Path:
    """The three figures (the batch sweep's own), stacked, as one PNG drawn by the system Chromium
    (RuntimeError naming what is missing without it); the HTML is written next to it."""
    import plotly.graph_objects as go

    from bnviz.figure1.export import write_png as screenshot
    from bnviz.sweep import batch_plots

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = path.with_suffix(".html")
    divs = []
    figs = batch_plots.figures(result) if isinstance(result, BatchResult) else figures(result)
    for k, fig in enumerate(figs.values()):
        f = go.Figure(fig)
        f.update_layout(width=FIGURE_WIDTH)
        divs.append(f.to_html(full_html=False, include_plotlyjs=(k == 0)))
    html.write_text(
        "<html><body style='margin:0'><div class='plotly-graph-div'>"
        + "".join(divs)
        + "</div></body></html>",
        encoding="utf-8",
    )
    return screenshot(html, path)


def heatmap_values(result: SweepResult) -> np.ndarray:
    """``# (V, G)`` the heatmap's colours: mean final accuracy in %, NaN where none."""
    return 100 * findings.mean_accuracy(result)
