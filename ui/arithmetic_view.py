"""Streamlit glue for the BN arithmetic page: session state, editors, stepper and checks.

State lives in ``st.session_state`` under ``bn_*`` keys: the base text tables of the editors
(``bn_x_table``, ``bn_gamma``, ``bn_beta``), an editor generation ``bn_gen`` (bumped to reset the
editors after a button changes the tables), the running stats, and ``bn_sheet`` — the last ``Worksheet``
that computed, shown whenever the current input is invalid. The arithmetic lives in ``bnviz``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from bnviz.arith import stepper
from bnviz.arith import tensor_input as ti
from bnviz.arith.batchnorm import batchnorm_steps
from bnviz.arith.oracle import MATCH_TOL
from bnviz.arith.worksheet import (
    Worksheet,
    WorksheetInputs,
    inputs_from_tables,
    make_worksheet,
    xhat_moments,
)

HIGHLIGHT = "background-color: #ffe08a; font-weight: 600"
DEFAULTS = {"bn_step": 1, "bn_feature": 0, "bn_mode": "train", "bn_eps": 1e-5,
            "bn_momentum": 0.1, "bn_grad_kind": "ones"}  # fmt: skip


def init_state() -> None:
    ss = st.session_state
    for key, value in DEFAULTS.items():
        # Re-assigning keeps a widget's value while its tab is closed (Streamlit drops the state
        # of widgets that a run does not draw).
        ss[key] = ss.get(key, value)
    ss.setdefault("bn_x_table", ti.example_table())
    features = len(ss.bn_x_table[0])
    ss.setdefault("bn_gamma", ["1"] * features)
    ss.setdefault("bn_beta", ["0"] * features)
    ss.setdefault("bn_running", ([0.0] * features, [1.0] * features))
    ss.setdefault("bn_gen", 0)
    ss.setdefault("bn_seed", 0)
    ss.setdefault("bn_train_steps", 0)


def columns(features: int) -> list[str]:
    return [f"feature {j + 1}" for j in range(features)]


def _edits(key: str) -> dict:
    state = st.session_state.get(key)
    return dict(state.get("edited_rows", {})) if state is not None else {}


def current_tables() -> tuple[list[list], list, list]:
    """x, gamma and beta cells as the student has edited them so far (for button callbacks)."""
    ss = st.session_state
    cols = columns(len(ss.bn_x_table[0]))
    x = ti.apply_edits(ss.bn_x_table, _edits(f"bn_x_editor_{ss.bn_gen}"), cols)
    affine = ti.apply_edits(
        [ss.bn_gamma, ss.bn_beta], _edits(f"bn_affine_editor_{ss.bn_gen}"), cols
    )
    return x, affine[0], affine[1]


# ----------------------------------------------------------------------------- button callbacks


def _set_tables(x: list[list], gamma: list | None = None, beta: list | None = None) -> None:
    ss = st.session_state
    features = len(x[0])
    _, old_gamma, old_beta = current_tables()
    ss.bn_gamma = ti.resized_vector(old_gamma if gamma is None else gamma, features, "1")
    ss.bn_beta = ti.resized_vector(old_beta if beta is None else beta, features, "0")
    rm, rv = ss.bn_running
    if len(rm) != features:  # a new feature starts from torch's initial running stats
        ss.bn_running = (ti.resized_vector(rm, features, 0.0), ti.resized_vector(rv, features, 1.0))
    ss.bn_x_table = x
    ss.bn_feature = min(ss.bn_feature, features - 1)
    ss.bn_gen += 1  # new editor keys: the editors start again from the new tables


def on_reset_example() -> None:
    table = ti.example_table()
    _set_tables(table, ["1"] * 3, ["0"] * 3)
    reset_running()


def on_random() -> None:
    x, _, _ = current_tables()
    st.session_state.bn_seed += 1
    _set_tables(ti.random_table(len(x), len(x[0]), st.session_state.bn_seed))


def on_resize(edit) -> None:
    """``edit`` is one of tensor_input's with_row_added/removed, with_feature_added/removed."""
    x, _, _ = current_tables()
    _set_tables(edit(x))


