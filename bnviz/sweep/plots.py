"""Figure builders for a sweep: a :class:`bnviz.sweep.result.SweepResult` in, plotly dicts out.

- :func:`heatmap`: variant (rows) x grid value (columns), colour = mean final test accuracy over the
  runs that did not diverge; each cell says its accuracy and how many seeds diverged, a cell whose
  runs all diverged is grey with a ✗, a stable cell is framed;
- :func:`stability`: per variant, one marker per grid value (filled: stable; open: finished but
  below the accuracy bar; ✗: a seed diverged; grey: not run yet) and a line up to the largest
  stable value, labelled;
- :func:`steps_to_90`: per grid value and variant, the mean step at which the runs first reached
  90% test accuracy (over those that did; how many of the seeds did is written on the bar);
- :func:`write_png`: the three stacked in one PNG (the CLI's).

Pure functions of the result (a live sweep's partial one too); the look is :mod:`bnviz.style`'s:
each variant keeps its colour and label. Words in ``_``'s language (English by default). No streamlit.
"""

from __future__ import annotations

import math
from pathlib import Path

from bnviz import style
from bnviz.i18n import ENGLISH, Gettext
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


def _cell_text(c: findings.Cell, _: Gettext) -> str:
    n = {"diverged": c.diverged, "runs": c.runs, "seeds": c.seeds}
    if c.runs == 0:
        return _("not run yet")
    if c.runs == c.diverged:
        return _("✗ diverged<br>{diverged}/{runs}").format(**n)
    text = f"{100 * c.mean:.1f}%"
    if c.diverged:
        text += "<br>" + _("✗ {diverged}/{runs} diverged").format(**n)
    elif c.runs < c.seeds:
        text += "<br>" + _("{runs}/{seeds} seeds").format(**n)
    return text


def heatmap(result: SweepResult, _: Gettext = ENGLISH) -> Figure:
    cells = findings.cells(result)
    z = [[None if math.isnan(c.mean) else round(100 * c.mean, 2) for c in row] for row in cells]
    text = [[_cell_text(c, _) for c in row] for row in cells]
    rows = [label(v, _) for v in result.variants]
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
        # plotly's %{...} fields: the template is translated whole, never str.format-ted
        "hovertemplate": _("%{y}, %{x}: mean final test accuracy %{z:.2f}%<extra></extra>"),
        "colorbar": {"title": {"text": _("test acc. %")}, "thickness": 14},
    }
    n = len(result.seeds)
    title = (
        _("Mean final test accuracy over {n} seeds (framed: stable)")
        if n > 1
        else _("Mean final test accuracy over {n} seed (framed: stable)")
    )
    return {
        "data": [trace],
        "layout": style.base_layout(
            120 + ROW_HEIGHT * len(rows),
            plot_bgcolor=NO_VALUE,
            margin={"l": 100, "r": 20, "t": 50, "b": 60},
            shapes=frames,
            xaxis=_categories(result, _),
            yaxis={"tickvals": list(range(len(rows))), "ticktext": rows, "autorange": "reversed"},
            annotations=[style.panel_title(title.format(n=n), [0, 1])],
        ),
    }


def _categories(result: SweepResult, _: Gettext) -> dict:
    """The x axis of the grid values, titled with the sweep."""
    sweep = SWEEPS[result.sweep]
    ticks = [sweep.tick(x) for x in result.values]
    return style.axis(
        _(sweep.title), tickvals=list(range(len(result.values))), ticktext=ticks, showgrid=False
    )


