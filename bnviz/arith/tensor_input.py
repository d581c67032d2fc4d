"""What a student typed, turned into a float64 tensor, or a sentence saying what to fix.

The page edits tensors as tables of *text* cells (so that "abc", "nan" or an empty cell reach us and get a
clear message instead of being silently coerced). Everything here is pure: tables are lists of rows,
each row a list of cells (str, number or None), rows = examples in the batch, columns = features.

Contracts:
- ``parse_tensor(rows)`` -> float64 array (batch, features), all finite; raises ``ValueError`` otherwise.
- ``parse_vector(cells, name, length)`` -> float64 array (length,), all finite.
- Table edits (``with_row_added`` ...) keep the batch within 1..MAX_BATCH and features within
  1..MAX_FEATURES and return new lists; they never mutate their input.
- ``example_labels(m)`` and ``feature_labels(n)`` (``feature_label(j)`` for one) name the rows and
  columns of every table the page shows ("example 1", "feature 1"; ``_`` translates them); the
  editors keep the English labels as column ids, and ``apply_edits`` finds an edited column by them.
- Every ``ValueError`` is a ``bnviz.i18n.UserError``: ``str()`` English, ``render(_)`` translated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bnviz.arith.number_format import typed_number
from bnviz.i18n import ENGLISH, N_, Gettext, Message, UserError

MAX_BATCH = 64  # a batch a student can still read on one screen
MAX_FEATURES = 16

# The paper-sized worked example the page opens with: 3 examples x 3 features, 4 decimals.
EXAMPLE = [[-0.6577, -0.5797, 0.6360], [0.7392, 0.2145, 1.523], [0.2432, 0.5662, 0.322]]


def example_labels(batch: int, _: Gettext = ENGLISH) -> list[str]:
    """Row labels of a (batch, ...) table: "example 1" ... (1-based, as a student counts)."""
    return [_("example {number}").format(number=i + 1) for i in range(batch)]


def feature_label(j: int, _: Gettext = ENGLISH) -> str:
    """The label of feature column ``j`` (0-based): "feature 1" for j = 0."""
    return _("feature {number}").format(number=j + 1)


def feature_labels(features: int, _: Gettext = ENGLISH) -> list[str]:
    """Column labels of a (..., features) table: "feature 1" ... (1-based)."""
    return [feature_label(j, _) for j in range(features)]


def cell_name(row: int, feature: int) -> Message:
    """Where a cell is, for a message: "row 2, feature 3" (0-based arguments)."""
    return Message(N_("row {row}, feature {feature}"), {"row": row + 1, "feature": feature + 1})


def to_table(x: np.ndarray) -> list[list[str]]:
    """(batch, features) array -> table of text cells, each as a student would type it."""
    return [[typed_number(v) for v in row] for row in np.asarray(x, dtype=np.float64)]


def example_table() -> list[list[str]]:
    return to_table(EXAMPLE)


def random_table(batch: int, features: int, seed: int) -> list[list[str]]:
    """A random batch with a different offset and scale per feature, so normalizing visibly matters."""
    rng = np.random.default_rng(seed)
    offset = rng.uniform(-2.0, 2.0, size=features)
    scale = rng.uniform(0.3, 3.0, size=features)
    x = offset + scale * rng.standard_normal((batch, features))  # (batch, features)
    return to_table(np.round(x, 4))


def parse_number(cell: object, where: str | Message) -> float:
    """One cell -> a finite float. ``where`` names the cell in the message ("row 2, feature 3")."""
    if cell is None or type(cell).__name__ == "NAType":
        # An emptied editor cell arrives as None (or pandas.NA); a typed "nan" is a value instead.
        raise UserError(N_("The cell at {where} is empty: type a number there."), where=where)
    if isinstance(cell, bool):
        raise UserError(
            N_("The cell at {where} is {cell}, not a number: type a number there."),
            where=where,
            cell=cell,
        )
    if isinstance(cell, int | float | np.integer | np.floating):
        value = float(cell)
    else:
        text = str(cell).strip().replace("\u2212", "-")  # accept the typographic minus sign
        if text == "":
            raise UserError(N_("The cell at {where} is empty: type a number there."), where=where)
        try:
            value = float(text)
        except ValueError:
            raise UserError(
                N_(
                    "The cell at {where} holds {text!r}, which is not a number: type a number "
                    "such as 0.5 or -1.2e-3."
                ),
                where=where,
                text=text,
            ) from None
    if not math.isfinite(value):
        raise UserError(
            N_(
                "The cell at {where} is {value}: batch norm needs finite numbers, so type a finite one."
            ),
            where=where,
            value=value,
        )
    return value


def check_shape(
    rows: Sequence[Sequence[object]],
    gamma: Sequence[object],
    beta: Sequence[object],
    expected: tuple[int, int],
) -> None:
    """The tables a page received have the shape it drew (``expected`` = (batch, features), within
    ``MAX_BATCH`` x ``MAX_FEATURES``): a browser can send anything, so the server checks."""
    batch, features = expected
    shape = (len(rows), max((len(r) for r in rows), default=0))
    within = 1 <= shape[0] <= MAX_BATCH and 1 <= shape[1] <= MAX_FEATURES
    if not within or shape != expected or len(gamma) != features or len(beta) != features:
        raise UserError(
            N_(
                "The tables arrived as {rows} × {columns} (γ {gammas}, β {betas}), but the page "
                "holds {batch} × {features}, at most {max_batch} × {max_features}: use the "
                "add/remove buttons to change the shape."
            ),
            rows=shape[0],
            columns=shape[1],
            gammas=len(gamma),
            betas=len(beta),
            batch=batch,
            features=features,
            max_batch=MAX_BATCH,
            max_features=MAX_FEATURES,
        )


def parse_tensor(rows: Sequence[Sequence[object]]) -> np.ndarray:
    """Table of cells -> float64 array (batch, features); ValueError with a fix otherwise."""
    if isinstance(rows, np.ndarray):
        rows = rows.tolist()
    rows = list(rows)
    if len(rows) == 0 or all(len(r) == 0 for r in rows):
        raise UserError(N_("The tensor is empty: enter at least one row (example) and one column."))
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise UserError(
                N_(
                    "Row {row} has {count} values but row 1 has {width}: every row (example) "
                    "needs one value per feature."
                ),
                row=i + 1,
                count=len(row),
                width=width,
            )
    if width == 0:
        raise UserError(N_("The tensor has no columns: enter at least one feature."))
    values = [
        [parse_number(cell, cell_name(i, j)) for j, cell in enumerate(row)]
        for i, row in enumerate(rows)
    ]
    return np.array(values, dtype=np.float64)  # (batch, features)


def parse_vector(cells: Sequence[object], name: str, length: int) -> np.ndarray:
    """Per-feature parameters (gamma, beta, ...) -> float64 array (length,)."""
    cells = list(cells)
    if len(cells) != length:
        raise UserError(
            N_(
                "{name} has {count} values but the tensor has {length} features: give one {name} "
                "per feature."
            ),
            name=name,
            count=len(cells),
            length=length,
        )
    where = N_("{name}, feature {feature}")
    return np.array(
        [
            parse_number(c, Message(where, {"name": name, "feature": j + 1}))
            for j, c in enumerate(cells)
        ],
        dtype=np.float64,
    )


# --- table edits for the add/remove buttons (pure; the page keeps the result in session state) ---


def with_row_added(rows: list[list[str]]) -> list[list[str]]:
    """Append a copy of the last row (a sensible value to edit), up to MAX_BATCH rows."""
    if len(rows) >= MAX_BATCH:
        return [list(r) for r in rows]
    return [list(r) for r in rows] + [list(rows[-1])]


def with_row_removed(rows: list[list[str]]) -> list[list[str]]:
    """Drop the last row, keeping at least one (a batch of 1 is legal in eval mode)."""
    return [list(r) for r in rows[: max(1, len(rows) - 1)]]


def with_feature_added(rows: list[list[str]]) -> list[list[str]]:
    """Append a feature column of zeros, up to MAX_FEATURES columns."""
    if len(rows[0]) >= MAX_FEATURES:
        return [list(r) for r in rows]
    return [list(r) + ["0"] for r in rows]


def with_feature_removed(rows: list[list[str]]) -> list[list[str]]:
    """Drop the last feature column, keeping at least one."""
    return [list(r[: max(1, len(r) - 1)]) for r in rows]


def resized_vector(cells: list[str], length: int, fill: str) -> list[str]:
    """Per-feature cells cut or padded with ``fill`` to ``length`` (after a feature is added/removed)."""
    return list(cells[:length]) + [fill] * max(0, length - len(cells))


def apply_edits(
    rows: list[list[object]], edited_rows: dict, columns: list[str]
) -> list[list[object]]:
    """The base table with a data editor's ``edited_rows`` ({row: {column name: value}}) applied.

    Lets a button callback see the table as the student has edited it so far, without a rerun.
    Edits to unknown rows or columns (a stale editor state) are ignored.
    """
    out = [list(r) for r in rows]
    index = {name: j for j, name in enumerate(columns)}
    for i, changes in (edited_rows or {}).items():
        i = int(i)
        for name, value in changes.items():
            if 0 <= i < len(out) and name in index:
                out[i][index[name]] = value
    return out
