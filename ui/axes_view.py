"""The "Which axis?" page's state and inputs: widget keys, the shape, the editors, the computation.

State lives in ``st.session_state``: the widgets' values under ``Key``; the editors' base text
tables (``TABLE`` of shape ``SHAPE``, ``GAMMA``, ``BETA``); an editor generation ``GEN``, bumped to
start the editors again after the tables were replaced; and ``SHOWN``, the last ``Shown`` that
computed, drawn whenever the current input is invalid. What the page draws is ``ui.axes_panels``'s;
the arithmetic is ``bnviz.arith``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from bnviz.arith import nchw
from bnviz.arith import tensor_input as ti
from bnviz.arith.axes import AxesSteps, axes_steps
from bnviz.arith.oracle import NormCheck, norm_check
from bnviz.i18n import N_
from ui import arithmetic_view as editors
from ui import i18n
from ui.i18n import _


class Key:
    """Widget keys: public, since the page tests and the browser test find the widgets by them."""

    N, C, H, W = "ax_n", "ax_c", "ax_h", "ax_w"
    KIND, GROUPS, EPS, RANDOM, VALUES = "ax_kind", "ax_groups", "ax_eps", "ax_random", "ax_values"
    AT_N, AT_C, AT_H, AT_W = "ax_at_n", "ax_at_c", "ax_at_h", "ax_at_w"  # the followed element
    FIGURE = "ax_figure"
    # A data editor starts again from new data only under a new key: these get GEN appended.
    X_EDITOR, AFFINE_EDITOR = "ax_x_editor", "ax_affine_editor"


SHAPE_KEYS = (Key.N, Key.C, Key.H, Key.W)
AT_KEYS = (Key.AT_N, Key.AT_C, Key.AT_H, Key.AT_W)
TABLE, SHAPE, GAMMA, BETA = "ax_table", "ax_shape", "ax_gamma", "ax_beta"
GEN, SEED, SHOWN = "ax_gen", "ax_seed", "ax_shown"
AFFINE_COLUMNS = ["γ (gamma)", "β (beta)"]  # symbols and code names: the same in every language
EDIT_REFUSED = N_(
    "An edit arrived that does not fit the table; the tables were reset to their last state."
)

FIRST_SHAPE = (2, 4, 2, 3)  # two examples, four channels (two groups of two), six positions
DEFAULTS = {Key.KIND: "batch", Key.GROUPS: 2, Key.EPS: 1e-5, Key.VALUES: "x"}


@dataclass(frozen=True)
class Shown:
    """What the page draws: one norm of one tensor and its check against torch."""

    steps: AxesSteps
    check: NormCheck


def init_state() -> None:
    ss = st.session_state
    for key, value in DEFAULTS.items():
        ss[key] = ss.get(key, value)  # re-assigned: keeps a value while its widget is not drawn
    ss.setdefault(SEED, 0)
    ss.setdefault(SHAPE, FIRST_SHAPE)
    ss.setdefault(TABLE, nchw.to_rows(nchw.random_nchw(FIRST_SHAPE, ss[SEED])))
    ss.setdefault(GAMMA, ["1"] * FIRST_SHAPE[1])
    ss.setdefault(BETA, ["0"] * FIRST_SHAPE[1])
    ss.setdefault(GEN, 0)
    for key, side in zip(SHAPE_KEYS, ss[SHAPE], strict=True):
        ss[key] = ss.get(key, side)
    for key in AT_KEYS:
        ss[key] = ss.get(key, 0)


def _editor_key(prefix: str) -> str:
    return f"{prefix}_{st.session_state[GEN]}"


def _edits(key: str) -> dict:
    state = st.session_state.get(key)
    return dict(state.get("edited_rows", {})) if state is not None else {}


def current_tables() -> tuple[list[list], list, list]:
    """x, gamma and beta cells as the student has edited them so far."""
    ss = st.session_state
    _, _, h, w = ss[SHAPE]
    x = ti.apply_edits(ss[TABLE], _edits(_editor_key(Key.X_EDITOR)), nchw.position_labels(h, w))
    rows = ti.apply_edits(_affine_rows(), _edits(_editor_key(Key.AFFINE_EDITOR)), AFFINE_COLUMNS)
    gamma, beta = ([row[k] for row in rows] for k in (0, 1))
    return x, gamma, beta


def channel_labels(c: int) -> list[str]:
    tr = i18n.translator_now()
    return [nchw.channel_label(j, tr) for j in range(c)]


def _set_tables(rows: list[list], shape: tuple[int, ...], gamma: list, beta: list) -> None:
    ss = st.session_state
    c = shape[1]
    ss[TABLE], ss[SHAPE] = rows, shape
    ss[GAMMA] = ti.resized_vector(gamma, c, "1")
    ss[BETA] = ti.resized_vector(beta, c, "0")
    ss[GEN] += 1  # new editor keys: the editors start again from the new tables


def on_random() -> None:
    """A new random tensor of the current shape (γ and β as they are)."""
    ss = st.session_state
    ss[SEED] += 1
    _, gamma, beta = current_tables()
    _set_tables(nchw.to_rows(nchw.random_nchw(ss[SHAPE], ss[SEED])), ss[SHAPE], gamma, beta)


def sync_shape() -> str | None:
    """Resize the tables to the N, C, H, W controls; an over-budget shape is refused (its
    sentence is returned) and the tables keep their last shape."""
    ss = st.session_state
    wanted = tuple(ss[k] for k in SHAPE_KEYS)
    if wanted == ss[SHAPE]:
        return None
    try:
        shape = nchw.validate_shape(wanted)
    except ValueError as err:
        return i18n.error(err)
    x, gamma, beta = current_tables()
    _set_tables(nchw.resized_rows(x, ss[SHAPE], shape, ss[SEED]), shape, gamma, beta)
    return None


def group_choices() -> list[int]:
    """G for group norm: the divisors of the table's C; the chosen G moves to the nearest one."""
    c = st.session_state[SHAPE][1]
    divisors = [d for d in range(1, c + 1) if c % d == 0]
    old = st.session_state[Key.GROUPS]
    if old not in divisors:
        st.session_state[Key.GROUPS] = min(divisors, key=lambda d: (abs(d - old), d))
    return divisors


