"""Figure builders for the batch sweep: a :class:`bnviz.sweep.batch_result.BatchResult` in, plotly
dicts out, every x axis the batch size ``m`` on a log scale.

- :func:`accuracy`: test accuracy per variant against ``m``: inference mode (solid) and, for BN,
  training mode (dashed: each test batch normalized with its own statistics); markers are the
  mean of the seeds, bars their lowest to highest. LayerNorm's and GroupNorm's two modes are one
  computation, so they get one line;
- :func:`gap`: training-mode minus inference-mode accuracy per variant (0 for LN, GN and plain);
- :func:`noise`: BN's noise of its batch mean and batch variance (two panels, log-log), per hidden
  layer, with the theory for ``m`` independent Gaussian draws.

Pure functions of the result (a live sweep's partial one too); the look is :mod:`bnviz.style`'s.
"""

from __future__ import annotations

import numpy as np

from bnviz import style
from bnviz.i18n import ENGLISH, N_, Gettext
from bnviz.style import Figure
from bnviz.sweep import batch_findings
from bnviz.sweep.batch_measure import mean_noise_theory, var_noise_theory
from bnviz.sweep.batch_result import BatchResult
from bnviz.train.variants import VARIANTS

LAYER_OPACITY = (1.0, 0.55, 0.3)  # layer 1 (independent inputs: the theory applies) stands out
M_TITLE = N_("batch size m (log scale)")


def _label(variant: str, _: Gettext) -> str:
    entry = VARIANTS.get(variant)
    return _(entry.label) if entry is not None else variant


def _color(variant: str) -> str:
    entry = VARIANTS.get(variant)
    return entry.color if entry is not None else "#555555"


def _m_axis(result: BatchResult, _: Gettext, **kw) -> dict:
    m = sorted(int(x) for x in result.values)
    return style.axis(_(M_TITLE), type="log", tickvals=m, ticktext=[str(k) for k in m], **kw)


def _bars(spreads: list[batch_findings.Spread], scale: float = 100.0) -> dict:
    mean = np.array([s.mean for s in spreads]) * scale
    return {
        "type": "data",
        "symmetric": False,
        "array": np.nan_to_num(np.array([s.high for s in spreads]) * scale - mean).tolist(),
        "arrayminus": np.nan_to_num(mean - np.array([s.low for s in spreads]) * scale).tolist(),
        "thickness": 1.5,
        "width": 4,
    }


def _line(x, y, name, color, dash="solid", **kw) -> dict:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "x": list(x),
        "y": [None if not np.isfinite(v) else float(v) for v in y],
        "name": name,
        "line": {"color": color, "dash": dash, "width": style.LOOK.line_width},
        "marker": {"color": color, "size": 8},
        **kw,
    }


def accuracy(result: BatchResult, _: Gettext = ENGLISH) -> Figure:
    traces = []
    for variant in result.variants:
        cells = batch_findings.row(result, variant)
        m = [c.m for c in cells]
        color, name = _color(variant), _label(variant, _)
        both = VARIANTS[variant].running_stats if variant in VARIANTS else True
        traces.append(
            _line(
                m,
                [100 * c.infer.mean for c in cells],
                _("{variant}, inference mode").format(variant=name) if both else name,
                color,
                error_y=_bars([c.infer for c in cells]),
                hovertemplate="m=%{x}: %{y:.2f}%<extra></extra>",
            )
        )
        if both:
            traces.append(
                _line(
                    m,
                    [100 * c.train.mean for c in cells],
                    _("{variant}, training mode").format(variant=name),
                    color,
                    dash="dash",
                    error_y=_bars([c.train for c in cells]),
                    hovertemplate="m=%{x}: %{y:.2f}%<extra></extra>",
                )
            )
    values = np.concatenate([result.train_accuracy.ravel(), result.infer_accuracy.ravel()]) * 100
    values = values[np.isfinite(values)]
    low = max(0.0, float(values.min()) - 3) if values.size else 0.0
    return {
        "data": traces,
        "layout": style.base_layout(
            460,
            margin={"l": 70, "r": 20, "t": 50, "b": 120},
            xaxis=_m_axis(result, _),
            yaxis=style.axis(_("test accuracy (%)"), range=[low, 100]),
            legend={"orientation": "h", "y": -0.22, "x": 0},
            annotations=[style.panel_title(_("Test accuracy after the same examples"), [0, 1])],
        ),
    }


