"""An (N, C, H, W) tensor a student can read: its budget, validation, labels and text table.

N examples, C channels, an H × W grid of positions per channel: the layout of
``torch.nn.BatchNorm2d``, ``LayerNorm([C, H, W])``, ``InstanceNorm2d`` and ``GroupNorm``. A
(batch, features) table, as an MLP sees it, is the same tensor with H = W = 1.

The page edits the tensor as a text table: one row per (example, channel), one column per position
(h, w), in row-major order (w fastest, as ``x[n, c].reshape(-1)``). Contracts:

- ``validate_shape(shape)`` -> (N, C, H, W) ints within ``MAX_SIDE`` per side and ``MAX_VALUES`` in all.
- ``validate_nchw(x)`` -> float64 copy (N, C, H, W); a 2-D (batch, features) input becomes
  (batch, features, 1, 1). Every failure is a ``ValueError`` with a sentence that says what to fix.
- ``to_rows`` / ``parse_rows`` turn a tensor into the text table and back, ``parse_channels`` a
  per-channel row (gamma, beta); ``random_nchw`` makes an example tensor and ``resized_rows``
  reshapes a table without touching the cells a student kept.
- Every ``ValueError`` is a ``bnviz.i18n.UserError`` (``str()`` English, ``render(_)`` translated);
  labels take a translator ``_`` (English by default).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bnviz.arith.number_format import typed_number
from bnviz.arith.tensor_input import parse_number
from bnviz.i18n import ENGLISH, N_, Gettext, Message, UserError

MAX_SIDE = 8  # per side: one channel's H × W grid still fits a table row on a screen
MAX_VALUES = 256  # in all: every value is drawn as a labelled cell, and a sum is written out
AXES = ("N", "C", "H", "W")


def validate_shape(shape: Sequence[object]) -> tuple[int, int, int, int]:
    """(N, C, H, W) as ints, each 1..MAX_SIDE, at most MAX_VALUES values in all."""
    if len(shape) != 4:
        raise UserError(
            N_("The shape has {sides} sides, but an image batch has 4: (N, C, H, W)."),
            sides=len(shape),
        )
    sides = []
    for name, side in zip(AXES, shape, strict=True):
        try:
            whole = not isinstance(side, bool) and float(side).is_integer()
        except (TypeError, ValueError, OverflowError):
            whole = False
        if not whole:
            raise UserError(
                N_("{name} is {side!r}, but it must be a whole number from 1 to {max_side}."),
                name=name,
                side=side,
                max_side=MAX_SIDE,
            )
        side = int(float(side))
        if not 1 <= side <= MAX_SIDE:
            raise UserError(
                N_("{name} is {side}, but it must lie between 1 and {max_side}."),
                name=name,
                side=side,
                max_side=MAX_SIDE,
            )
        sides.append(side)
    n, c, h, w = sides
    if n * c * h * w > MAX_VALUES:
        raise UserError(
            N_(
                "{n} × {c} × {h} × {w} is {size} values, more than the {budget} this page can "
                "draw and write out: make one of N, C, H, W smaller."
            ),
            n=n,
            c=c,
            h=h,
            w=w,
            size=n * c * h * w,
            budget=MAX_VALUES,
        )
    return n, c, h, w


def validate_nchw(x: object) -> np.ndarray:
    """x -> float64 copy (N, C, H, W), finite and within budget; (batch, features) -> (N, C, 1, 1)."""
    try:
        x = np.array(x, dtype=np.float64)  # copies: callers' arrays are never aliased
    except (TypeError, ValueError):
        raise UserError(
            N_(
                "x must be a tensor of numbers (N, C, H, W): check that every cell holds a "
                "number and every row has the same length."
            )
        ) from None
    if x.ndim == 2:
        x = x[:, :, None, None]  # (batch, features) -> (N, C, 1, 1): one position per channel
    if x.ndim != 4:
        raise UserError(
            N_(
                "x has {ndim} dimension(s), but this page needs 4, (N, C, H, W), or 2, "
                "(batch, features)."
            ),
            ndim=x.ndim,
        )
    if x.size == 0:
        raise UserError(N_("The tensor is empty: every one of N, C, H, W must be at least 1."))
    validate_shape(x.shape)
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        n, c, h, w = bad[0]
        raise UserError(
            N_(
                "The value at {where} is {value}: normalization needs finite numbers, so replace it."
            ),
            where=element_label((n, c, h, w)),
            value=x[n, c, h, w],
        )
    return x


# --- labels (1-based, as a student counts) ------------------------------------------------------


def element_label(index: Sequence[int]) -> Message:
    """(n, c, h, w), 0-based -> "example 1, channel 2, position (1, 3)" (a ``Message``: English
    as a ``str``, ``render(_)`` in another language)."""
    n, c, h, w = (int(i) + 1 for i in index)
    where = N_("example {n}, channel {c}, position ({h}, {w})")
    return Message(where, {"n": n, "c": c, "h": h, "w": w})


def channel_label(c: int, _: Gettext = ENGLISH) -> str:
    """Channel ``c`` (0-based) -> "channel 1"."""
    return _("channel {c}").format(c=c + 1)


def row_labels(n: int, c: int, _: Gettext = ENGLISH) -> list[str]:
    """The text table's rows: "example 1 · channel 1", "example 1 · channel 2", ..."""
    row = _("example {n} · channel {c}")
    return [row.format(n=i + 1, c=j + 1) for i in range(n) for j in range(c)]


