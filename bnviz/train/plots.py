"""Figure builders for the live lab: ``Snapshot`` in, plotly figure dicts out.

Every builder is a pure function of a :class:`bnviz.train.snapshot.Snapshot` and returns a figure *dict*
(``{"data": [...], "layout": {...}}``, plotly's JSON schema): dicts are cheap to build twice a second
and travel to the browser as they are. Nothing here knows about Streamlit or the chart bridge.

Conventions, so a lecturer can point at any chart and say the same thing:
- x is always the training step; each variant keeps its registry colour (Okabe-Ito, colour-blind
  safe: plain orange, bn blue, ...) and label in every chart;
- learning-rate changes are dotted vertical lines labelled ``lr a → b``;
- a variant whose loss became non-finite is marked "diverged" where it stopped.

The two charts of presenter mode (curves and percentiles) take a ``look``: ``style.PRESENTER`` for
a projector, the default ``style.LOOK`` otherwise. Words: in the language of ``_`` (default English).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bnviz import style
from bnviz.i18n import ENGLISH, Gettext
from bnviz.style import LOOK, VARIANT_COLORS, VARIANT_LABELS, Figure, Look
from bnviz.train.snapshot import LayerSnapshot, Snapshot, TwinSnapshot

LAYER_DASH = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash")


def _layout(height: int, look: Look = LOOK, **kw) -> dict:
    """The live lab's layout: room for axis titles, the legend under the plot; ``kw`` overrides."""
    defaults = {
        "margin": look.margin(60, 20, 40, 50),
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "font": look.font,
    }
    return style.base_layout(height, **{**defaults, **kw})


def _lr_marks(snap: Snapshot, xrefs: Sequence[str], look: Look, _: Gettext) -> tuple[list, list]:
    """Dotted vertical lines (and one label each, on the first panel) at every LR change."""
    shapes, notes = [], []
    for event in snap.events:
        for k, xref in enumerate(xrefs):
            shapes.append(
                {
                    "type": "line", "xref": xref, "yref": f"{xref.replace('x', 'y')} domain",
                    "x0": event.step, "x1": event.step, "y0": 0, "y1": 1,
                    "line": {"color": "#555", "width": 0.6 * look.line_width, "dash": "dot"},  # thinner than data
                }
            )  # fmt: skip
            if k == 0:
                notes.append(
                    {
                        "x": event.step, "xref": xref, "y": 1, "yref": f"{xref.replace('x', 'y')} domain",
                        "text": _("lr {previous:g} → {lr:g}").format(previous=event.previous, lr=event.lr), "showarrow": False,
                        "xanchor": "left", "yanchor": "top", "font": {"size": look.note_size, "color": "#333"},
                        "bgcolor": "rgba(255,255,255,0.8)",
                    }
                )  # fmt: skip
    return shapes, notes


def _diverged_notes(twin: TwinSnapshot, xref: str, look: Look, _: Gettext) -> list[dict]:
    if twin.diverged_at is None:
        return []
    yref = f"{xref.replace('x', 'y')} domain"
    return [
        {
            "x": twin.diverged_at, "xref": xref, "y": 0.5, "yref": yref, "text": _("✖ diverged"),
            "showarrow": False, "font": {"color": VARIANT_COLORS[twin.name], "size": look.note_size + 2},
            "xanchor": "right",
        }
    ]  # fmt: skip


