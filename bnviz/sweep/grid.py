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

import dataclasses
import math
from dataclasses import dataclass

from bnviz.config import RunConfig, summary_parts
from bnviz.i18n import ENGLISH, N_, Gettext, UserError
from bnviz.train.variants import TWINS, VARIANTS

UNKNOWN_SWEEP = N_("Unknown sweep '{sweep}'; choose one of: {names}.")
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
    title: str  # the axis title (an English msgid)
    values: tuple[str, ...]

    def config(self, value: str, **changes) -> RunConfig:
        """``RunConfig()`` with grid ``value`` applied (and ``changes``, e.g. ``seed``);
        ValueError with a sentence if ``value`` is not a value of this sweep."""
        return RunConfig(**changes, **self._fields(value))

    def _fields(self, value: str) -> dict:
        if self.name == "lr":
            return {"lr": _number(value, N_("'{text}' is not a learning rate."))}
        if value in ("xavier", "he"):
            return {"init": value}
        if value == "gaussian":
            raise UserError(N_("Give the Gaussian init as its std, e.g. 0.05."))
        return {
            "init": "gaussian",
            "init_std": _number(value, N_("'{text}' is not an init std (or xavier, he).")),
        }

    def fixed(self, dataset: str = "mnist", _: Gettext = ENGLISH, code: bool = False) -> str:
        """One line on what stays fixed while this sweep varies its field, e.g. ``mnist · 3×100
        sigmoid · gaussian σ=0.05 · sgd lr varied · batch 60``, in ``_``'s language (``code``:
        names in backticks). Built from ``RunConfig``'s defaults without loading torch."""
        base = {f.name: f.default for f in dataclasses.fields(RunConfig)} | {"dataset": dataset}
        parts = summary_parts(base, _, code)
        del parts["seed"]
        if self.name == "lr":
            optimizer = f"`{base['optimizer']}`" if code else base["optimizer"]
            parts["optimizer"] = _("{optimizer} lr varied").format(optimizer=optimizer)
        else:
            parts["init"] = _("init varied")
        return " · ".join(parts.values())

    def label(self, value: str, _: Gettext = ENGLISH) -> str:
        """How a value reads in a sentence: ``"LR 0.3"``, ``"std 0.1"``, ``"Xavier"``."""
        if self.name == "lr":
            return _("LR {value}").format(value=value)
        return INIT_NAMES.get(value) or _("std {value}").format(value=value)

    def tick(self, value: str) -> str:
        """How a value reads on an axis whose title names the sweep: ``"0.3"``, ``"Xavier"``."""
        return INIT_NAMES.get(value, value)


INIT_NAMES = {"xavier": "Xavier", "he": "He"}  # named inits: proper names in every language
SWEEPS: dict[str, Sweep] = {
    "lr": Sweep(
        "lr",
        N_("Learning rate (plain SGD)"),
        ("0.01", "0.03", "0.1", "0.3", "1", "3", "10", "30", "100"),
    ),
    "init": Sweep(
        "init",
        N_("Initial weights"),
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
        raise UserError(UNKNOWN_SWEEP, sweep=sweep, names=", ".join(SWEEPS))
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise UserError(
            N_("Choose between 1 and {max} seeds, got {count}."), max=MAX_SEEDS, count=repr(seeds)
        )
    return Grid(
        sweep,
        _split(variants),
        SWEEPS[sweep].values if values is None else _split(values),
        tuple(range(first_seed, first_seed + seeds)),
        steps,
        dataset,
    )


def check(grid: Grid) -> None:
    """ValueError (a ``UserError``) with a sentence a student can act on if ``grid`` is not a
    sweep we run."""
    sweep = SWEEPS.get(grid.sweep)
    if sweep is None:
        raise UserError(UNKNOWN_SWEEP, sweep=grid.sweep, names=", ".join(SWEEPS))
    unknown = [v for v in grid.variants if v not in VARIANTS]
    if not grid.variants:
        raise UserError(N_("Name at least one variant among: {names}."), names=", ".join(VARIANTS))
    if unknown:
        raise UserError(
            N_("Unknown variant(s) {unknown}; choose among: {names}."),
            unknown=", ".join(unknown),
            names=", ".join(VARIANTS),
        )
    twice = {
        "variant": N_("Each variant may appear once, got {items}."),
        "value": N_("Each value may appear once, got {items}."),
        "seed": N_("Each seed may appear once, got {items}."),
    }
    for kind, items in (("variant", grid.variants), ("value", grid.values), ("seed", grid.seeds)):
        if len(set(items)) != len(items):
            raise UserError(twice[kind], items=", ".join(map(str, items)))
    if not 1 <= len(grid.values) <= MAX_VALUES:
        raise UserError(
            N_("Choose between 1 and {max} grid values, got {count}."),
            max=MAX_VALUES,
            count=len(grid.values),
        )
    if isinstance(grid.steps, bool) or not isinstance(grid.steps, int):
        raise UserError(
            N_("The number of steps must be a whole number, got {value}."), value=repr(grid.steps)
        )
    if not 1 <= grid.steps <= MAX_STEPS:
        raise UserError(
            N_("Choose between 1 and {max:,} steps per run, got {count:,}."),
            max=MAX_STEPS,
            count=grid.steps,
        )
    if grid.runs > MAX_RUNS:
        raise UserError(
            N_(
                "{runs:,} runs is more than the {max:,} a sweep may have: use fewer variants, "
                "values or seeds."
            ),
            runs=grid.runs,
            max=MAX_RUNS,
        )
    for value in grid.values:  # each value must make a valid config (range checks included)
        sweep.config(value, seed=grid.seeds[0], dataset=grid.dataset)


def _split(items: tuple[str, ...] | str) -> tuple[str, ...]:
    if isinstance(items, str):
        items = items.split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _number(text: str, not_a_number: str) -> float:
    """``text`` as a finite float, else a ``UserError`` from msgid ``not_a_number`` (``{text}``)."""
    try:
        value = float(text)
    except ValueError:
        raise UserError(not_a_number, text=text[:40]) from None
    if not math.isfinite(value):
        raise UserError(not_a_number, text=text[:40])
    return value
