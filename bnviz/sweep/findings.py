"""What a sweep result shows, as numbers: every claim of the page's captions is computed here.

A cell (variant, grid value) is **stable** when all its runs are done, no run's training loss became
non-finite, and every seed's final test accuracy is at least ``STABLE_ACCURACY``. A run that neither
diverges nor learns (a saturated sigmoid net stuck near chance) is therefore not stable either.
For the learning-rate sweep the headline is each variant's **largest stable LR**; for the init sweep,
the inits each variant trains from. Accuracies are fractions in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.i18n import ENGLISH, Gettext
from bnviz.sweep.grid import SWEEPS
from bnviz.sweep.result import SweepResult
from bnviz.train.variants import VARIANTS

STABLE_ACCURACY = 0.9  # chance is 10%; 90% is a network that learned the digits, if slowly


@dataclass(frozen=True)
class Cell:
    """One (variant, value) of a sweep: ``runs`` done of ``seeds``, ``diverged`` of them; the mean,
    lowest and highest final accuracy over the runs that did not diverge (NaN if none did not)."""

    variant: str
    value: str
    seeds: int
    runs: int
    diverged: int
    mean: float
    low: float
    high: float
    stable: bool
    steps_to_90: float  # mean over the runs that reached 90% (NaN if none did)
    reached_90: int  # how many runs reached it


def cell(result: SweepResult, v: int, g: int) -> Cell:
    done, div = result.done[v, g], result.diverged[v, g]
    acc = result.final_accuracy[v, g][done & ~div]
    reach = result.steps_to()[v, g][done]
    reach = reach[reach >= 0]
    stable = bool(done.all() and not div.any() and (acc >= STABLE_ACCURACY).all())
    nan = float("nan")
    return Cell(
        variant=result.variants[v],
        value=result.values[g],
        seeds=len(result.seeds),
        runs=int(done.sum()),
        diverged=int(div.sum()),
        mean=float(acc.mean()) if acc.size else nan,
        low=float(acc.min()) if acc.size else nan,
        high=float(acc.max()) if acc.size else nan,
        stable=stable,
        steps_to_90=float(reach.mean()) if reach.size else nan,
        reached_90=int(reach.size),
    )


def cells(result: SweepResult) -> list[list[Cell]]:
    """``cells[v][g]`` for every variant and value."""
    return [
        [cell(result, v, g) for g in range(len(result.values))] for v in range(len(result.variants))
    ]


def numeric_order(result: SweepResult) -> list[int]:
    """Indices of the grid values that are numbers, smallest first (named inits are left out)."""
    numeric = []
    for g, value in enumerate(result.values):
        try:
            numeric.append((float(value), g))
        except ValueError:
            continue
    return [g for _, g in sorted(numeric)]


def largest_stable(result: SweepResult, variant: str) -> str | None:
    """The largest numeric grid value at which ``variant`` is stable, or None."""
    v = result.variants.index(variant)
    stable = [g for g in numeric_order(result) if cell(result, v, g).stable]
    return result.values[stable[-1]] if stable else None


def stable_values(result: SweepResult, variant: str) -> list[str]:
    """Every grid value (grid order) at which ``variant`` is stable."""
    v = result.variants.index(variant)
    return [x for g, x in enumerate(result.values) if cell(result, v, g).stable]


def label(variant: str, _: Gettext = ENGLISH) -> str:
    """A variant's label in ``_``'s language (its name if the registry has no such variant)."""
    entry = VARIANTS.get(variant)
    return _(entry.label) if entry is not None else variant


def summary(result: SweepResult, _: Gettext = ENGLISH) -> str:
    """The terminal's one-line verdict, e.g. ``largest stable LR: without BN 1, with BN 10 (all 3
    seeds: no divergence, final test accuracy >= 90%)``, in ``_``'s language."""
    numbers = {"seeds": len(result.seeds), "bar": f"{STABLE_ACCURACY:.0%}"}
    none, sweep, part = _("none"), SWEEPS[result.sweep], _("{label} {value}")
    if result.sweep == "lr":
        parts = [
            part.format(label=label(v, _), value=largest_stable(result, v) or none)
            for v in result.variants
        ]
        return _(
            "largest stable LR: {parts} (all {seeds} seeds: no divergence, final test accuracy "
            ">= {bar})"
        ).format(parts=", ".join(parts), **numbers)
    parts = []
    for v in result.variants:
        ok = [sweep.label(x, _) for x in stable_values(result, v)]
        parts.append(part.format(label=label(v, _), value=", ".join(ok) if ok else none))
    return _(
        "stable inits: {parts} (all {seeds} seeds: no divergence, final test accuracy >= {bar})"
    ).format(parts="; ".join(parts), **numbers)


def ratio(result: SweepResult, variant: str = "bn", baseline: str = "plain") -> float | None:
    """How many times larger ``variant``'s largest stable value is than ``baseline``'s (None when
    either has none, or the result lacks either variant)."""
    if variant not in result.variants or baseline not in result.variants:
        return None
    a, b = largest_stable(result, variant), largest_stable(result, baseline)
    if a is None or b is None:
        return None
    return float(a) / float(b)


def mean_accuracy(result: SweepResult) -> np.ndarray:
    """``# (V, G)`` mean final accuracy over the runs that finished without diverging (NaN: none)."""
    return np.array([[c.mean for c in row] for row in cells(result)])
