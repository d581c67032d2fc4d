"""The "Which axis?" page's panels: what a kind averages over, the grid, one element, the statistics.

State, widget keys and editors are ``ui.axes_view``'s; every number, label and format comes from
``bnviz.arith``. Every sentence is whole, with format placeholders, marked with ``N_`` and
translated where it is shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from bnviz.arith.axes import KINDS, xhat_moments
from bnviz.arith.axes_diagram import VALUES, nchw_figure
from bnviz.arith.element_steps import element_steps
from bnviz.arith.number_format import table_number
from bnviz.i18n import N_
from ui import axes_view as view
from ui import i18n
from ui.axes_view import Key, Shown
from ui.i18n import _

HIGHLIGHT = "background-color: #f5c04a; font-weight: 600"  # the diagram's amber

# What each kind averages over and why it matters: claims, each true of torch's module.
KIND_TEXT = {
    "batch": N_(
        "**Batch norm** (`torch.nn.BatchNorm2d`, train mode) takes one mean and variance per "
        "channel, over every example of the batch and every position: N × H × W values. So an "
        "example's output depends on the other examples in its batch, and with a small batch "
        "these statistics are noisy estimates: the small-batch problem that group norm was "
        "designed to avoid. At inference, running averages replace them."
    ),
    "layer": N_(
        "**Layer norm** (`torch.nn.LayerNorm([C, H, W])`) takes one mean and variance per "
        "example, over all its channels and positions: C × H × W values. It needs no batch, so "
        "it computes the same in training and at inference, for a batch of any size, even 1. Its "
        "γ and β are per element of (C, H, W); here each channel's γ and β are repeated over its "
        "positions."
    ),
    "instance": N_(
        "**Instance norm** (`torch.nn.InstanceNorm2d`) takes one mean and variance per example "
        "and channel, over that channel's positions: H × W values. It needs no batch; it removes "
        "each image's own per-channel mean and contrast, which is why style transfer uses it."
    ),
    "group": N_(
        "**Group norm** (`torch.nn.GroupNorm(G, C)`) splits the channels into G groups of "
        "neighbours and takes one mean and variance per example and group: C/G × H × W values. "
        "It needs no batch. G = 1 normalizes like layer norm (with per-channel γ and β), G = C "
        "like instance norm."
    ),
}
FEATURES_NOTE = N_(
    "H = W = 1: this is a (batch, features) table, as an MLP layer sees it, treated as "
    "(N, C, 1, 1). Batch norm is then `BatchNorm1d` over the batch and layer norm "
    "`LayerNorm(features)` over the features; group norm groups features, and instance norm "
    "needs positions."
)
LEGEND = N_(
    "Amber: the {count} values that share the followed element's mean and variance ({label}); "
    "dark orange: the element itself. Each grey set is one other mean and variance."
)
CHECK_OK = N_("Every y matches `{module}` to {diff:.1e} (max |ours − torch|, float64).")
CHECK_OK_BN = N_(
    "Every y, and running_mean and running_var after this step, match `{module}` in train mode "
    "to {diff:.1e} (max |ours − torch|, float64)."
)
CHECK_BAD = N_("y differs from `{module}`: max |ours − torch| = {diff:.1e}.")
SHAPE_CAPTION = N_(
    "{n} × {c} × {h} × {w} = {size} values (each side 1–{side}, at most {budget} in all). A row "
    "per example and channel, a column per position (h, w); click a cell to edit."
)
STILL_SHOWN = N_("The page still shows the last valid input: {kind} of a {shape} tensor.")
RUNNING_NOTE = N_(
    "Batch norm's running statistics start from torch's 0 and 1 and take one step with "
    "momentum {momentum}; they use the unbiased variance m/(m − 1)·σ² with m = {count}."
)
# The element chooser's selectboxes, in the order of (N, C, H, W).
AT_LABELS = (N_("example"), N_("channel"), N_("row h"), N_("column w"))


def render_refused(error: str, shown: Shown) -> None:
    """``error`` (already escaped) and which input the page shows instead."""
    s = shown.steps
    shape = " × ".join(str(side) for side in s.x.shape)
    still = _(STILL_SHOWN).format(kind=_(KINDS[s.kind].noun), shape=shape)
    st.error(f"{error}  \n{still}", icon="⚠️")


def render_kind(kind: str, features_only: bool) -> None:
    st.markdown(_(KIND_TEXT[kind]))
    if features_only:
        st.info(_(FEATURES_NOTE), icon=":material/table_rows:")


def element_chooser(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Four selectboxes: the element whose mean, variance and output the page follows."""
    with st.container(horizontal=True):
        for key, label, side in zip(view.AT_KEYS, AT_LABELS, shape, strict=True):
            st.selectbox(
                _(label), range(side), key=key, format_func=lambda i: str(i + 1), width=110
            )
    return tuple(st.session_state[k] for k in view.AT_KEYS)


