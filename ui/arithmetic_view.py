"""The BN arithmetic page's state and inputs: widget keys, editors, button callbacks, worksheet.

State lives in ``st.session_state``: the widgets' values under ``Key``; the base text tables of the
editors (``X_TABLE``, ``GAMMA_CELLS``, ``BETA_CELLS``); an editor generation ``GEN``, bumped to start
the editors again after a button replaced the tables; the running stats; and ``SHEET``, the last
``Worksheet`` that computed, shown whenever the current input is invalid. What the page draws from
a worksheet is ``ui.arithmetic_panels``'s; the arithmetic is ``bnviz.arith``'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from bnviz.arith import stepper
from bnviz.arith import tensor_input as ti
from bnviz.arith.batchnorm import batchnorm_steps
from bnviz.arith.worksheet import Worksheet, WorksheetInputs, inputs_from_tables, make_worksheet
from bnviz.i18n import N_
from ui import i18n
from ui.i18n import _


class Key:
    """Widget keys: public, since the page tests and the browser test find the widgets by them."""

    MODE, EPS, MOMENTUM, FEATURE, TAB = "bn_mode", "bn_eps", "bn_momentum", "bn_feature", "bn_tab"
    STEP, PREV, NEXT = "bn_step", "bn_prev", "bn_next"
    RESET, RANDOM = "bn_reset", "bn_random"
    ADD_ROW, REMOVE_ROW = "bn_add_row", "bn_remove_row"
    ADD_FEATURE, REMOVE_FEATURE = "bn_add_feature", "bn_remove_feature"
    APPLY_STEP, RESET_RUNNING = "bn_apply_step", "bn_reset_running"
    GRAD_KIND, NEW_GRAD, AXIS_FIGURE = "bn_grad_kind", "bn_grad_new", "bn_axis_figure"
    # A data editor starts again from new data only under a new key: these prefixes get the table
    # generation (x, gamma/beta) or the tensor's shape (the upstream gradient) appended.
    X_EDITOR, AFFINE_EDITOR, GRAD_EDITOR = "bn_x_editor", "bn_affine_editor", "bn_grad_editor"


# Session state that is not a widget's.
X_TABLE, GAMMA_CELLS, BETA_CELLS = "bn_x_table", "bn_gamma", "bn_beta"  # the editors' base tables
RUNNING, TRAIN_STEPS = "bn_running", "bn_train_steps"  # (running_mean, running_var) as lists
GEN, SEED, SHEET, FLASH = "bn_gen", "bn_seed", "bn_sheet", "bn_flash"
REFUSED = "bn_refused"  # what arrived from the browser and was refused, for the page to say
GRAD_SEED, GRAD_TABLE = "bn_grad_seed", "bn_grad_table"  # the backward panel's gradient

# Options: the values are code names (tests and session state use them); what the page shows is
# their label, translated.
TRAIN, EVAL = "train", "eval"  # the Mode control
MODES = (TRAIN, EVAL)
STEP_TAB, AXIS_TAB, BACKWARD_TAB = N_("Step by step"), N_("Which axis?"), N_("Backward")
TABS = (STEP_TAB, AXIS_TAB, BACKWARD_TAB)
GRAD_ONES, GRAD_RANDOM, GRAD_EDITED = "ones", "random", "edited"  # the upstream gradient g
GRAD_KINDS = (GRAD_ONES, GRAD_RANDOM, GRAD_EDITED)
LABELS = {
    TRAIN: N_("train"),
    EVAL: N_("eval"),
    GRAD_ONES: N_("ones"),
    GRAD_RANDOM: N_("random"),
    GRAD_EDITED: N_("edited"),
}


def option_labels():
    """A format_func for the option controls, bound to the session's language now: widgets may
    call it outside this script run."""
    tr = i18n.translator_now()
    return lambda option: tr(LABELS[option])


DEFAULTS = {
    Key.STEP: 1,
    Key.FEATURE: 0,
    Key.MODE: TRAIN,
    Key.EPS: 1e-5,  # eps and momentum: torch's defaults
    Key.MOMENTUM: 0.1,
    Key.GRAD_KIND: GRAD_ONES,
}


def init_state() -> None:
    ss = st.session_state
    for key, value in DEFAULTS.items():
        # Re-assigning keeps a widget's value while its tab is closed (Streamlit drops the state
        # of widgets that a run does not draw).
        ss[key] = ss.get(key, value)
    ss.setdefault(X_TABLE, ti.example_table())
    features = len(ss[X_TABLE][0])
    ss.setdefault(GAMMA_CELLS, ["1"] * features)
    ss.setdefault(BETA_CELLS, ["0"] * features)
    ss.setdefault(RUNNING, _initial_running(features))
    ss.setdefault(GEN, 0)
    ss.setdefault(SEED, 0)
    ss.setdefault(TRAIN_STEPS, 0)


def refused(message: str) -> None:
    """Remember a refused input's sentence (translated); the page shows it (escaped) once."""
    st.session_state.setdefault(REFUSED, []).append(message)


