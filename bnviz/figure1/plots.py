"""Figure builders for the paper's Figure 1 (Ioffe & Szegedy 2015): a result in, plotly dicts out.

- (a) :func:`accuracy_figure`: test accuracy vs training step, without and with BN: the mean over
  the result's seeds, and (several seeds) the band from the lowest to the highest seed;
- (b, c) :func:`percentile_figure`: the 15th/50th/85th percentiles of the input to a typical
  sigmoid of the last hidden layer over training, as the layer sees it during training, plain twin
  (b), bn twin (c), for the result's shown seed; ``inference=True`` adds to (c) the same unit in
  inference mode (running averages, what the layer sees at test time) as dashed lines;
- :func:`panels`: the three as separate figures (the page); :func:`figure1`: side by side in one
  figure (the CLI's HTML and PNG).

Every builder is a pure function of a :class:`bnviz.figure1.Figure1Result`, complete or still growing,
and returns a figure *dict* (plotly's JSON schema; cheap to rebuild on every refresh of a live run).
Conventions shared with the live lab (:mod:`bnviz.style`): its twin colours and labels, x is the
training step. The x axis always spans the run's planned ``total_steps``, so a run in progress grows
from left to right instead of rescaling, and (b) and (c) share one y range, so the drift of one is
comparable with the stillness of the other. Words are in the language of the translator ``_``
(English by default; ``bnviz.i18n``). Nothing here imports streamlit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from bnviz import style
from bnviz.i18n import ENGLISH, Gettext
from bnviz.style import VARIANT_COLORS, Figure, variant_label
from bnviz.train.variants import TWINS

if TYPE_CHECKING:
    from bnviz.figure1.result import Figure1Result

PANEL_HEIGHT = 340  # px: the three panels fit one laptop-projector row
ACCURACY_FLOOR = 0.7  # the paper's axis starts at 0.7; lower only when the data goes lower
UIREVISION = "figure1"  # constant: a growing chart keeps the user's zoom
TEST_TIME_COLOR = "#333"  # the inference view's dashed lines, as in the live lab


def accuracy_range(result: Figure1Result) -> list[float]:
    """Panel (a)'s y range ``[lo, 1.005]``: ``lo`` is the paper's 0.7, lowered in steps of 0.1 to
    show every accuracy (of any seed) measured after the first 5% of the run (the first few hundred
    steps climb from chance, 0.1, and would flatten the part worth looking at)."""
    late = result.steps >= 0.05 * result.total_steps
    values = np.concatenate([result.accuracy[t][:, late].ravel() for t in TWINS])
    values = values[np.isfinite(values)]
    lo = ACCURACY_FLOOR
    if values.size:
        lo = min(lo, math.floor(float(values.min()) * 10) / 10)
    return [max(lo, 0.0), 1.005]


def percentile_range(result: Figure1Result, inference: bool = False) -> list[float]:
    """One y range for (b) and (c): every percentile they show (the shown seed's, both twins, and
    with ``inference`` the bn twin's inference view), padded by 10%."""
    shown = [result.shown_percentiles(t) for t in TWINS]
    if inference:
        shown.append(result.shown_percentiles("bn", inference=True))
    return style.padded_range(np.concatenate([p.reshape(-1) for p in shown]))


# -- panels as (traces, x axis, y axis, title) so they can stand alone or share one figure ----------


def _accuracy_parts(
    result: Figure1Result, xa: str, ya: str, _: Gettext
) -> tuple[list[dict], dict, dict, str]:
    seeds = len(result.seeds)
    common = {"type": "scatter", "mode": "lines", "x": result.steps, "xaxis": xa, "yaxis": ya}
    traces = []
    for twin in TWINS:
        label, color = variant_label(twin, _), VARIANT_COLORS[twin]
        if seeds > 1:  # the seeds' min-max band under the mean line
            lo, hi = result.accuracy_spread(twin)
            edge = {"color": style.alpha(color, 0.35), "width": 0.5}
            traces += [
                {**common, "y": hi, "line": edge, "legendgroup": twin, "showlegend": False,
                 "name": _("{label}, highest seed").format(label=label), "hoverinfo": "skip"},
                {**common, "y": lo, "line": edge, "legendgroup": twin, "showlegend": False,
                 "name": _("{label}, lowest seed").format(label=label), "fill": "tonexty",
                 "fillcolor": style.alpha(color, 0.18), "hoverinfo": "skip"},
            ]  # fmt: skip
        traces.append(
            {
                **common,
                "y": result.mean_accuracy(twin),
                "name": label,
                "legendgroup": twin,
                "line": {"color": color, "width": 2.5},
                "hovertemplate": _("step %{x:,}<br>accuracy %{y:.2%}") + f"<extra>{label}</extra>",
            }
        )
    y_axis = style.axis(_("test accuracy"), range=accuracy_range(result), tickformat=".0%")
    # The title's second line is the legend: a legend box would cover a short run's low curve.
    key = " · ".join(_colored(variant_label(t, _), VARIANT_COLORS[t]) for t in TWINS)
    if seeds > 1:  # the band is explained in the caption
        key += " · " + _("mean, {count} seeds").format(count=seeds)
    return traces, _xaxis(result, _), y_axis, _("(a) Test accuracy") + f"<br>{_small(key)}"


def _percentile_parts(
    result: Figure1Result,
    twin: str,
    xa: str,
    ya: str,
    y_range: list[float],
    inference: bool,
    _: Gettext,
) -> tuple[list[dict], dict, dict, str]:
    if twin not in TWINS:
        raise ValueError(f"twin must be one of {list(TWINS)}, got {twin!r}.")
    p = result.shown_percentiles(twin)  # (records, 3): columns are result.quantiles, 15/50/85
    color = VARIANT_COLORS[twin]
    common = {
        "type": "scatter",
        "mode": "lines",
        "x": result.steps,
        "xaxis": xa,
        "yaxis": ya,
        "legendgroup": twin,
        "showlegend": False,
    }
    edge = {"color": color, "width": 1}
    q_lo, q_mid, q_hi = (_("{q:g}th").format(q=q) for q in result.quantiles)
    hover, median = _("step %{x:,}<br>%{y:.2f}"), _("median")
    traces = [
        {
            **common,
            "y": p[:, 2],
            "line": edge,
            "name": q_hi,
            "hovertemplate": hover + "<extra>" + _("{q} percentile").format(q=q_hi) + "</extra>",
        },
        # Filled down from the 85th: the band holding the middle 70% of the inputs.
        {
            **common,
            "y": p[:, 0],
            "line": edge,
            "name": q_lo,
            "fill": "tonexty",
            "fillcolor": style.alpha(color, 0.22),
            "hovertemplate": hover + "<extra>" + _("{q} percentile").format(q=q_lo) + "</extra>",
        },
        {
            **common,
            "y": p[:, 1],
            "line": {"color": color, "width": 2.5},
            "name": q_mid,
            "hovertemplate": hover + f"<extra>{median}</extra>",
        },
    ]
    qs = {"lo": q_lo, "mid": q_mid, "hi": q_hi}
    key_text = _("{lo}, {mid} (bold), {hi} percentiles in training").format(**qs)
    if inference and twin == "bn":
        at_test = result.shown_percentiles("bn", inference=True)
        test_time = _("{name} at test time")
        traces += [
            {**common, "y": at_test[:, k], "name": test_time.format(name=name),
             "line": {"color": TEST_TIME_COLOR, "width": width, "dash": dash},
             "hovertemplate": hover + "<extra>" + test_time.format(name=name) + "</extra>"}
            for k, width, dash, name in [(0, 1, "dot", q_lo), (1, 2, "dash", median),
                                         (2, 1, "dot", q_hi)]
        ]  # fmt: skip
        # Short enough for a third of a laptop screen: the caption says the rest.
        key_text = _("{lo}/{mid} (bold)/{hi}: training; dashed: test time").format(
            lo=f"{result.quantiles[0]:g}", mid=f"{result.quantiles[1]:g}", hi=q_hi
        )
    title = (
        _("(b) Without BN: input to a sigmoid")
        if twin == "plain"
        else _("(c) With BN: input to a sigmoid")
    )
    y_axis = style.axis(
        _("last layer, unit {unit} (seed {seed})").format(unit=result.unit, seed=result.shown_seed),
        range=y_range,
    )
    return traces, _xaxis(result, _), y_axis, f"{title}<br>{_small(key_text)}"


def _parts(
    result: Figure1Result, inference: bool, _: Gettext
) -> dict[str, tuple[list[dict], dict, dict, str]]:
    y_range = percentile_range(result, inference)
    return {
        "accuracy": _accuracy_parts(result, "x", "y", _),
        "plain": _percentile_parts(result, "plain", "x", "y", y_range, False, _),
        "bn": _percentile_parts(result, "bn", "x", "y", y_range, inference, _),
    }


# -- public builders ----------------------------------------------------------------------------------


def accuracy_figure(
    result: Figure1Result, height: int = PANEL_HEIGHT, _: Gettext = ENGLISH
) -> Figure:
    """Panel (a): test accuracy vs training step, one line per twin."""
    return _single(*_accuracy_parts(result, "x", "y", _), height)


def percentile_figure(
    result: Figure1Result,
    twin: str,
    y_range: list[float] | None = None,
    height: int = PANEL_HEIGHT,
    inference: bool = False,
    _: Gettext = ENGLISH,
) -> Figure:
    """Panel (b) for ``twin="plain"``, (c) for ``twin="bn"``: the shown seed's typical unit, its
    15/50/85th percentiles over training, the 15-85 band shaded; ``inference`` adds the bn twin's
    test-time view, dashed. ``y_range`` defaults to :func:`percentile_range`, shared by (b), (c)."""
    y_range = y_range if y_range is not None else percentile_range(result, inference)
    return _single(*_percentile_parts(result, twin, "x", "y", y_range, inference, _), height)


def panels(
    result: Figure1Result,
    height: int = PANEL_HEIGHT,
    inference: bool = False,
    _: Gettext = ENGLISH,
) -> dict[str, Figure]:
    """``{"accuracy": (a), "plain": (b), "bn": (c)}`` as three figures with a shared (b, c) range;
    ``inference`` adds the test-time view to (c)."""
    return {key: _single(*parts, height) for key, parts in _parts(result, inference, _).items()}


def figure1(
    result: Figure1Result,
    title: str | None = None,
    height: int = 430,
    inference: bool = False,
    _: Gettext = ENGLISH,
) -> Figure:
    """The three panels side by side in one figure (the HTML and PNG of the CLI)."""
    doms = style.domains(3, gap=0.07)
    data, notes, layout = [], [], {}
    for k, (traces, x_axis, y_axis, text) in enumerate(_parts(result, inference, _).values()):
        xa, ya = style.axis_ids(k)
        xk, yk = style.layout_keys(k)
        for trace in traces:
            data.append({**trace, "xaxis": xa, "yaxis": ya, "showlegend": False})
        layout[xk] = {**x_axis, "domain": doms[k], "anchor": ya}
        layout[yk] = {**y_axis, "anchor": xa}
        notes.append(style.panel_title(text, doms[k]))
    where = {"x": 0, "y": -0.22, "xref": "paper", "yref": "paper", "xanchor": "left"}
    look = {"yanchor": "top", "showarrow": False, "font": {"size": 12, "color": "#555"}}
    notes.append({"text": result.describe(_=_), **where, **look})
    return {
        "data": data,
        "layout": {
            **style.base_layout(height, uirevision=UIREVISION),
            **layout,
            "title": {
                "text": title or _("Ioffe & Szegedy (2015), Figure 1 — reproduced"),
                "x": 0.01,
            },
            "margin": {"l": 60, "r": 20, "t": 100, "b": 95},
            "annotations": notes,
            "showlegend": False,
        },
    }


# -- helpers -----------------------------------------------------------------------------------------


def _xaxis(result: Figure1Result, _: Gettext) -> dict:
    # A little past the end so the last point is not cut by the frame.
    return style.axis(_("training step"), range=[0, result.total_steps * 1.01], tickformat="~s")


def _single(traces: list[dict], x_axis: dict, y_axis: dict, text: str, height: int) -> Figure:
    layout = {
        **style.base_layout(height, uirevision=UIREVISION),
        "margin": {"l": 60, "r": 15, "t": 60, "b": 50},  # t: two title lines
        "xaxis": x_axis,
        "yaxis": y_axis,
        "annotations": [style.panel_title(text, [0, 1])],
        "showlegend": False,
    }
    return {"data": traces, "layout": layout}


def _small(text: str) -> str:
    return f"<span style='font-size:12px;font-weight:normal'>{text}</span>"


def _colored(text: str, color: str) -> str:
    return f"<span style='color:{color}'>{text}</span>"