def stability(result: SweepResult, _: Gettext = ENGLISH) -> Figure:
    cells = findings.cells(result)
    traces, notes = [], []
    for v, row in enumerate(cells):
        variant, color = result.variants[v], _color(result.variants[v])
        symbols, fills, hover = [], [], []
        for c in row:
            if c.runs == 0:
                symbols.append("circle-open"), fills.append(NO_VALUE)
                hover.append(_("not run yet"))
            elif c.diverged:
                symbols.append("x"), fills.append(color)
                hover.append(
                    _("{diverged}/{runs} diverged").format(diverged=c.diverged, runs=c.runs)
                )
            else:
                symbols.append("circle" if c.stable else "circle-open"), fills.append(color)
                lowest = f"{100 * c.low:.1f}%"
                hover.append(
                    _("stable, lowest seed {lowest}").format(lowest=lowest)
                    if c.stable
                    else _("lowest seed {lowest} < {bar}").format(
                        lowest=lowest, bar=f"{STABLE_ACCURACY:.0%}"
                    )
                )
        stable = [g for g, c in enumerate(row) if c.stable]
        best = findings.largest_stable(result, variant) if result.sweep == "lr" else None
        if best is not None:
            g = result.values.index(best)
            traces.append(_line([min(stable), g], v, color))
            notes.append(_note(g, v, _("largest: {value}").format(value=best), color))
        elif result.sweep == "lr":
            notes.append(_note(0, v, _("none stable"), "#333", anchor="left"))
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": list(range(len(row))),
                "y": [v] * len(row),
                "name": label(variant, _),
                "marker": {"symbol": symbols, "color": fills, "size": 16, "line": {"width": 2.5}},
                "text": hover,
                "hovertemplate": "%{text}<extra>" + label(variant, _) + "</extra>",
                "showlegend": False,
            }
        )
    title = (
        _("Largest stable learning rate per variant")
        if result.sweep == "lr"
        else _("Which inits train, per variant")
    )
    rows = [label(v, _) for v in result.variants]
    return {
        "data": traces,
        "layout": style.base_layout(
            130 + ROW_HEIGHT * len(rows),
            margin={"l": 100, "r": 20, "t": 50, "b": 60},
            xaxis=_categories(result, _),
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


def steps_to_90(result: SweepResult, _: Gettext = ENGLISH) -> Figure:
    cells = findings.cells(result)
    traces = []
    for v, row in enumerate(cells):
        variant = result.variants[v]
        y = [None if c.reached_90 == 0 else c.steps_to_90 for c in row]
        text = [
            _("never")
            if c.runs and not c.reached_90
            else f"{c.reached_90}/{c.runs}"
            if c.runs
            else ""
            for c in row
        ]
        traces.append(
            {
                "type": "bar",
                "x": list(range(len(row))),
                "y": [0 if value is None else value for value in y],
                "name": label(variant, _),
                "marker": {"color": _color(variant)},
                "text": text,
                "textposition": "outside",
                "textfont": {"size": 11},
                "cliponaxis": False,
                "hovertemplate": _("%{y:,.0f} steps (%{text} seeds)")
                + f"<extra>{label(variant, _)}</extra>",
            }
        )
    return {
        "data": traces,
        "layout": style.base_layout(
            380,
            barmode="group",
            margin={"l": 70, "r": 20, "t": 50, "b": 110},
            xaxis=_categories(result, _),
            yaxis=style.axis(_("steps"), range=[0, 1.15 * result.total_steps]),
            legend={"orientation": "h", "y": -0.38, "x": 0},
            annotations=[
                style.panel_title(
                    _("Steps to {reach} test accuracy (label: seeds)").format(reach=f"{REACH:.0%}"),
                    [0, 1],
                )
            ],
        ),
    }


def figures(result: SweepResult, _: Gettext = ENGLISH) -> dict[str, Figure]:
    """The page's three figures, by key."""
    return {
        "heatmap": heatmap(result, _),
        "stability": stability(result, _),
        "steps": steps_to_90(result, _),
    }


def write_png(result: SweepResult | BatchResult, path: str | Path, _: Gettext = ENGLISH) -> Path:
    """The three figures (the batch sweep's own), stacked, in ``_``'s language, as one PNG drawn by
    the system Chromium (RuntimeError naming what is missing without it); the HTML is written next
    to it."""
    import plotly.graph_objects as go

    from bnviz.figure1.export import write_png as screenshot
    from bnviz.sweep import batch_plots

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = path.with_suffix(".html")
    divs = []
    figs = batch_plots.figures(result, _) if isinstance(result, BatchResult) else figures(result, _)
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