# -- figures ----------------------------------------------------------------------------------------------
def curves_figure(
    snap: Snapshot, height: int = 360, look: Look = LOOK, _: Gettext = ENGLISH
) -> Figure:
    """Training loss (log scale) and test accuracy of every variant, LR changes marked."""
    doms = style.domains(2, gap=0.08 * look.font_size / LOOK.font_size)  # room for y tick labels
    data = []
    for name, twin in snap.twins.items():
        line = {"color": VARIANT_COLORS[name], "width": look.line_width}
        data.append(
            {"type": "scatter", "mode": "lines", "x": twin.loss_steps, "y": twin.loss,
             "name": _(VARIANT_LABELS[name]), "legendgroup": name, "line": line, "xaxis": "x", "yaxis": "y"}
        )  # fmt: skip
        data.append(
            {"type": "scatter", "mode": "lines+markers", "x": twin.acc_steps, "y": twin.acc,
             "name": _(VARIANT_LABELS[name]), "legendgroup": name, "showlegend": False, "line": line,
             "marker": {"size": 2 * look.line_width}, "xaxis": "x2", "yaxis": "y2"}
        )  # fmt: skip
    shapes, notes = _lr_marks(snap, ["x", "x2"], look, _)
    notes += [note for t in snap.twins.values() for note in _diverged_notes(t, "x", look, _)]
    accuracy = (
        _("Test accuracy ({count:,} held-out digits)")
        if snap.config.dataset.startswith("mnist")
        else _("Test accuracy ({count:,} held-out points)")
    )
    notes.append(look.panel_title(_("Training loss"), doms[0]))
    notes.append(look.panel_title(accuracy.format(count=snap.eval_size), doms[1]))
    losses = np.concatenate([t.loss for t in snap.twins.values()])
    losses = losses[np.isfinite(losses) & (losses > 0)]
    ticks = style.log_ticks(float(losses.min()), float(losses.max())) if losses.size else {}
    layout = _layout(
        height,
        look,
        # Below the x-axis titles, further down as the font grows.
        legend={"orientation": "h", "y": -0.3 * look.font_size / LOOK.font_size, "x": 0},
        margin=look.margin(60, 20, 40, 80),
        xaxis=style.axis(_("training step"), domain=doms[0]),
        yaxis=style.axis(_("cross-entropy"), type="log", **ticks),
        xaxis2=style.axis(_("training step"), domain=doms[1]),
        yaxis2=style.axis(_("accuracy"), anchor="x2", range=[0, 1.02], tickformat=".0%"),
        shapes=shapes,
        annotations=notes,
    )
    return {"data": data, "layout": layout}


def percentile_figure(
    snap: Snapshot,
    twins: Sequence[str],
    layer: int = -1,
    unit: bool = True,
    height: int = 330,
    inference: bool = False,
    look: Look = LOOK,
    _: Gettext = ENGLISH,
) -> Figure:
    """The paper's Fig. 1(b, c): 15th/50th/85th percentiles of a sigmoid's input over training, as
    the layer sees it during training (BN with each batch's own statistics).

    One panel per variant in ``twins``, sharing the y range so the drift compares honestly.
    ``unit`` follows the layer's typical unit; otherwise all units of the layer pooled.
    ``inference`` adds, for variants with running averages (BN), the same percentiles in inference
    mode as dashed lines: what the layer sees at test time. With more than two panels the titles
    name only the variant, and the first y axis says which layer and unit.
    """
    doms = style.domains(len(twins))
    data, notes, lo, hi = [], [], np.inf, -np.inf
    for k, name in enumerate(twins):
        ls = snap.twins[name].layers[layer]
        pct = ls.pct_z_unit if unit else ls.pct_z
        xa, ya = style.axis_ids(k)
        color = VARIANT_COLORS[name]
        common = {"type": "scatter", "mode": "lines", "x": ls.steps, "xaxis": xa, "yaxis": ya,
                  "legendgroup": name, "showlegend": False}  # fmt: skip
        data += [
            {**common, "y": pct[:, 2], "line": {"width": 0}, "hoverinfo": "skip"},
            {**common, "y": pct[:, 0], "fill": "tonexty", "fillcolor": style.alpha(color, 0.25),
             "line": {"width": 0}, "name": _("15th–85th")},
            {**common, "y": pct[:, 1], "line": {"color": color, "width": look.line_width},
             "name": _("median")},
        ]  # fmt: skip
        at_test = ls.pct_z_unit_eval if unit else ls.pct_z_eval
        if inference and at_test is not None:
            data += [
                {**common, "y": at_test[:, q], "line": {"color": "#333", "dash": dash,
                                                        "width": w * look.line_width / LOOK.line_width},
                 "name": name_}
                for q, w, dash, name_ in [(0, 1, "dot", _("15th at test time (running averages)")),
                                          (1, 2, "dash", _("median at test time (running averages)")),
                                          (2, 1, "dot", _("85th at test time (running averages)"))]
            ]  # fmt: skip
            pct = np.concatenate([pct, at_test])
        if len(pct):
            finite = pct[np.isfinite(pct)]
            if finite.size:
                lo, hi = min(lo, finite.min()), max(hi, finite.max())
        where = _("layer {layer}, unit {unit}") if unit else _("layer {layer}, all units")
        where = where.format(layer=ls.index + 1, unit=ls.typical_unit)
        label = _(VARIANT_LABELS[name])
        title = label if len(twins) > 2 else f"{label} — {where}"
        notes.append(look.panel_title(title, doms[k]))
    pad = 0.1 * (hi - lo) if np.isfinite(hi - lo) and hi > lo else 1.0
    y_range = [lo - pad, hi + pad] if np.isfinite(lo) else None
    layout = _layout(height, look, annotations=notes, showlegend=False)
    for k in range(len(twins)):
        xk, yk = style.layout_keys(k)
        xa, ya = style.axis_ids(k)
        layout[xk] = style.axis(_("training step"), domain=doms[k], anchor=ya)
        y_title = _("input to the nonlinearity") if len(twins) <= 2 else where
        layout[yk] = style.axis(y_title if k == 0 else "", anchor=xa, range=y_range)
    return {"data": data, "layout": layout}