def gap(result: BatchResult, _: Gettext = ENGLISH) -> Figure:
    traces = []
    for variant in result.variants:
        cells = batch_findings.row(result, variant)
        traces.append(
            _line(
                [c.m for c in cells],
                [100 * c.gap.mean for c in cells],
                _label(variant, _),
                _color(variant),
                error_y=_bars([c.gap for c in cells]),
                hovertemplate="m=%{x}: %{y:+.2f} points<extra></extra>",
            )
        )
    return {
        "data": traces,
        "layout": style.base_layout(
            460,
            margin={"l": 70, "r": 20, "t": 50, "b": 120},
            xaxis=_m_axis(result, _),
            yaxis=style.axis(_("training − inference mode (points)"), zeroline=True),
            legend={"orientation": "h", "y": -0.22, "x": 0},
            annotations=[style.panel_title(_("Train/test mismatch"), [0, 1])],
        ),
    }


def noise(result: BatchResult, _: Gettext = ENGLISH, variant: str = "bn") -> Figure:
    """Two panels: the spread of BN's batch mean and of its batch variance (see the module
    docstring), measured per layer, and the theory; empty panels without a BN variant."""
    d = style.domains(2, gap=0.12)
    m_all = np.array(sorted(int(x) for x in result.values), np.float64)
    m_fine = np.geomspace(m_all.min(), m_all.max(), 60)
    theory = (
        (mean_noise_theory, _("1/√m (independent draws)")),
        (var_noise_theory, _("√(2(m−1))/m (independent Gaussian draws)")),
    )
    cells = batch_findings.row(result, variant) if variant in result.variants else []
    traces, ticks = [], []
    for k, (name, (law, law_name)) in enumerate(
        zip(("mean_noise", "var_noise"), theory, strict=True)
    ):
        xa, ya = style.axis_ids(k)
        layers = len(cells[0].mean_noise) if cells else 0
        panel = [
            _line(
                [c.m for c in cells],
                [getattr(c, name)[layer] for c in cells],
                _("BN, layer {layer}").format(layer=layer + 1),
                style.alpha(_color(variant), LAYER_OPACITY[min(layer, 2)]),
                xaxis=xa,
                yaxis=ya,
                showlegend=k == 0,
                hovertemplate="m=%{x}: %{y:.3g}<extra></extra>",
            )
            for layer in range(layers)
        ]
        panel.append(  # last: the dotted theory stays visible on top of layer 1's line
            {
                "type": "scatter", "mode": "lines", "x": m_fine.tolist(), "y": law(m_fine).tolist(),
                "name": law_name, "xaxis": xa, "yaxis": ya,
                "line": {"color": "#222222", "dash": "dot", "width": 2.5},
                "hoverinfo": "skip",
            }
        )  # fmt: skip
        traces += panel
        ticks.append(_log_axis_ticks(panel))
    layout = style.base_layout(
        400,
        margin={"l": 70, "r": 20, "t": 50, "b": 110},
        legend={"orientation": "h", "y": -0.3, "x": 0},
        annotations=[
            style.panel_title(_("Batch mean: std of (μ_B − running mean) / √running var"), d[0]),
            style.panel_title(_("Batch variance: std of σ²_B / running var"), d[1]),
        ],
    )
    for k in range(2):
        xk, yk = style.layout_keys(k)
        layout[xk] = _m_axis(result, _, domain=d[k], anchor=style.axis_ids(k)[1])
        layout[yk] = style.axis(
            _("spread over test batches"), type="log", anchor=style.axis_ids(k)[0], **ticks[k]
        )
    return {"data": traces, "layout": layout}


def _log_axis_ticks(traces: list[dict]) -> dict:
    """Log-axis ticks for the traces' positive values: 1, 2, 5 per decade, or one labelled tick per
    power of ten over more than three decades (deeper layers at m = 2 reach ~1e-6)."""
    ys = [y for t in traces for y in t["y"] if y is not None and y > 0]
    if not ys:
        return {}
    lo, hi = min(ys), max(ys)
    return style.log_ticks(lo, hi) if hi / lo < 1e3 else {"dtick": 1, "exponentformat": "power"}


def figures(result: BatchResult, _: Gettext = ENGLISH) -> dict[str, Figure]:
    """The page's three figures, by key."""
    return {"accuracy": accuracy(result, _), "gap": gap(result, _), "noise": noise(result, _)}