# ----------------------------------------------------------------------------- editors


def tensor_editor() -> list[list]:
    """The tensor as text cells: a row per (example, channel), a column per position (h, w)."""
    ss = st.session_state
    n, c, h, w = ss[SHAPE]
    frame = editors.text_frame(ss[TABLE], nchw.row_labels(n, c, i18n.translator_now()))
    frame.columns = nchw.position_labels(h, w)
    config = {p: st.column_config.TextColumn(p, width="small") for p in frame.columns}
    return editors.cells_of(_editor(frame, Key.X_EDITOR, config))


def _affine_rows() -> list[list]:
    ss = st.session_state
    return [[g, b] for g, b in zip(ss[GAMMA], ss[BETA], strict=True)]


def affine_editor() -> tuple[list, list]:
    """γ and β as a row per channel (C rows fit a narrow column; C columns would not)."""
    ss = st.session_state
    frame = editors.text_frame(_affine_rows(), channel_labels(len(ss[GAMMA])))
    frame.columns = AFFINE_COLUMNS
    config = {p: st.column_config.TextColumn(p) for p in AFFINE_COLUMNS}
    rows = editors.cells_of(_editor(frame, Key.AFFINE_EDITOR, config))
    return [row[0] for row in rows], [row[1] for row in rows]


def _editor(frame, prefix: str, config: dict):
    """``st.data_editor`` of text cells; an edit state that does not fit the table (only a
    crafted message sends one) starts the editors again from the stored tables."""
    kw = {"num_rows": "fixed", "column_config": config, "disabled": ["_index"], "height": "auto"}
    try:
        return st.data_editor(frame, key=_editor_key(prefix), **kw)
    except (IndexError, KeyError, ValueError, TypeError):
        st.warning(_(EDIT_REFUSED))
        st.session_state[GEN] += 1
        return st.data_editor(frame, key=_editor_key(prefix), **kw)


# ----------------------------------------------------------------------------- compute


def compute(x_cells, gamma_cells, beta_cells, kind, groups, eps) -> tuple[Shown, str | None]:
    """What to draw for the current input; if that is invalid, the last valid one and why not
    (in the session's language, not yet escaped)."""
    ss = st.session_state
    try:
        x = nchw.parse_rows(x_cells, ss[SHAPE])
        gamma = nchw.parse_channels(gamma_cells, "gamma", x.shape[1])
        beta = nchw.parse_channels(beta_cells, "beta", x.shape[1])
        steps = axes_steps(x, kind, groups, gamma, beta, eps)
        ss[SHOWN] = Shown(steps, norm_check(steps))
        return ss[SHOWN], None
    except ValueError as err:
        if ss.get(SHOWN) is None:  # nothing valid yet: the first example, batch norm
            steps = axes_steps(nchw.random_nchw(FIRST_SHAPE, 0), "batch")
            ss[SHOWN] = Shown(steps, norm_check(steps))
        return ss[SHOWN], i18n.error(err)


def followed(steps: AxesSteps) -> tuple[int, int, int, int]:
    """The element the page follows, clamped into ``steps``' shape (0-based)."""
    ss = st.session_state
    for key, side in zip(AT_KEYS, steps.x.shape, strict=True):
        ss[key] = min(ss[key], side - 1)
    return tuple(ss[k] for k in AT_KEYS)