def histogram_heatmap_figure(
    snap: Snapshot, twin: str, quantity: str = "z", height: int | None = None, _: Gettext = ENGLISH
) -> Figure:
    """Per hidden layer, the distribution of the nonlinearity input over time (TensorBoard-style).

    x is the step, y the value, colour the share of (example, unit) pairs in each bin. ``quantity``
    "wu" shows the norm's input ``Wu`` instead, for variants that normalize before the nonlinearity.
    """
    layers = snap.twins[twin].layers
    n = len(layers)
    doms = style.domains(n, gap=0.05)
    centers = (snap.hist_edges[:-1] + snap.hist_edges[1:]) / 2
    data, notes, layout = [], [], _layout(height or 300, showlegend=False)
    for k, ls in enumerate(layers):
        hist = ls.hist_wu if quantity == "wu" and ls.hist_wu is not None else ls.hist_z
        total = hist.sum(axis=1, keepdims=True)
        share = (hist / np.maximum(total, 1)).astype(np.float32)  # half the bytes, ample for colour
        xa, ya = style.axis_ids(k)
        data.append(
            {"type": "heatmap", "x": ls.hist_steps, "y": centers, "z": share.T, "xaxis": xa,
             "yaxis": ya, "colorscale": "Viridis", "zmin": 0, "zmax": 0.25, "showscale": k == n - 1,
             "colorbar": {"title": {"text": _("share")}, "tickformat": ".0%", "len": 0.9},
             # plotly's %{...} fields, not Python's: the template is translated whole, never formatted
             "hovertemplate": _("step %{x}<br>value %{y:.2f}<br>share %{z:.1%}<extra></extra>")}
        )  # fmt: skip
        xk, yk = style.layout_keys(k)
        layout[xk] = style.axis(_("training step"), domain=doms[k], anchor=ya)
        layout[yk] = style.axis(
            _("value") if k == 0 else "", anchor=xa, range=[centers[0], centers[-1]]
        )
        notes.append(style.panel_title(_("layer {layer}").format(layer=ls.index + 1), doms[k]))
    layout["annotations"] = notes
    return {"data": data, "layout": layout}


