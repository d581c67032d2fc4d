"""What a user types for a sweep, read as grid values: names, numbers, batch sizes, example counts.

Each reader returns the value or raises a ``UserError`` with a sentence a student can act on.
"""

from __future__ import annotations

import math

from bnviz.i18n import N_, UserError

MAX_EXAMPLES = 200_000  # the batch sweep's examples per run (batch 2: 100,000 steps)


def batch_size(text: str) -> int:
    """A batch-sweep value as a batch size; ValueError with a sentence if it is not a whole number
    (``RunConfig`` checks the range)."""
    try:
        return int(str(text).strip())
    except ValueError:
        raise UserError(
            N_("'{text}' is not a batch size: give a whole number such as 16."), text=str(text)[:40]
        ) from None


def check_examples(examples: object) -> None:
    """A batch sweep's training examples per run: a whole number from 1 to ``MAX_EXAMPLES``."""
    if isinstance(examples, bool) or not isinstance(examples, int):
        raise UserError(
            N_("The number of training examples must be a whole number, got {value}."),
            value=repr(examples)[:40],
        )
    if not 1 <= examples <= MAX_EXAMPLES:
        raise UserError(
            N_("Choose between 1 and {max:,} training examples per run, got {examples:,}."),
            max=MAX_EXAMPLES,
            examples=examples,
        )


def split_names(items: tuple[str, ...] | str) -> tuple[str, ...]:
    """``"plain, bn"`` or ``("plain", "bn")`` as ``("plain", "bn")``, blanks dropped."""
    if isinstance(items, str):
        items = items.split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def parse_number(text: str, not_a_number: str) -> float:
    """``text`` as a finite float, else a ``UserError`` from msgid ``not_a_number`` (``{text}``)."""
    try:
        value = float(text)
    except ValueError:
        raise UserError(not_a_number, text=text[:40]) from None
    if not math.isfinite(value):
        raise UserError(not_a_number, text=text[:40])
    return value