def render_grid(shown: Shown, index) -> None:
    s = shown.steps
    tr = i18n.translator_now()
    st.segmented_control(
        _("Cells show"),
        list(VALUES),
        key=Key.VALUES,
        required=True,
        format_func=VALUES.get,
    )
    figure = nchw_figure(s, index, values=st.session_state[Key.VALUES], _=tr)
    st.plotly_chart(figure, key=Key.FIGURE, config={"displayModeBar": False})
    label = s.stat_labels[s.stat_of(index)].render(tr)
    st.caption(_(LEGEND).format(count=s.count, label=label))


def render_element(shown: Shown, index) -> None:
    e = element_steps(shown.steps, index, _=i18n.translator_now())
    st.markdown(e.sentence)
    for _step, line in e.lines:
        st.latex(line)


def render_stats(shown: Shown, index) -> None:
    """One row per mean and variance; the followed element's row highlighted."""
    s = shown.steps
    tr = i18n.translator_now()
    xhat_mean, xhat_var, _exact = xhat_moments(s)
    columns = {"μ": s.mean, "σ²": s.var, "√(σ² + ε)": s.std, _("mean of x̂"): xhat_mean}
    columns[_("variance of x̂")] = xhat_var
    if s.kind == "batch":
        columns |= {
            "m/(m − 1)·σ²": s.var_unbiased,
            "running_mean": s.running_mean,
            "running_var": s.running_var,
        }
    labels = [label.render(tr) for label in s.stat_labels]
    frame = pd.DataFrame({k: np.asarray(v) for k, v in columns.items()}, index=labels)
    frame.insert(0, _("values"), s.count)
    chosen = labels[s.stat_of(index)]
    styler = frame.style.format(table_number, subset=list(columns)).map(
        lambda _cell: HIGHLIGHT, subset=pd.IndexSlice[chosen, :]
    )
    st.dataframe(styler, width="content")
    if s.kind == "batch":
        st.caption(tr(RUNNING_NOTE).format(momentum=s.momentum, count=s.count))


def render_check(shown: Shown) -> None:
    c = shown.check
    if not c.matches:
        st.error(_(CHECK_BAD).format(module=c.module, diff=c.max_diff))
    elif shown.steps.kind == "batch":
        st.success(_(CHECK_OK_BN).format(module=c.module, diff=c.max_diff))
    else:
        st.success(_(CHECK_OK).format(module=c.module, diff=c.max_diff))


def render(shown: Shown) -> None:
    """Everything below the inputs, for the last tensor that computed."""
    s = shown.steps
    render_kind(s.kind, features_only=s.x.shape[2] * s.x.shape[3] == 1)
    render_check(shown)
    st.subheader(_("Which values share a mean and variance?"))
    view.followed(s)  # clamped first: the selectboxes only offer indices inside the tensor
    index = element_chooser(s.x.shape)
    render_grid(shown, index)
    st.subheader(_("The followed element, step by step"))
    render_element(shown, index)
    st.subheader(_("Every mean and variance"))
    render_stats(shown, index)


assert set(KIND_TEXT) == set(KINDS), "every kind needs its sentence"