def on_apply_training_step() -> None:
    """One train-mode pass over the last valid tensor moves the running stats (as torch does)."""
    ss = st.session_state
    i: WorksheetInputs = ss.bn_sheet.inputs
    try:
        s = batchnorm_steps(i.x, i.gamma, i.beta, i.eps, i.momentum, *ss.bn_running)
    except ValueError as err:
        ss.bn_flash = str(err)
        return
    ss.bn_running = (s.running_mean.tolist(), s.running_var.tolist())
    ss.bn_train_steps += 1


def reset_running() -> None:
    features = len(st.session_state.bn_x_table[0])
    st.session_state.bn_running = ([0.0] * features, [1.0] * features)
    st.session_state.bn_train_steps = 0


def on_step(delta: int) -> None:
    st.session_state.bn_step = int(np.clip(st.session_state.bn_step + delta, 1, len(stepper.STEPS)))


# ----------------------------------------------------------------------------- editors


def text_frame(rows: list[list], index: list[str]) -> pd.DataFrame:
    cols = columns(len(rows[0]))
    text = [["" if c is None else str(c) for c in row] for row in rows]
    return pd.DataFrame(text, columns=cols, index=index, dtype=object)


def cells_of(frame: pd.DataFrame) -> list[list]:
    # An emptied cell comes back as None/NA; parse_tensor turns it into "is empty".
    return [
        [None if pd.isna(c) else c for c in row] for row in frame.astype(object).values.tolist()
    ]


def text_columns(features: int) -> dict:
    return {c: st.column_config.TextColumn(c, width="small") for c in columns(features)}


def tensor_editor() -> list[list]:
    """The batch as an editable table of text cells; returns the cells as edited."""
    ss = st.session_state
    rows = ss.bn_x_table
    index = [f"example {i + 1}" for i in range(len(rows))]
    edited = st.data_editor(
        text_frame(rows, index), key=f"bn_x_editor_{ss.bn_gen}", num_rows="fixed",
        column_config=text_columns(len(rows[0])), disabled=["_index"], height="auto",
    )  # fmt: skip
    return cells_of(edited)


def affine_editor() -> tuple[list, list]:
    ss = st.session_state
    frame = text_frame([ss.bn_gamma, ss.bn_beta], ["γ (gamma)", "β (beta)"])
    edited = st.data_editor(
        frame, key=f"bn_affine_editor_{ss.bn_gen}", num_rows="fixed",
        column_config=text_columns(len(ss.bn_gamma)), disabled=["_index"],
    )  # fmt: skip
    gamma, beta = cells_of(edited)
    return gamma, beta


# ----------------------------------------------------------------------------- compute


def compute(
    x_cells, gamma_cells, beta_cells, eps, momentum, training
) -> tuple[Worksheet, str | None]:
    """The Worksheet for the current input, or the last valid Worksheet and the sentence saying what is wrong."""
    ss = st.session_state
    rm, rv = (np.array(v, dtype=np.float64) for v in ss.bn_running)
    try:
        inputs = inputs_from_tables(
            x_cells, gamma_cells, beta_cells, eps, momentum, rm, rv, training
        )
        ss.bn_sheet = make_worksheet(inputs)
        return ss.bn_sheet, None
    except ValueError as err:
        if ss.get("bn_sheet") is None:  # nothing valid yet (e.g. a bad first input): the example
            x = np.array(ti.EXAMPLE)
            f = x.shape[1]
            ss.bn_sheet = make_worksheet(WorksheetInputs(x, np.ones(f), np.zeros(f), 1e-5, 0.1, np.zeros(f),
                                          np.ones(f), True))  # fmt: skip
        return ss.bn_sheet, str(err)


# ----------------------------------------------------------------------------- display


def plain(v: float) -> str:
    """4 decimals; float64 round-off of an exact 0 (|v| < 1e-12) reads "≈ 0", huge/tiny in e-notation."""
    v = float(v)
    if v == 0 or 1e-3 <= abs(v) < 1e5:
        return f"{v:.4f}"
    return "≈ 0" if abs(v) < 1e-12 else f"{v:.3e}"


