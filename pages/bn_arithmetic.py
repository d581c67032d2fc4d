"""BN arithmetic: type a batch, step through batch norm with its real numbers, check it with torch.

Thin page: widgets under ``ui.arithmetic_view.Key``, the state and editors of ``ui.arithmetic_view``,
the panels of ``ui.arithmetic_panels``; all arithmetic is in ``bnviz.arith``.
"""

import functools

import streamlit as st

from bnviz.arith import tensor_input as ti
from bnviz.arith.validate import EPS_MAX
from ui import arithmetic_panels as panels
from ui import arithmetic_view as view
from ui import i18n
from ui.arithmetic_view import Key
from ui.i18n import _
from ui.text import plain

view.init_state()
ss = st.session_state
batch, features = view.table_shape()

st.title(_("Batch norm, one step at a time"))
st.caption(
    _(
        "Type a small batch, follow batch normalization step by step with its real numbers, and "
        "check every result against torch."
    )
)

batch_col, settings_col = st.columns([3, 2], gap="large")
with batch_col:
    st.subheader(_("Your batch"))
    st.caption(
        _("Rows are the examples of one mini-batch, columns are features; click a cell to edit.")
    )
    with st.container(horizontal=True):
        st.button(
            _("Reset to example"),
            key=Key.RESET,
            icon=":material/restart_alt:",
            on_click=view.on_reset_example,
        )
        st.button(
            _("Random tensor"), key=Key.RANDOM, icon=":material/casino:", on_click=view.on_random
        )
    with st.container(horizontal=True):
        # (label, key, table edit, disabled): the four buttons that resize the batch.
        resizes = [
            (_("+ row"), Key.ADD_ROW, ti.with_row_added, batch >= ti.MAX_BATCH),
            (_("− row"), Key.REMOVE_ROW, ti.with_row_removed, batch <= 1),
            (_("+ feature"), Key.ADD_FEATURE, ti.with_feature_added, features >= ti.MAX_FEATURES),
            (_("− feature"), Key.REMOVE_FEATURE, ti.with_feature_removed, features <= 1),
        ]
        for label, key, edit, disabled in resizes:
            st.button(label, key=key, on_click=view.on_resize, args=(edit,), disabled=disabled)
        st.caption(
            _("{batch} × {features} (batch 1–{max_batch}, features 1–{max_features})").format(
                batch=batch,
                features=features,
                max_batch=ti.MAX_BATCH,
                max_features=ti.MAX_FEATURES,
            )
        )
    x_cells = view.tensor_editor()

with settings_col:
    st.subheader(_("Layer settings"))
    st.segmented_control(
        _("Mode"),
        view.MODES,
        key=Key.MODE,
        required=True,
        format_func=view.option_labels(),
        help=_("train: batch statistics; eval: running statistics"),
    )
    eps_col, momentum_col = st.columns(2)
    eps = eps_col.number_input(
        "ε (eps)", key=Key.EPS, min_value=0.0, max_value=EPS_MAX, format="%.1e", step=1e-5
    )
    momentum = momentum_col.number_input(
        _("momentum α"), key=Key.MOMENTUM, min_value=0.0, max_value=1.0, step=0.05
    )
    gamma_cells, beta_cells = view.affine_editor()

training = ss[Key.MODE] == view.TRAIN
sheet, error = view.compute(x_cells, gamma_cells, beta_cells, eps, momentum, training)
for message in ss.pop(view.REFUSED, []):
    st.warning(plain(message))
if error:
    last = (
        _("The steps below still show the last valid tensor (train mode, {batch} × {features}).")
        if sheet.inputs.training
        else _(
            "The steps below still show the last valid tensor (eval mode, {batch} × {features})."
        )
    )
    shape = sheet.shown.x.shape
    st.error(f"{plain(error)}  \n{last.format(batch=shape[0], features=shape[1])}", icon="⚠️")

features = sheet.shown.x.shape[1]
ss[Key.FEATURE] = min(ss[Key.FEATURE], features - 1)
with settings_col:
    panels.running_panel(ss[Key.FEATURE])

st.selectbox(
    _("Follow feature (the highlighted column below)"),
    range(features),
    key=Key.FEATURE,
    format_func=functools.partial(ti.feature_label, _=i18n.translator_now()),
    width=320,
)
# Lazy tabs: only the open tab runs, so each rerun computes one view.
step_tab, axis_tab, backward_tab = st.tabs(
    [_(tab) for tab in view.TABS], key=Key.TAB, on_change="rerun"
)
if step_tab.open:
    with step_tab:
        number = panels.step_navigation()
        panels.render_step(sheet, number, ss[Key.FEATURE])
        st.divider()
        panels.render_checks(sheet)
if axis_tab.open:
    with axis_tab:
        panels.render_axes(sheet, ss[Key.FEATURE])
if backward_tab.open:
    with backward_tab:
        panels.render_backward(sheet, ss[Key.FEATURE])
