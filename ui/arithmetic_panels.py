"""The BN arithmetic page's panels: everything it draws from a worksheet.

The stepper, the checks against torch, the running statistics, and the "which axis?" and backward
panels. State, widget keys and the input editors are ``ui.arithmetic_view``'s; every number and every
number's format comes from ``bnviz.arith``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from bnviz.arith import stepper
from bnviz.arith import tensor_input as ti
from bnviz.arith.axis_diagram import axis_figure
from bnviz.arith.backward import batchnorm_backward
from bnviz.arith.number_format import table_number
from bnviz.arith.oracle import MATCH_TOL, max_abs_diff, torch_batchnorm_grads
from bnviz.arith.worksheet import Worksheet, xhat_moments
from ui import arithmetic_view as view
from ui import i18n
from ui.arithmetic_view import Key
from ui.i18n import _
from ui.text import plain

HIGHLIGHT = "background-color: #ffe08a; font-weight: 600"

BACKWARD_TEX = (
    r"\frac{\partial L}{\partial \beta_j} = \sum_{i} g_{ij}, \qquad "
    r"\frac{\partial L}{\partial \gamma_j} = \sum_{i} g_{ij}\,\hat{x}_{ij}, \qquad "
    r"\frac{\partial L}{\partial x_{ij}} = \frac{\gamma_j}{m\sqrt{\sigma_j^2 + \epsilon}}"
    r"\Big(m\,g_{ij} - \sum_{k} g_{kj} - \hat{x}_{ij} \sum_{k} g_{kj}\,\hat{x}_{kj}\Big)"
)


def tensor_table(values: np.ndarray, index: list[str], column: int | None = None, row=None):
    """A read-only table, 4 decimals, with one column (or row) highlighted."""
    columns = ti.feature_labels(values.shape[1], i18n.translator_now())
    frame = pd.DataFrame(np.asarray(values), index=index, columns=columns)
    styler = frame.style.format(table_number)
    if column is not None:
        styler = styler.map(lambda _: HIGHLIGHT, subset=pd.IndexSlice[:, frame.columns[column]])
    if row is not None:
        styler = styler.map(lambda _: HIGHLIGHT, subset=pd.IndexSlice[frame.index[row], :])
    wide_index = max(len(str(i)) for i in index) > 12  # e.g. "running_mean before"
    index_config = {"_index": st.column_config.Column(width="medium")} if wide_index else None
    st.dataframe(styler, width="content", column_config=index_config)


# ----------------------------------------------------------------------------- stepper and checks


def step_navigation() -> int:
    step, last = st.session_state[Key.STEP], len(stepper.STEPS)
    tr = i18n.translator_now()  # bound now: the widget may format its options outside this run
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(
            _("◀ Previous"), key=Key.PREV, on_click=view.on_step, args=(-1,), disabled=step <= 1
        )
        st.segmented_control(
            _("Step"),
            list(stepper.STEPS),
            key=Key.STEP,
            required=True,
            format_func=lambda n: f"{n} {tr(stepper.STEPS[n].name)}",
            label_visibility="collapsed",
        )
        st.button(
            _("Next ▶"), key=Key.NEXT, on_click=view.on_step, args=(1,), disabled=step >= last
        )
    return st.session_state[Key.STEP]


def render_step(sheet: Worksheet, number: int, j: int) -> None:
    step, training = stepper.STEPS[number], sheet.inputs.training
    tr = i18n.translator_now()
    st.subheader(
        _("Step {number} of {count} · {name}").format(
            number=number, count=len(stepper.STEPS), name=_(step.name)
        )
    )
    st.latex(step.formula if training else _(step.eval_formula))
    st.caption(_("With the numbers of {feature}:").format(feature=ti.feature_label(j, tr)))
    st.latex(stepper.substituted(sheet, number, j))
    values, index = stepper.result(sheet, number, tr)
    tensor_table(values, index, column=j)
    st.markdown(_("**Why:** {why}").format(why=_(step.why if training else step.eval_why)))
    extra = stepper.note(sheet, number, j, tr)
    if extra:
        st.info(extra)


def render_checks(sheet: Worksheet) -> None:
    st.subheader(_("Check against torch"))
    if sheet.train is not None:
        m = xhat_moments(sheet.train)
        mean_ok, var_ok = ("✓" if ok else "✗" for ok in (m.mean_is_zero, m.var_is_one))
        heading = (
            _("x̂ per feature")
            if sheet.inputs.training
            else _("x̂ per feature (train mode, batch statistics)")
        )
        st.markdown(
            _(
                "**{heading}:** mean ≈ 0 {mean_ok} (max |mean| = {max_mean:.1e}) · variance ≈ 1 "
                "{var_ok} (exactly σ²/(σ²+ε): max |var − 1| = {max_var:.1e})"
            ).format(
                heading=heading,
                mean_ok=mean_ok,
                max_mean=np.max(np.abs(m.mean)),
                var_ok=var_ok,
                max_var=np.max(np.abs(m.var - 1)),
            )
        )
        tensor_table(np.stack([m.mean, m.var]), [_("mean of x̂"), _("variance of x̂")])
        if m.eps_dominated:
            names = ", ".join(str(j + 1) for j in m.eps_dominated)
            st.caption(
                _("Feature(s) {names}: variance at or below eps, so x̂ stays near 0.").format(
                    names=names
                )
            )
    for check in sheet.checks:
        numbers = {"label": _(check.label), "diff": check.max_diff, "tol": MATCH_TOL}
        if check.matches:
            st.success(
                _(
                    "{label} vs torch.nn.BatchNorm1d: **matches** (max |Δ| = {diff:.1e} ≤ {tol:.0e})"
                ).format(**numbers)
            )
        else:
            st.error(
                _(
                    "{label} vs torch.nn.BatchNorm1d: **differs** (max |Δ| = {diff:.1e} > {tol:.0e})"
                ).format(**numbers)
            )


def running_panel(j: int) -> None:
    """The running stats the module carries between batches, and the buttons that move them."""
    ss = st.session_state
    st.markdown(
        _("**Running statistics** (after {steps} training step(s))").format(
            steps=ss[view.TRAIN_STEPS]
        )
    )
    rm, rv = view.running_stats()
    column = j if j < len(rm) else None
    tensor_table(np.stack([rm, rv]), ["running_mean", "running_var"], column=column)
    with st.container(horizontal=True):
        st.button(
            _("Apply one training step"),
            key=Key.APPLY_STEP,
            type="primary",
            on_click=view.on_apply_training_step,
        )
        st.button(_("Reset running stats"), key=Key.RESET_RUNNING, on_click=view.reset_running)
    flash = ss.pop(view.FLASH, None)
    if flash:
        st.warning(plain(flash))


# ----------------------------------------------------------------------------- backward


def upstream_gradient(shape: tuple[int, int], kind: str) -> np.ndarray:
    """dL/dy for the chosen kind; "edited" shows an editor and may raise ValueError."""
    ss = st.session_state
    if kind == view.GRAD_ONES:
        return np.ones(shape)
    if kind == view.GRAD_RANDOM:
        st.button(
            _("New random gradient"),
            key=Key.NEW_GRAD,
            on_click=lambda: ss.update({view.GRAD_SEED: ss.get(view.GRAD_SEED, 0) + 1}),
        )
        rng = np.random.default_rng(ss.get(view.GRAD_SEED, 0))
        return np.round(rng.standard_normal(shape), 4)
    base = ss.get(view.GRAD_TABLE)
    if base is None or (len(base), len(base[0])) != shape:  # tensor resized: start from ones
        base = ss[view.GRAD_TABLE] = [["1"] * shape[1] for _ in range(shape[0])]
    edited = st.data_editor(
        view.text_frame(base, ti.example_labels(shape[0], i18n.translator_now())),
        num_rows="fixed",
        disabled=["_index"],
        key=f"{Key.GRAD_EDITOR}_{shape[0]}x{shape[1]}",
        column_config=view.text_columns(shape[1]),
    )
    return ti.parse_tensor(view.cells_of(edited))


def render_backward(sheet: Worksheet, j: int) -> None:
    st.subheader(_("Backward: the gradient flows through μ and σ² too"))
    st.caption(
        _("Each dx mixes the whole batch's gradients, because every example moved μ and σ².")
    )
    if sheet.train is None:
        st.info(_("The backward pass uses the batch statistics: give the batch at least 2 rows."))
        return
    s = sheet.train
    examples = ti.example_labels(s.x.shape[0], i18n.translator_now())
    kind = st.segmented_control(
        _("Upstream gradient g = ∂L/∂y"),
        view.GRAD_KINDS,
        key=Key.GRAD_KIND,
        required=True,
        format_func=view.option_labels(),
    )
    try:
        grad_y = upstream_gradient(s.x.shape, kind)
        g = batchnorm_backward(s.x, grad_y, s.gamma, s.eps)
    except ValueError as err:
        st.error(plain(i18n.error(err)))
        return
    st.latex(BACKWARD_TEX)
    if kind != view.GRAD_EDITED:
        st.markdown(_("**g = ∂L/∂y** (what the layers above send back)"))
        tensor_table(grad_y, examples, column=j)
    if kind == view.GRAD_ONES:
        st.caption(
            _(
                "With g = 1 everywhere, dβ = m and dx = 0: moving all outputs of a feature equally "
                "is β's job, and the normalization cancels any such shift of x."
            )
        )
    left, right = st.columns([2, 3])
    with left:
        st.markdown(_("**Per feature**"))
        per_feature = np.stack([g.dbeta, g.dgamma, g.dvar, g.dmean])
        tensor_table(per_feature, ["∂L/∂β", "∂L/∂γ", "∂L/∂σ²", "∂L/∂μ"], column=j)
    with right:
        st.markdown("**∂L/∂x**")
        tensor_table(g.dx, examples, column=j)
    dx, dgamma, dbeta = torch_batchnorm_grads(s.x, grad_y, s.gamma, s.beta, s.eps)
    diff = max(max_abs_diff(g.dx, dx), max_abs_diff(g.dgamma, dgamma), max_abs_diff(g.dbeta, dbeta))
    if diff <= MATCH_TOL:
        st.success(
            _("dx, dγ, dβ vs torch autograd: **matches** (max |Δ| = {diff:.1e})").format(diff=diff)
        )
    else:
        st.error(
            _("dx, dγ, dβ vs torch autograd: **differs** (max |Δ| = {diff:.1e})").format(diff=diff)
        )


# ----------------------------------------------------------------------------- which axis?


@st.cache_data(max_entries=64, show_spinner=False)
def _axis_figure(batch: int, features: int, feature: int, lang: str):
    # ~0.3 s to build: build each shape (and language) once
    return axis_figure(batch, features, feature=feature, _=i18n.translator(lang))


def render_axes(sheet: Worksheet, j: int) -> None:
    st.subheader(_("Which axis?"))
    st.caption(_("Same tensor, same arithmetic: only the direction of the averages differs."))
    m, f = sheet.shown.x.shape
    examples = ti.example_labels(m, i18n.translator_now())
    figure = _axis_figure(m, f, j, i18n.current())
    st.plotly_chart(figure, key=Key.AXIS_FIGURE, config={"displayModeBar": False})
    left, right = st.columns(2)
    with left:
        st.markdown(_("**BatchNorm x̂** — down each column: every feature has mean 0, variance 1"))
        if sheet.train is None:
            st.info(_("Batch norm needs a batch of at least 2 rows to have a spread."))
        else:
            tensor_table(sheet.train.x_hat, examples, column=j)
    with right:
        st.markdown(_("**LayerNorm x̂** — along each row: every example has mean 0, variance 1"))
        tensor_table(sheet.layernorm.x_hat, examples, row=0)
        c = sheet.layernorm_check
        verdict = (
            _("LayerNorm output vs torch.nn.LayerNorm: matches (max |Δ| = {diff:.1e})")
            if c.matches
            else _("LayerNorm output vs torch.nn.LayerNorm: differs (max |Δ| = {diff:.1e})")
        )
        st.caption(verdict.format(diff=c.max_diff))
    st.markdown(
        _(
            "**InstanceNorm** averages over the positions (e.g. pixels) of *one* channel of *one* "
            "example; a (batch, features) tensor has no positions, so it needs images or "
            "sequences.  \n**GroupNorm** averages over a *group* of channels (and their positions) "
            "of one example: one group is LayerNorm, one group per channel is InstanceNorm."
        )
    )