def tensor_table(values: np.ndarray, index: list[str], column: int | None = None, row=None):
    """A read-only table, 4 decimals, with one column (or row) highlighted."""
    frame = pd.DataFrame(np.asarray(values), index=index, columns=columns(values.shape[1]))
    styler = frame.style.format(plain)
    if column is not None:
        styler = styler.map(lambda _: HIGHLIGHT, subset=pd.IndexSlice[:, frame.columns[column]])
    if row is not None:
        styler = styler.map(lambda _: HIGHLIGHT, subset=pd.IndexSlice[frame.index[row], :])
    wide_index = max(len(str(i)) for i in index) > 12  # e.g. "running_mean before"
    index_config = {"_index": st.column_config.Column(width="medium")} if wide_index else None
    st.dataframe(styler, width="content", column_config=index_config)


def step_navigation() -> int:
    ss = st.session_state
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("◀ Previous", key="bn_prev", on_click=on_step, args=(-1,),
                  disabled=ss.bn_step <= 1)  # fmt: skip
        st.segmented_control(
            "Step", list(stepper.STEPS), key="bn_step", required=True,
            format_func=lambda n: f"{n} {stepper.STEPS[n].name}", label_visibility="collapsed",
        )  # fmt: skip
        st.button("Next ▶", key="bn_next", on_click=on_step, args=(1,),
                  disabled=ss.bn_step >= len(stepper.STEPS))  # fmt: skip
    return ss.bn_step


def render_step(sheet: Worksheet, number: int, j: int) -> None:
    step, training = stepper.STEPS[number], sheet.inputs.training
    st.subheader(f"Step {number} of {len(stepper.STEPS)} · {step.name}")
    st.latex(step.formula if training else step.eval_formula)
    st.caption(f"With the numbers of feature {j + 1}:")
    st.latex(stepper.substituted(sheet, number, j))
    values, index = stepper.result(sheet, number)
    tensor_table(values, index, column=j)
    st.markdown(f"**Why:** {step.why if training else step.eval_why}")
    extra = stepper.note(sheet, number, j)
    if extra:
        st.info(extra)


def render_checks(sheet: Worksheet) -> None:
    st.subheader("Check against torch")
    if sheet.train is not None:
        m = xhat_moments(sheet.train)
        mean_ok, var_ok = ("✓" if ok else "✗" for ok in (m.mean_is_zero, m.var_is_one))
        which = "" if sheet.inputs.training else " (train mode, batch statistics)"
        st.markdown(
            f"**x̂ per feature{which}:** mean ≈ 0 {mean_ok} (max |mean| = {np.max(np.abs(m.mean)):.1e}) · "
            f"variance ≈ 1 {var_ok} (exactly σ²/(σ²+ε): max |var − 1| = "
            f"{np.max(np.abs(m.var - 1)):.1e})"
        )
        tensor_table(np.stack([m.mean, m.var]), ["mean of x̂", "variance of x̂"])
        if m.eps_dominated:
            names = ", ".join(str(j + 1) for j in m.eps_dominated)
            st.caption(f"Feature(s) {names}: variance at or below eps, so x̂ stays near 0.")
    for check in sheet.checks:
        text = f"{check.label} vs torch.nn.BatchNorm1d: "
        if check.matches:
            st.success(f"{text}**matches** (max |Δ| = {check.max_diff:.1e} ≤ {MATCH_TOL:.0e})")
        else:
            st.error(f"{text}**differs** (max |Δ| = {check.max_diff:.1e} > {MATCH_TOL:.0e})")


def running_panel(j: int) -> None:
    """The running stats the module carries between batches, and the button that moves them."""
    ss = st.session_state
    st.markdown(f"**Running statistics** (after {ss.bn_train_steps} training step(s))")
    rm, rv = (np.array(v, dtype=np.float64) for v in ss.bn_running)
    tensor_table(np.stack([rm, rv]), ["running_mean", "running_var"],
                 column=j if j < len(rm) else None)  # fmt: skip
    with st.container(horizontal=True):
        st.button("Apply one training step", key="bn_apply_step", type="primary",
                  on_click=on_apply_training_step)  # fmt: skip
        st.button("Reset running stats", key="bn_reset_running", on_click=reset_running)
    flash = ss.pop("bn_flash", None)
    if flash:
        st.warning(flash)
