"""The two sweeps, their grid values, and the run specs of a sweep: what to train, validated.

A sweep varies one thing of the paper's setup (``RunConfig()``) and keeps the rest:

- ``lr``: the learning rate of plain SGD, on a log grid (init: ``RunConfig``'s N(0, 0.05²));
- ``init``: the initial weights, a Gaussian of each std, or Xavier / He (``bnviz.train.inits``)
  (learning rate: ``RunConfig``'s 0.5).

Grid values travel as strings (``"0.3"``, ``"xavier"``): they label heatmap columns, CSV rows and
``.npz`` arrays. A sweep is the product variants x values x seeds of independent short runs
(:class:`RunSpec`); variants are names of ``bnviz.train.variants.VARIANTS``, looked up when the sweep
is made, so a variant registered later is accepted without a change here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bnviz.config import RunConfig
from bnviz.train.variants import TWINS, VARIANTS

MAX_VALUES = 12  # grid values per sweep
MAX_SEEDS = 20
MAX_RUNS = 1_000  # variants x values x seeds: a bound on any sweep a CLI or a page may start
MAX_STEPS = 100_000  # per run; a sweep is many short runs
DEFAULT_STEPS = 3_000  # per run: past the plain net's plateau at a good LR, ~3.5 s of one core
DEFAULT_SEEDS = 3  # the least that shows a spread at all
EVAL_EVERY = 100  # steps between test evaluations: the resolution of "steps to 90%"
EVAL_SIZE = 2_000  # held-out test digits behind each evaluation: ±0.7% standard error near 90%


@dataclass(frozen=True)
class Sweep:
    """One sweep: ``values`` (the default grid, as strings) applied to ``RunConfig()`` by
    :meth:`config`. (Building a ``RunConfig`` checks its registries, which load torch: a page that
    only reads a shipped result never does.)"""

    name: str
    title: str  # the axis title
    values: tuple[str, ...]

    def config(self, value: str, **changes) -> RunConfig:
        """``RunConfig()`` with grid ``value`` applied (and ``changes``, e.g. ``seed``);
        ValueError with a sentence if ``value`` is not a value of this sweep."""
        return RunConfig(**changes, **self._fields(value))

    def _fields(self, value: str) -> dict:
        if self.name == "lr":
            return {"lr": _number(value, "learning rate")}
        if value in ("xavier", "he"):
            return {"init": value}
        if value == "gaussian":
            raise ValueError("Give the Gaussian init as its std, e.g. 0.05.")
        return {"init": "gaussian", "init_std": _number(value, "init std (or xavier, he)")}

    def fixed(self, dataset: str = "mnist") -> str:
        """One line on what stays fixed while this sweep varies its field, e.g. ``mnist · 3×100
        sigmoid · gaussian σ=0.05 · sgd lr varied · batch 60``."""
        base = RunConfig(dataset=dataset)
        text = base.summary().rsplit(" · seed", 1)[0]
        if self.name == "lr":
            return text.replace(f"lr {base.lr:g}", "lr varied")
        return text.replace(f"gaussian σ={base.init_std:g}", "init varied")

    def label(self, value: str) -> str:
        """How a value reads in a sentence: ``"LR 0.3"``, ``"std 0.1"``, ``"Xavier"``."""
        if self.name == "lr":
            return f"LR {value}"
        return {"xavier": "Xavier", "he": "He"}.get(value, f"std {value}")


SWEEPS: dict[str, Sweep] = {
    "lr": Sweep(
        "lr",
        "Learning rate (plain SGD)",
        ("0.01", "0.03", "0.1", "0.3", "1", "3", "10", "30", "100"),
    ),
    "init": Sweep(
        "init",
        "Initial weights",
        ("0.01", "0.03", "0.1", "0.3", "1", "xavier", "he"),
    ),
}


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: ``variant`` trained from ``sweep.config(value, seed=seed)``."""

    sweep: str
    variant: str
    value: str
    seed: int
    steps: int
    dataset: str = "mnist"

    def config(self) -> RunConfig:
        """The run's config: evaluated every ``EVAL_EVERY`` steps, recorded only at the end."""
        return SWEEPS[self.sweep].config(
            self.value,
            seed=self.seed,
            dataset=self.dataset,
            eval_every=min(EVAL_EVERY, self.steps),
            record_every=min(self.steps, 10_000),
        )


