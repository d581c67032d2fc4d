"""The sweeps, their grid values, and the run specs of a sweep: what to train, validated.

A sweep varies one thing of the paper's setup (``RunConfig()``) and keeps the rest:

- ``lr``: the learning rate of plain SGD, on a log grid (init: ``RunConfig``'s N(0, 0.05²));
- ``init``: the initial weights, a Gaussian of each std, or Xavier / He (``bnviz.train.inits``)
  (learning rate: ``RunConfig``'s 0.5);
- ``batch``: the batch size ``m``, every run seeing the same number of training *examples*
  (``Grid.examples``, so a batch of ``m`` takes ``examples // m`` steps), with the learning rate
  scaled with the batch, ``0.5 · m / 60`` (the linear scaling rule: the same examples and the same
  gradient noise scale ``lr / m`` at every ``m``, so SGD itself treats the batch sizes alike and
  what changes with ``m`` is how noisy each batch's statistics are). Wu & He (2018) compare batch
  norm and group norm across batch sizes the same way.

Grid values travel as strings (``"0.3"``, ``"xavier"``): they label heatmap columns, CSV rows and
``.npz`` arrays. A sweep is the product variants x values x seeds of independent short runs
(:class:`RunSpec`); variants are names of ``bnviz.train.variants.VARIANTS``, looked up when the sweep
is made, so a variant registered later is accepted without a change here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bnviz.config import RunConfig, check_field, summary_parts
from bnviz.i18n import ENGLISH, N_, Gettext, UserError
from bnviz.sweep.values import (
    batch_size,
    check_examples,
    parse_number,
    split_names,
)
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
PAPER_BATCH = 60  # the batch sweep scales RunConfig's LR (0.5 at the paper's batch) with m / 60
DEFAULT_EXAMPLES = 60_000  # the batch sweep: one epoch of MNIST per run (~40 s of one core over m)


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
        if self.name == "batch":
            m = batch_size(value)
            return {"batch_size": m, "lr": RunConfig().lr * m / PAPER_BATCH}
        if self.name == "lr":
            return {"lr": parse_number(value, N_("'{text}' is not a learning rate."))}
        if value in ("xavier", "he"):
            return {"init": value}
        if value == "gaussian":
            raise UserError(N_("Give the Gaussian init as its std, e.g. 0.05."))
        return {
            "init": "gaussian",
            "init_std": parse_number(value, N_("'{text}' is not an init std (or xavier, he).")),
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
        elif self.name == "batch":
            optimizer = f"`{base['optimizer']}`" if code else base["optimizer"]
            parts["optimizer"] = _("{optimizer} lr {lr:g}·m/{m}").format(
                optimizer=optimizer, lr=base["lr"], m=PAPER_BATCH
            )
            parts["batch"] = _("batch m varied")
        else:
            parts["init"] = _("init varied")
        return " · ".join(parts.values())

    def label(self, value: str, _: Gettext = ENGLISH) -> str:
        """How a value reads in a sentence: ``"LR 0.3"``, ``"std 0.1"``, ``"Xavier"``."""
        if self.name == "lr":
            return _("LR {value}").format(value=value)
        if self.name == "batch":
            return _("batch {value}").format(value=value)
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
    "batch": Sweep("batch", N_("Batch size m"), ("2", "4", "8", "16", "60", "256")),
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

    @property
    def eval_every(self) -> int:
        """Steps between test evaluations: ``EVAL_EVERY``; the batch sweep measures its runs at
        the end only (``bnviz.sweep.batch_measure``), so it evaluates there alone."""
        return self.steps if self.sweep == "batch" else min(EVAL_EVERY, self.steps)

    def config(self) -> RunConfig:
        """The run's config: evaluated every ``eval_every`` steps, recorded only at the end."""
        return SWEEPS[self.sweep].config(
            self.value,
            seed=self.seed,
            dataset=self.dataset,
            eval_every=self.eval_every,
            record_every=min(self.steps, 10_000),
        )


@dataclass(frozen=True)
class Grid:
    """A validated sweep: every (variant, value, seed) of it, in that nesting order. ``steps``: each
    run's (the batch sweep: of its longest run, ``examples // smallest m``); ``examples``: the batch
    sweep's training examples per run (0 for the other sweeps)."""

    sweep: str
    variants: tuple[str, ...]
    values: tuple[str, ...]
    seeds: tuple[int, ...]
    steps: int
    dataset: str = "mnist"
    examples: int = 0

    def __post_init__(self) -> None:
        check(self)

    def run_steps(self, value: str) -> int:
        """The steps of a run at grid ``value``: ``steps``, or ``examples // m`` (batch sweep)."""
        return self.examples // int(value) if self.sweep == "batch" else self.steps

    def specs(self) -> list[RunSpec]:
        return [
            RunSpec(self.sweep, v, x, s, self.run_steps(x), self.dataset)
            for v in self.variants
            for x in self.values
            for s in self.seeds
        ]

    @property
    def runs(self) -> int:
        return len(self.variants) * len(self.values) * len(self.seeds)

    @property
    def total_steps(self) -> int:
        """Training steps over every run (a live job's progress)."""
        per_seed = sum(self.run_steps(x) for x in self.values)
        return len(self.variants) * len(self.seeds) * per_seed


def make_grid(
    sweep: str,
    variants: tuple[str, ...] | str = TWINS,
    values: tuple[str, ...] | str | None = None,
    seeds: int = DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    first_seed: int = 0,
    dataset: str = "mnist",
    examples: int = DEFAULT_EXAMPLES,
) -> Grid:
    """A :class:`Grid` from what a user types: names and values as comma lists or tuples, ``seeds``
    as a count (seeds ``first_seed, first_seed + 1, ...``). The batch sweep takes ``examples`` (its
    runs' length) and ignores ``steps``; the others the reverse. ValueError with a sentence otherwise."""
    if sweep not in SWEEPS:
        raise UserError(UNKNOWN_SWEEP, sweep=sweep, names=", ".join(SWEEPS))
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise UserError(
            N_("Choose between 1 and {max} seeds, got {count}."), max=MAX_SEEDS, count=repr(seeds)
        )
    values = SWEEPS[sweep].values if values is None else split_names(values)
    if sweep == "batch":
        check_examples(examples)
        # a batch below 2 is refused by check() with RunConfig's sentence; no division by 0 first
        steps = examples // max(1, min((batch_size(x) for x in values), default=1))
    return Grid(
        sweep,
        split_names(variants),
        values,
        tuple(range(first_seed, first_seed + seeds)),
        steps,
        dataset,
        examples if sweep == "batch" else 0,
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
    if grid.sweep == "batch":
        check_examples(grid.examples)
        for value in grid.values:  # the range first: a batch of 0 would divide by 0 below
            if msg := check_field("batch_size", batch_size(value)):
                raise ValueError(msg)
        if short := [x for x in grid.values if grid.run_steps(x) < 1]:
            raise UserError(
                N_(
                    "{examples:,} training examples are fewer than one batch of {m}: let each "
                    "run see more examples, or use smaller batches."
                ),
                examples=grid.examples,
                m=short[0],
            )
        if grid.steps != max(grid.run_steps(x) for x in grid.values):
            raise ValueError("A batch sweep's steps are those of its longest run.")  # a code bug
    elif grid.examples:
        raise ValueError(f"The {grid.sweep} sweep counts steps, not examples.")  # a code bug
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
