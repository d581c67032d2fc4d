"""BN arithmetic: type a batch, step through batch norm with its real numbers, check it with torch.

Thin page: widgets with stable keys, then calls into ui.arithmetic_view / ui.arithmetic_panels;
all arithmetic is in bnviz (arithmetic, layernorm, arithmetic_backward, stepper).
"""

import streamlit as st

from bnviz.arith import tensor_input as ti
from ui import arithmetic_panels as panels
from ui import arithmetic_view as view

view.init_state()
ss = st.session_state
batch, features = len(ss.bn_x_table), len(ss.bn_x_table[0])

st.title("Batch norm, one step at a time")
st.caption(
    "Type a small batch, follow batch normalization step by step with its real numbers, "
    "and check every result against torch."
)

batch_col, settings_col = st.columns([3, 2], gap="large")
with batch_col:
    st.subheader("Your batch")
    st.caption(
        "Rows are the examples of one mini-batch, columns are features; click a cell to edit."
    )
    with st.container(horizontal=True):
        st.button("Reset to example", key="bn_reset", icon=":material/restart_alt:",
                  on_click=view.on_reset_example)  # fmt: skip
        st.button("Random tensor", key="bn_random", icon=":material/casino:",
                  on_click=view.on_random)  # fmt: skip
    with st.container(horizontal=True):
        st.button("+ row", key="bn_add_row", on_click=view.on_resize,
                  args=(ti.with_row_added,), disabled=batch >= ti.MAX_BATCH)  # fmt: skip
        st.button("− row", key="bn_remove_row", on_click=view.on_resize,
                  args=(ti.with_row_removed,), disabled=batch <= 1)  # fmt: skip
        st.button("+ feature", key="bn_add_feature", on_click=view.on_resize,
                  args=(ti.with_feature_added,), disabled=features >= ti.MAX_FEATURES)  # fmt: skip
        st.button("− feature", key="bn_remove_feature", on_click=view.on_resize,
                  args=(ti.with_feature_removed,), disabled=features <= 1)  # fmt: skip
        st.caption(f"{batch} × {features} (batch 1–{ti.MAX_BATCH}, features 1–{ti.MAX_FEATURES})")
    x_cells = view.tensor_editor()

with settings_col:
    st.subheader("Layer settings")
    st.segmented_control("Mode", ["train", "eval"], key="bn_mode", required=True,
                         help="train: batch statistics; eval: running statistics")  # fmt: skip
    eps_col, momentum_col = st.columns(2)
    eps = eps_col.number_input("ε (eps)", key="bn_eps", format="%.1e", step=1e-5)
    momentum = momentum_col.number_input("momentum α", key="bn_momentum", min_value=0.0,
                                         max_value=1.0, step=0.05)  # fmt: skip
    gamma_cells, beta_cells = view.affine_editor()

sheet, error = view.compute(x_cells, gamma_cells, beta_cells, eps, momentum, ss.bn_mode == "train")
if error:
    mode = "train" if sheet.inputs.training else "eval"
    shown = f"{mode} mode, {sheet.shown.x.shape[0]} × {sheet.shown.x.shape[1]}"
    st.error(f"{error}  \nThe steps below still show the last valid tensor ({shown}).", icon="⚠️")

features = sheet.shown.x.shape[1]
ss.bn_feature = min(ss.bn_feature, features - 1)
with settings_col:
    view.running_panel(ss.bn_feature)

st.selectbox("Follow feature (the highlighted column below)", range(features), key="bn_feature",
             format_func=lambda j: f"feature {j + 1}", width=320)  # fmt: skip
# Lazy tabs: only the open tab runs, so each rerun computes one view.
step_tab, axis_tab, backward_tab = st.tabs(["Step by step", "Which axis?", "Backward"],
                                           key="bn_tab", on_change="rerun")  # fmt: skip
if step_tab.open:
    with step_tab:
        number = view.step_navigation()
        view.render_step(sheet, number, ss.bn_feature)
        st.divider()
        view.render_checks(sheet)
if axis_tab.open:
    with axis_tab:
        panels.render_axes(sheet, ss.bn_feature)
if backward_tab.open:
    with backward_tab:
        panels.render_backward(sheet, ss.bn_feature)