@dataclass(frozen=True)
class Grid:
    """A validated sweep: every (variant, value, seed) of it, in that nesting order."""

    sweep: str
    variants: tuple[str, ...]
    values: tuple[str, ...]
    seeds: tuple[int, ...]
    steps: int
    dataset: str = "mnist"

    def __post_init__(self) -> None:
        check(self)

    def specs(self) -> list[RunSpec]:
        return [
            RunSpec(self.sweep, v, x, s, self.steps, self.dataset)
            for v in self.variants
            for x in self.values
            for s in self.seeds
        ]

    @property
    def runs(self) -> int:
        return len(self.variants) * len(self.values) * len(self.seeds)


def make_grid(
    sweep: str,
    variants: tuple[str, ...] | str = TWINS,
    values: tuple[str, ...] | str | None = None,
    seeds: int = DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    first_seed: int = 0,
    dataset: str = "mnist",
) -> Grid:
    """A :class:`Grid` from what a user types: names and values as comma lists or tuples, ``seeds``
    as a count (seeds ``first_seed, first_seed + 1, ...``). ValueError with a sentence otherwise."""
    if sweep not in SWEEPS:
        raise ValueError(f"Unknown sweep '{sweep}'; choose one of: {', '.join(SWEEPS)}.")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise ValueError(f"Choose between 1 and {MAX_SEEDS} seeds, got {seeds!r}.")
    return Grid(
        sweep,
        _split(variants),
        SWEEPS[sweep].values if values is None else _split(values),
        tuple(range(first_seed, first_seed + seeds)),
        steps,
        dataset,
    )


def check(grid: Grid) -> None:
    """ValueError with a sentence a student can act on if ``grid`` is not a sweep we run."""
    sweep = SWEEPS.get(grid.sweep)
    if sweep is None:
        raise ValueError(f"Unknown sweep '{grid.sweep}'; choose one of: {', '.join(SWEEPS)}.")
    unknown = [v for v in grid.variants if v not in VARIANTS]
    if unknown or not grid.variants:
        raise ValueError(
            f"Unknown variant(s) {', '.join(unknown) or '(none given)'}; choose among: "
            f"{', '.join(VARIANTS)}."
        )
    for kind, items in (("variant", grid.variants), ("value", grid.values), ("seed", grid.seeds)):
        if len(set(items)) != len(items):
            raise ValueError(f"Each {kind} may appear once, got {', '.join(map(str, items))}.")
    if not 1 <= len(grid.values) <= MAX_VALUES:
        raise ValueError(f"Choose between 1 and {MAX_VALUES} grid values, got {len(grid.values)}.")
    if isinstance(grid.steps, bool) or not isinstance(grid.steps, int):
        raise ValueError(f"The number of steps must be a whole number, got {grid.steps!r}.")
    if not 1 <= grid.steps <= MAX_STEPS:
        raise ValueError(f"Choose between 1 and {MAX_STEPS:,} steps per run, got {grid.steps:,}.")
    if grid.runs > MAX_RUNS:
        raise ValueError(
            f"{grid.runs:,} runs is more than the {MAX_RUNS:,} a sweep may have: use fewer "
            "variants, values or seeds."
        )
    for value in grid.values:  # each value must make a valid config (range checks included)
        sweep.config(value, seed=grid.seeds[0], dataset=grid.dataset)


def _split(items: tuple[str, ...] | str) -> tuple[str, ...]:
    if isinstance(items, str):
        items = items.split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not a {what}.") from None
    if not math.isfinite(value):
        raise ValueError(f"'{text[:40]}' is not a {what}.")
    return value