def current_histogram_figure(
    snap: Snapshot, twins: Sequence[str], height: int = 280, _: Gettext = ENGLISH
) -> Figure:
    """The latest histogram of each layer's nonlinearity input, one outline per variant in
    ``twins`` (outlines, not bars: four overlaid bar charts would hide each other)."""
    layers = len(snap.twins[twins[0]].layers)
    doms = style.domains(layers, gap=0.05)
    centers = (snap.hist_edges[:-1] + snap.hist_edges[1:]) / 2
    width = float(snap.hist_edges[1] - snap.hist_edges[0])
    data, notes = [], []
    layout = _layout(height, legend={"orientation": "h", "y": -0.32, "x": 0})
    layout["margin"] = {"l": 60, "r": 20, "t": 40, "b": 70}
    for k in range(layers):
        xa, ya = style.axis_ids(k)
        for name in twins:
            ls: LayerSnapshot = snap.twins[name].layers[k]
            counts = ls.hist_z[-1] if len(ls.hist_z) else np.zeros(len(centers))
            share = counts / max(counts.sum(), 1)
            color, label = VARIANT_COLORS[name], _(VARIANT_LABELS[name])
            data.append(
                {"type": "scatter", "mode": "lines", "x": centers, "y": share, "xaxis": xa, "yaxis": ya,
                 "line": {"color": color, "width": 2, "shape": "hvh"}, "fill": "tozeroy",
                 "fillcolor": style.alpha(color, 0.12), "name": label,
                 "legendgroup": name, "showlegend": k == 0,
                 "hovertemplate": f"%{{x:.2f}} ± {width / 2:.2f}: %{{y:.1%}}<extra>{label}</extra>"}
            )  # fmt: skip
        xk, yk = style.layout_keys(k)
        layout[xk] = style.axis("", domain=doms[k], anchor=ya)  # the panel title says what x is
        layout[yk] = style.axis(_("share") if k == 0 else "", anchor=xa, tickformat=".0%")
        notes.append(style.panel_title(_("layer {layer}").format(layer=k + 1), doms[k]))
    layout["annotations"] = notes
    return {"data": data, "layout": layout}


def saturation_figure(
    snap: Snapshot, twins: Sequence[str], height: int = 300, _: Gettext = ENGLISH
) -> Figure:
    """Fraction of saturated units per layer over training (dash style = layer)."""
    shapes, notes = _lr_marks(snap, ["x"], LOOK, _)
    fig = _per_layer_lines(snap, twins, "saturated", height, _("saturated"), _)
    fig["layout"]["yaxis"].update(range=[0, 1.02], tickformat=".0%")
    fig["layout"].update(shapes=shapes, annotations=notes)
    return fig


def update_ratio_figure(
    snap: Snapshot, twins: Sequence[str], height: int = 300, _: Gettext = ENGLISH
) -> Figure:
    """Per layer, ||ΔW|| / ||W|| of each optimizer step (log scale): how fast each layer moves."""
    fig = _per_layer_lines(snap, twins, "update_ratio", height, _("update : weight"), _)
    fig["layout"]["yaxis"].update(type="log", exponentformat="power")
    return fig


def _per_layer_lines(
    snap: Snapshot, twins: Sequence[str], field: str, height: int, y_title: str, _: Gettext
) -> Figure:
    """One line per (variant, layer) of the ``LayerSnapshot`` series ``field``: colour = variant,
    dash = layer, legend on the right."""
    data = [
        {"type": "scatter", "mode": "lines", "x": ls.steps, "y": getattr(ls, field),
         "name": _("{label}, layer {layer}").format(label=_(VARIANT_LABELS[name]), layer=ls.index + 1),
         "legendgroup": name, "line": {"color": VARIANT_COLORS[name], "width": 2,
                  "dash": LAYER_DASH[ls.index % len(LAYER_DASH)]}}
        for name in twins
        for ls in snap.twins[name].layers
    ]  # fmt: skip
    layout = _layout(
        height,
        xaxis=style.axis(_("training step")),
        yaxis=style.axis(y_title),
        legend={"orientation": "v", "x": 1.01, "y": 1},
        margin={"l": 60, "r": 10, "t": 20, "b": 50},
    )
    return {"data": data, "layout": layout}
