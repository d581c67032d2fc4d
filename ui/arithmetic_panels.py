"""Streamlit glue for the BN arithmetic page: the "which axis?" panel and the backward panel."""

from __future__ import annotations

import numpy as np
import streamlit as st

from bnviz.arith import tensor_input as ti
from bnviz.arith.axis_diagram import axis_figure
from bnviz.arith.backward import batchnorm_backward
from bnviz.arith.oracle import MATCH_TOL, max_abs_diff, torch_batchnorm_grads
from bnviz.arith.worksheet import Worksheet
from ui.arithmetic_view import cells_of, tensor_table, text_columns, text_frame

GRAD_KINDS = ("ones", "random", "edited")

BACKWARD_TEX = (
    r"\frac{\partial L}{\partial \beta_j} = \sum_{i} g_{ij}, \qquad "
    r"\frac{\partial L}{\partial \gamma_j} = \sum_{i} g_{ij}\,\hat{x}_{ij}, \qquad "
    r"\frac{\partial L}{\partial x_{ij}} = \frac{\gamma_j}{m\sqrt{\sigma_j^2 + \epsilon}}"
    r"\Big(m\,g_{ij} - \sum_{k} g_{kj} - \hat{x}_{ij} \sum_{k} g_{kj}\,\hat{x}_{kj}\Big)"
)


@st.cache_data(max_entries=64, show_spinner=False)
def _axis_figure(batch: int, features: int, feature: int):
    return axis_figure(batch, features, feature=feature)  # ~0.3 s to build: build each shape once


def _examples(m: int) -> list[str]:
    return [f"example {i + 1}" for i in range(m)]


def upstream_gradient(shape: tuple[int, int], kind: str) -> np.ndarray:
    """dL/dy for the chosen kind; "edited" shows an editor and may raise ValueError."""
    ss = st.session_state
    if kind == "ones":
        return np.ones(shape)
    if kind == "random":
        st.button("New random gradient", key="bn_grad_new",
                  on_click=lambda: ss.update(bn_grad_seed=ss.get("bn_grad_seed", 0) + 1))  # fmt: skip
        rng = np.random.default_rng(ss.get("bn_grad_seed", 0))
        return np.round(rng.standard_normal(shape), 4)
    base = ss.get("bn_grad_table")
    if base is None or (len(base), len(base[0])) != shape:  # tensor resized: start from ones
        base = ss["bn_grad_table"] = [["1"] * shape[1] for _ in range(shape[0])]
    edited = st.data_editor(
        text_frame(base, _examples(shape[0])), num_rows="fixed", disabled=["_index"],
        key=f"bn_grad_editor_{shape[0]}x{shape[1]}", column_config=text_columns(shape[1]),
    )  # fmt: skip
    return ti.parse_tensor(cells_of(edited))


def render_backward(sheet: Worksheet, j: int) -> None:
    st.subheader("Backward: the gradient flows through μ and σ² too")
    st.caption("Each dx mixes the whole batch's gradients, because every example moved μ and σ².")
    if sheet.train is None:
        st.info("The backward pass uses the batch statistics: give the batch at least 2 rows.")
        return
    s = sheet.train
    kind = st.segmented_control("Upstream gradient g = ∂L/∂y", GRAD_KINDS, key="bn_grad_kind",
                                required=True)  # fmt: skip
    try:
        grad_y = upstream_gradient(s.x.shape, kind)
        g = batchnorm_backward(s.x, grad_y, s.gamma, s.eps)
    except ValueError as err:
        st.error(str(err))
        return
    st.latex(BACKWARD_TEX)
    if kind != "edited":
        st.markdown("**g = ∂L/∂y** (what the layers above send back)")
        tensor_table(grad_y, _examples(s.x.shape[0]), column=j)
    if kind == "ones":
        st.caption(
            "With g = 1 everywhere, dβ = m and dx = 0: moving all outputs of a feature equally is "
            "β's job, and the normalization cancels any such shift of x."
        )
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Per feature**")
        tensor_table(np.stack([g.dbeta, g.dgamma, g.dvar, g.dmean]),
                     ["∂L/∂β", "∂L/∂γ", "∂L/∂σ²", "∂L/∂μ"], column=j)  # fmt: skip
    with right:
        st.markdown("**∂L/∂x**")
        tensor_table(g.dx, _examples(s.x.shape[0]), column=j)
    dx, dgamma, dbeta = torch_batchnorm_grads(s.x, grad_y, s.gamma, s.beta, s.eps)
    diff = max(max_abs_diff(g.dx, dx), max_abs_diff(g.dgamma, dgamma),
               max_abs_diff(g.dbeta, dbeta))  # fmt: skip
    verdict = "**matches**" if diff <= MATCH_TOL else "**differs**"
    show = st.success if diff <= MATCH_TOL else st.error
    show(f"dx, dγ, dβ vs torch autograd: {verdict} (max |Δ| = {diff:.1e})")


def render_axes(sheet: Worksheet, j: int) -> None:
    st.subheader("Which axis?")
    st.caption("Same tensor, same arithmetic: only the direction of the averages differs.")
    m, f = sheet.shown.x.shape
    st.plotly_chart(_axis_figure(m, f, j), key="bn_axis_figure",
                    config={"displayModeBar": False})  # fmt: skip
    left, right = st.columns(2)
    with left:
        st.markdown("**BatchNorm x̂** — down each column: every feature has mean 0, variance 1")
        if sheet.train is None:
            st.info("Batch norm needs a batch of at least 2 rows to have a spread.")
        else:
            tensor_table(sheet.train.x_hat, _examples(m), column=j)
    with right:
        st.markdown("**LayerNorm x̂** — along each row: every example has mean 0, variance 1")
        tensor_table(sheet.layernorm.x_hat, _examples(m), row=0)
        c = sheet.layernorm_check
        verdict = "matches" if c.matches else "differs"
        st.caption(
            f"LayerNorm output vs torch.nn.LayerNorm: {verdict} (max |Δ| = {c.max_diff:.1e})"
        )
    st.markdown(
        "**InstanceNorm** averages over the positions (e.g. pixels) of *one* channel of *one* "
        "example; a (batch, features) tensor has no positions, so it needs images or sequences.  \n"
        "**GroupNorm** averages over a *group* of channels (and their positions) of one example: "
        "one group is LayerNorm, one group per channel is InstanceNorm."
    )
