"""Figure builders for the three experiments of Santurkar et al. (2018): a result in, plotly dicts out.

- :func:`shift_figure` (experiment 1, their Figure 1): test accuracy of plain, bn and noisy_bn, and
  the typical last-layer unit's 15/50/85th percentile band of each, on one shared y range;
- :func:`gradient_change_figure` (experiment 2): per hidden layer with layers below it, ``‖G − G'‖``,
  ``‖G − G'‖ / ‖G‖`` and ``cos(G, G')`` over training;
- :func:`smoothness_figure` (experiment 3): loss variation, gradient predictiveness (the least and
  largest gradient change along ``−g``, shaded between) and effective β-smoothness over training.

Every builder is a pure function of an :class:`bnviz.ics.result.ICSResult`, complete or growing,
and returns a figure *dict*. Conventions shared with the other pages (:mod:`bnviz.style`): variant
colours and labels, x is the training step and spans the planned run (a live run grows from the
left), panel titles sit above their panels, the colour key is the first panel's second title line
(a legend box would cover curves); measured series are drawn raw and as running medians
(:mod:`bnviz.ics.panels`). Words are in the language of the translator ``_`` (English by default;
``bnviz.i18n``). Nothing here imports streamlit or torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bnviz.i18n import ENGLISH, N_, Gettext
from bnviz.ics.panels import (
    Parts,
    color_key,
    grid,
    log_axis,
    measured_traces,
    running_median,
    small,
    step_axis,
)
from bnviz.style import VARIANT_COLORS, Figure, alpha, axis, padded_range, variant_label

if TYPE_CHECKING:
    from bnviz.ics.result import ICSResult

PANEL_HEIGHT = 330  # px per row of panels: the same as the Figure 1 page
ACCURACY_FLOOR = 0.7  # as the Figure 1 page: the climb from chance would flatten the rest


def band_range(result: ICSResult) -> list[float]:
    """One y range for every band panel: all recorded percentiles, padded by 10%."""
    return padded_range(np.concatenate([result.bands[v].reshape(-1) for v in result.variants]))


# -- experiment 1 ------------------------------------------------------------------------------------


def _accuracy_parts(result: ICSResult, _: Gettext) -> Parts:
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": result.steps,
            "y": result.accuracy[v],
            "name": variant_label(v, _),
            "line": {"color": VARIANT_COLORS[v], "width": 2.5},
            "hovertemplate": _("step %{x:,}<br>accuracy %{y:.3f}")
            + f"<extra>{variant_label(v, _)}</extra>",
        }
        for v in result.variants
    ]
    late = result.steps >= 0.05 * result.total_steps
    values = np.concatenate([result.accuracy[v][late] for v in result.variants])
    values = values[np.isfinite(values)]
    lo = min(ACCURACY_FLOOR, np.floor(values.min() * 10) / 10) if values.size else ACCURACY_FLOOR
    y_axis = axis(_("test accuracy"), range=[max(float(lo), 0.0), 1.005], tickformat=".0%")
    title = _("(a) Test accuracy") + f"<br>{color_key(result, _)}"
    return traces, step_axis(result, _), y_axis, title


def _band_parts(
    result: ICSResult, v: str, panel: str, y_range: list[float], y_title: bool, _: Gettext
) -> Parts:
    p = result.bands[v]  # (records, 3): columns are result.quantiles, 15/50/85
    color = VARIANT_COLORS[v]
    common = {"type": "scatter", "mode": "lines", "x": result.steps, "showlegend": False}
    edge = {"color": alpha(color, 0.6), "width": 1}
    hover = _("step %{x:,}<br>%{y:.2f}") + "<extra>"
    q85, q15, median = _("{q:g}th").format(q=85), _("{q:g}th").format(q=15), _("median")
    traces = [
        {**common, "y": p[:, 2], "line": edge, "name": q85, "hovertemplate": f"{hover}{q85}</extra>"},
        {**common, "y": p[:, 0], "line": edge, "name": q15,
         "fill": "tonexty",  # down from the 85th: the band holding the middle 70%
         "fillcolor": alpha(color, 0.22), "hovertemplate": f"{hover}{q15}</extra>"},
        {**common, "y": p[:, 1], "line": {"color": color, "width": 2.5}, "name": median,
         "hovertemplate": f"{hover}{median}</extra>"},
    ]  # fmt: skip
    label = _(BAND_TITLES[v])
    key = small(_("15th, 50th (bold), 85th percentiles"))
    title = f"{panel} {label}<br>{key}"
    # One y range for every band: the first one's axis title speaks for all of them.
    y_text = _("unit {unit}'s input, last layer").format(unit=result.unit) if y_title else ""
    return traces, step_axis(result, _), axis(y_text, range=y_range), title


# A band panel's title: the variant's label as a heading (capitalized in English).
BAND_TITLES = {"plain": N_("Without BN"), "bn": N_("With BN"), "noisy_bn": N_("Noisy BN")}


def shift_figure(
    result: ICSResult, height: int = PANEL_HEIGHT + 40, _: Gettext = ENGLISH
) -> Figure:
    """Experiment 1 in one row: (a) test accuracy, then the band of each variant, one y range."""
    y_range = band_range(result)
    panels = [_accuracy_parts(result, _)]
    for k, (v, letter) in enumerate(zip(result.variants, "bcdefg", strict=False)):
        panels.append(_band_parts(result, v, f"({letter})", y_range, k == 0, _))
    return grid([panels], height, uirevision="ics-shift")


# -- experiment 2 ------------------------------------------------------------------------------------

GRADIENT_ROWS = (
    ("grad_diff", "‖G − G′‖", True),
    ("relative", "‖G − G′‖ / ‖G‖", True),
    ("grad_cos", "cos(G, G′)", False),
)


def _gradient_parts(result: ICSResult, column: int, row: int, _: Gettext) -> Parts:
    series, label, log = GRADIENT_ROWS[row]
    layer = result.layers[column]
    traces = []
    for v in result.variants:
        values = (
            result.relative_grad_diff(v) if series == "relative" else getattr(result, series)[v]
        )
        traces += measured_traces(result, v, values[:, column], label, _)
    y_axis = axis(label, **log_axis(traces) if log else {})
    if row > 0:
        return traces, step_axis(result, _), y_axis, ""
    if layer == 1:
        title = _("Layer {layer}: after layer 1 has moved").format(layer=layer + 1)
    else:
        title = _("Layer {layer}: after layers 1–{below} have moved").format(
            layer=layer + 1, below=layer
        )
    return traces, step_axis(result, _), y_axis, f"{title}<br>{color_key(result, _)}"


def gradient_change_figure(
    result: ICSResult, height: int | None = None, _: Gettext = ENGLISH
) -> Figure:
    """Experiment 2: rows ``‖G − G'‖`` (log), ``‖G − G'‖ / ‖G‖`` (log) and ``cos(G, G')``; one
    column per measured hidden layer."""
    rows = [
        [_gradient_parts(result, column, row, _) for column in range(len(result.layers))]
        for row in range(len(GRADIENT_ROWS))
    ]
    return grid(rows, height or 3 * 250 + 60, uirevision="ics-gradient-change", col_gap=0.1)


# -- experiment 3 ------------------------------------------------------------------------------------


def _loss_variation_parts(result: ICSResult, _: Gettext) -> Parts:
    traces = []
    for v in result.variants:
        traces += measured_traces(result, v, result.loss_variation[v], _("loss variation"), _)
    y_axis = axis(_("max − min of L(θ − ηg)"), **log_axis(traces))
    title = _("(a) Loss variation") + f"<br>{color_key(result, _)}"
    return traces, step_axis(result, _), y_axis, title


def _predictiveness_parts(result: ICSResult, _: Gettext) -> Parts:
    traces = []
    for v in result.variants:
        color = VARIANT_COLORS[v]
        low, high = (
            running_median(result.grad_change_min[v]),
            running_median(result.grad_change_max[v]),
        )
        common = {
            "type": "scatter",
            "mode": "lines",
            "x": result.measure_steps,
            "showlegend": False,
        }
        label = variant_label(v, _)
        largest, least = _("step %{x:,}<br>largest %{y:.3g}"), _("step %{x:,}<br>least %{y:.3g}")
        traces += [
            {**common, "y": high, "line": {"color": color, "width": 2.5}, "name": label,
             "hovertemplate": f"{largest}<extra>{label}</extra>"},
            {**common, "y": low, "line": {"color": color, "width": 1}, "fill": "tonexty",
             "fillcolor": alpha(color, 0.18), "name": label,
             "hovertemplate": f"{least}<extra>{label}</extra>"},
        ]  # fmt: skip
    y_axis = axis("‖∇L(θ) − ∇L(θ − ηg)‖", **log_axis(traces))
    key = small(_("least to largest over η, running medians"))
    return traces, step_axis(result, _), y_axis, _("(b) Gradient predictiveness") + f"<br>{key}"


def _beta_parts(result: ICSResult, _: Gettext) -> Parts:
    traces = []
    for v in result.variants:
        traces += measured_traces(result, v, result.beta[v], "β", _)
    y_axis = axis("max ‖Δ∇L‖ / ‖ηg‖", **log_axis(traces))
    etas = {"lo": _eta(result.etas[0]), "hi": _eta(result.etas[-1])}
    key = small(_("η from {lo} to {hi}").format(**etas))
    return traces, step_axis(result, _), y_axis, _("(c) Effective β-smoothness") + f"<br>{key}"


def smoothness_figure(
    result: ICSResult, height: int = PANEL_HEIGHT + 40, _: Gettext = ENGLISH
) -> Figure:
    """Experiment 3 in one row: (a) loss variation, (b) gradient predictiveness, (c) effective β."""
    panels = [
        _loss_variation_parts(result, _),
        _predictiveness_parts(result, _),
        _beta_parts(result, _),
    ]
    return grid([panels], height, uirevision="ics-smoothness", col_gap=0.09)


def figures(result: ICSResult, _: Gettext = ENGLISH) -> dict[str, Figure]:
    """``{"shift": ..., "gradient_change": ..., "smoothness": ...}``, the page's three figures."""
    return {
        "shift": shift_figure(result, _=_),
        "gradient_change": gradient_change_figure(result, _=_),
        "smoothness": smoothness_figure(result, _=_),
    }


def _eta(eta: float) -> str:
    return f"{eta:.3g}"