def _initial_running(features: int) -> tuple[list[float], list[float]]:
    return [0.0] * features, [1.0] * features  # torch's initial running_mean and running_var


def table_shape() -> tuple[int, int]:
    """(batch, features) of the batch table as the buttons last left it."""
    table = st.session_state[X_TABLE]
    return len(table), len(table[0])


def running_stats() -> tuple[np.ndarray, np.ndarray]:
    """running_mean, running_var (features,) as float64 arrays."""
    rm, rv = st.session_state[RUNNING]
    return np.array(rm, dtype=np.float64), np.array(rv, dtype=np.float64)


def _editor_key(prefix: str) -> str:
    return f"{prefix}_{st.session_state[GEN]}"


def _edits(key: str) -> dict:
    state = st.session_state.get(key)
    return dict(state.get("edited_rows", {})) if state is not None else {}


def current_tables() -> tuple[list[list], list, list]:
    """x, gamma and beta cells as the student has edited them so far (for button callbacks)."""
    ss = st.session_state
    cols = ti.feature_labels(table_shape()[1])
    x = ti.apply_edits(ss[X_TABLE], _edits(_editor_key(Key.X_EDITOR)), cols)
    affine = [ss[GAMMA_CELLS], ss[BETA_CELLS]]
    gamma, beta = ti.apply_edits(affine, _edits(_editor_key(Key.AFFINE_EDITOR)), cols)
    return x, gamma, beta


# ----------------------------------------------------------------------------- button callbacks


def _set_tables(x: list[list], gamma: list | None = None, beta: list | None = None) -> None:
    ss = st.session_state
    features = len(x[0])
    _, old_gamma, old_beta = current_tables()
    ss[GAMMA_CELLS] = ti.resized_vector(old_gamma if gamma is None else gamma, features, "1")
    ss[BETA_CELLS] = ti.resized_vector(old_beta if beta is None else beta, features, "0")
    rm, rv = ss[RUNNING]
    if len(rm) != features:  # a new feature starts from torch's initial running stats
        ss[RUNNING] = (ti.resized_vector(rm, features, 0.0), ti.resized_vector(rv, features, 1.0))
    ss[X_TABLE] = x
    ss[Key.FEATURE] = min(ss[Key.FEATURE], features - 1)
    ss[GEN] += 1  # new editor keys: the editors start again from the new tables


def on_reset_example() -> None:
    table = ti.example_table()
    _set_tables(table, ["1"] * 3, ["0"] * 3)
    reset_running()


def on_random() -> None:
    batch, features = table_shape()
    st.session_state[SEED] += 1
    _set_tables(ti.random_table(batch, features, st.session_state[SEED]))


def on_resize(edit) -> None:
    """``edit`` is one of tensor_input's with_row_added/removed, with_feature_added/removed."""
    x, _, _ = current_tables()
    _set_tables(edit(x))


def on_apply_training_step() -> None:
    """One train-mode pass over the last valid tensor moves the running stats (as torch does)."""
    ss = st.session_state
    i: WorksheetInputs = ss[SHEET].inputs
    try:
        s = batchnorm_steps(i.x, i.gamma, i.beta, i.eps, i.momentum, *ss[RUNNING])
    except ValueError as err:
        ss[FLASH] = i18n.error(err)
        return
    ss[RUNNING] = (s.running_mean.tolist(), s.running_var.tolist())
    ss[TRAIN_STEPS] += 1