def position_labels(h: int, w: int) -> list[str]:
    """The text table's columns: the positions "(1, 1)", "(1, 2)", ... as (h, w), w fastest."""
    return [f"({i + 1}, {j + 1})" for i in range(h) for j in range(w)]


# --- the text table ------------------------------------------------------------------------------


def to_rows(x: np.ndarray) -> list[list[str]]:
    """(N, C, H, W) -> text table (N·C rows, H·W columns), each cell as a student would type it."""
    n, c, h, w = x.shape
    return [[typed_number(v) for v in row] for row in np.asarray(x).reshape(n * c, h * w)]


def parse_rows(rows: Sequence[Sequence[object]], shape: Sequence[int]) -> np.ndarray:
    """Text table -> float64 (N, C, H, W) of ``shape``; a ValueError names the cell to fix."""
    n, c, h, w = validate_shape(shape)
    rows = [list(r) for r in rows]
    if len(rows) != n * c or any(len(r) != h * w for r in rows):
        widths = sorted({len(r) for r in rows})
        raise UserError(
            N_(
                "The table arrived with {rows} rows of {widths} cells, but {n} × {c} × {h} × {w} "
                "needs {needed} rows (example, channel) of {positions} positions: change the "
                "shape with the N, C, H, W controls."
            ),
            rows=len(rows),
            widths=widths,
            n=n,
            c=c,
            h=h,
            w=w,
            needed=n * c,
            positions=h * w,
        )
    values = [
        [
            parse_number(cell, element_label((k // c, k % c, p // w, p % w)))
            for p, cell in enumerate(row)
        ]
        for k, row in enumerate(rows)
    ]
    return np.array(values, dtype=np.float64).reshape(n, c, h, w)


def random_nchw(shape: Sequence[int], seed: int) -> np.ndarray:
    """A random tensor rounded to 4 decimals, with its own offset and scale per example and per
    channel, so that which axis a norm averages over visibly changes the numbers."""
    n, c, h, w = validate_shape(shape)
    rng = np.random.default_rng(seed)
    offset = rng.uniform(-2.0, 2.0, size=(n, 1, 1, 1)) + rng.uniform(-2.0, 2.0, size=(1, c, 1, 1))
    scale = rng.uniform(0.3, 3.0, size=(1, c, 1, 1))
    return np.round(offset + scale * rng.standard_normal((n, c, h, w)), 4)


def resized_rows(
    rows: Sequence[Sequence[object]], shape: Sequence[int], new_shape: Sequence[int], seed: int
) -> list[list[object]]:
    """The text table ``rows`` of ``shape`` cut or grown to ``new_shape``: cells at indices both
    shapes have are kept as typed (even if not yet a number), new ones are ``random_nchw``'s."""
    old = np.array([list(r) for r in rows], dtype=object).reshape(validate_shape(shape))
    new_shape = validate_shape(new_shape)
    out = np.array(to_rows(random_nchw(new_shape, seed)), dtype=object).reshape(new_shape)
    common = tuple(slice(0, min(a, b)) for a, b in zip(old.shape, new_shape, strict=True))
    out[common] = old[common]
    n, c, h, w = new_shape
    return out.reshape(n * c, h * w).tolist()


def parse_channels(cells: Sequence[object], name: str, channels: int) -> np.ndarray:
    """One number per channel (gamma, beta) -> float64 (channels,); a ValueError names the cell."""
    cells = list(cells)
    if len(cells) != channels:
        raise UserError(
            N_(
                "{name} has {count} values but the tensor has {channels} channels: give one "
                "{name} per channel."
            ),
            name=name,
            count=len(cells),
            channels=channels,
        )
    where = N_("{name}, channel {c}")
    return np.array(
        [
            parse_number(cell, Message(where, {"name": name, "c": j + 1}))
            for j, cell in enumerate(cells)
        ],
        dtype=np.float64,
    )