def reset_running() -> None:
    st.session_state[RUNNING] = _initial_running(table_shape()[1])
    st.session_state[TRAIN_STEPS] = 0


def on_step(delta: int) -> None:
    step = st.session_state[Key.STEP] + delta
    st.session_state[Key.STEP] = int(np.clip(step, 1, len(stepper.STEPS)))


# ----------------------------------------------------------------------------- editors


def text_frame(rows: list[list], index: list[str]) -> pd.DataFrame:
    """Text cells under English column ids (what ``apply_edits`` finds edits by, in any language);
    ``text_columns`` gives them their translated labels."""
    cols = ti.feature_labels(len(rows[0]))
    text = [["" if c is None else str(c) for c in row] for row in rows]
    return pd.DataFrame(text, columns=cols, index=index, dtype=object)


def cells_of(frame: pd.DataFrame) -> list[list]:
    # An emptied cell comes back as None/NA; parse_tensor turns it into "is empty".
    return [
        [None if pd.isna(c) else c for c in row] for row in frame.astype(object).values.tolist()
    ]


def text_columns(features: int) -> dict:
    shown = ti.feature_labels(features, i18n.translator_now())
    return {
        c: st.column_config.TextColumn(label, width="small")
        for c, label in zip(ti.feature_labels(features), shown, strict=True)
    }


def _editor(frame: pd.DataFrame, prefix: str, **kw) -> pd.DataFrame:
    """``st.data_editor`` of text cells, guarded: an edit state that does not fit the table (rows
    added to or deleted from a fixed table, cells out of range; only a crafted message sends one)
    can make the editor itself raise. Then the editors start again from the stored tables."""
    kw |= {
        "num_rows": "fixed",
        "column_config": text_columns(frame.shape[1]),
        "disabled": ["_index"],
    }
    try:
        return st.data_editor(frame, key=_editor_key(prefix), **kw)
    except (IndexError, KeyError, ValueError, TypeError):
        refused(
            _(
                "An edit arrived that does not fit the table; the tables were reset to their last "
                "state."
            )
        )
        st.session_state[GEN] += 1
        return st.data_editor(frame, key=_editor_key(prefix), **kw)


def tensor_editor() -> list[list]:
    """The batch as an editable table of text cells; returns the cells as edited."""
    rows = st.session_state[X_TABLE]
    index = ti.example_labels(len(rows), i18n.translator_now())
    edited = _editor(text_frame(rows, index), Key.X_EDITOR, height="auto")
    return cells_of(edited)


def affine_editor() -> tuple[list, list]:
    ss = st.session_state
    frame = text_frame([ss[GAMMA_CELLS], ss[BETA_CELLS]], ["γ (gamma)", "β (beta)"])
    gamma, beta = cells_of(_editor(frame, Key.AFFINE_EDITOR))
    return gamma, beta


# ----------------------------------------------------------------------------- compute


def compute(
    x_cells, gamma_cells, beta_cells, eps, momentum, training
) -> tuple[Worksheet, str | None]:
    """The worksheet for the current input; if that is invalid, the last valid one and why not."""
    ss = st.session_state
    rm, rv = running_stats()
    try:
        ti.check_shape(x_cells, gamma_cells, beta_cells, table_shape())
        inputs = inputs_from_tables(
            x_cells, gamma_cells, beta_cells, eps, momentum, rm, rv, training
        )
        ss[SHEET] = make_worksheet(inputs)
        return ss[SHEET], None
    except ValueError as err:
        if ss.get(SHEET) is None:  # nothing valid yet (e.g. a bad first input): the example
            x = np.array(ti.EXAMPLE)
            f = x.shape[1]
            eps, momentum = DEFAULTS[Key.EPS], DEFAULTS[Key.MOMENTUM]
            example = WorksheetInputs(
                x, np.ones(f), np.zeros(f), eps, momentum, np.zeros(f), np.ones(f), True
            )
            ss[SHEET] = make_worksheet(example)
        return ss[SHEET], i18n.error(err)
