"""``SweepResult``: the numbers of every run of a sweep, and their files.

A result of ``V`` variants x ``G`` grid values x ``S`` seeds, each run evaluated at the same ``n``
steps ``steps # (n,)`` (step 0 first; ``total_steps`` is each run's planned length):

- ``curves # (V, G, S, n)`` test accuracy in [0, 1] on the 2,000 held-out eval digits, inference
  mode (NaN after a divergence, and for runs not done yet);
- ``final_accuracy # (V, G, S)`` on all 10,000 test digits at the end (NaN if diverged or not done);
- ``diverged_at # (V, G, S)`` int64, the step whose training loss was not finite, 0 if none;
- ``done # (V, G, S)`` bool, the run has finished (a live sweep in progress has some not done).

``meta`` is a JSON-able dict saying how it was made. Files: ``save``/``load`` a compressed ``.npz``
(numpy only, no pickle); ``csv_text``/``from_csv`` one row per run, a lossless round trip.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from bnviz.shipped import ShippedResult

if TYPE_CHECKING:
    from bnviz.sweep.batch_result import BatchResult
    from bnviz.sweep.grid import Grid
    from bnviz.sweep.trial import RunOutcome

DATA = Path(__file__).parents[1] / "data"
FORMAT_VERSION = 1
REACH = 0.9  # "steps to 90%": the first evaluation at which a run's test accuracy reaches this
REACH_SLACK = 1e-6  # far below one digit of 2,000 (5e-4), far above float32 rounding (~3e-8)


def result_path(sweep: str) -> Path:
    """The page's precomputed result of ``sweep``: ``bnviz/data/sweep_<sweep>.npz``."""
    return DATA / f"sweep_{sweep}.npz"


@dataclass(frozen=True)
class SweepResult(ShippedResult):
    sweep: str  # "lr" or "init" (bnviz.sweep.grid.SWEEPS)
    variants: tuple[str, ...]  # (V,)
    values: tuple[str, ...]  # (G,) grid values as strings
    seeds: tuple[int, ...]  # (S,)
    steps: np.ndarray  # (n,) int64 evaluation steps
    total_steps: int  # steps per run
    curves: np.ndarray  # (V, G, S, n) float64
    final_accuracy: np.ndarray  # (V, G, S) float64
    diverged_at: np.ndarray  # (V, G, S) int64, 0: did not diverge
    done: np.ndarray  # (V, G, S) bool
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shape = (len(self.variants), len(self.values), len(self.seeds))
        if min(shape) < 1:
            raise ValueError("a sweep result needs at least one variant, value and seed")
        arrays = {
            "curves": (np.float64, (*shape, len(self.steps))),
            "final_accuracy": (np.float64, shape),
            "diverged_at": (np.int64, shape),
            "done": (np.bool_, shape),
        }
        for name, (dtype, want) in arrays.items():
            value = np.asarray(getattr(self, name), dtype=dtype)
            if value.shape != want:
                raise ValueError(f"{name} must have shape {want}, got {value.shape}")
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        steps = np.asarray(self.steps, dtype=np.int64)
        steps.setflags(write=False)
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "variants", tuple(str(v) for v in self.variants))
        object.__setattr__(self, "values", tuple(str(v) for v in self.values))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    # -- reading --

    @property
    def complete(self) -> bool:
        return bool(self.done.all())

    @property
    def runs_done(self) -> int:
        return int(self.done.sum())

    @property
    def diverged(self) -> np.ndarray:
        """``# (V, G, S)`` bool: the run's loss became non-finite."""
        return self.diverged_at > 0

    def steps_to(self, target: float = REACH) -> np.ndarray:
        """``# (V, G, S)`` int64: the first evaluation step at which each run's test accuracy
        reaches ``target``; -1 if it never does (or has not yet)."""
        # An accuracy is a whole number of digits over the eval set's size; a file that stored it
        # as float32 reads 0.9 back as 0.89999998: a millionth of slack keeps "reached" the same.
        reached = np.nan_to_num(self.curves, nan=-1.0) >= target - REACH_SLACK
        first = np.argmax(reached, axis=-1)
        return np.where(reached.any(axis=-1), self.steps[first], -1)

    def at(self, variant: str, value: str) -> tuple[int, int]:
        """Indices ``(v, g)`` of a cell; ValueError if the result has no such variant or value."""
        if variant not in self.variants or value not in self.values:
            raise ValueError(f"This sweep has no run of {variant!r} at {value!r}.")
        return self.variants.index(variant), self.values.index(value)

    # -- files --

    def save(self, path: str | Path) -> Path:
        arrays = {
            "format_version": np.int64(FORMAT_VERSION),
            "sweep": np.array(self.sweep),
            "variants": np.array(self.variants),
            "values": np.array(self.values),
            "seeds": np.asarray(self.seeds, np.int64),
            "steps": self.steps,
            "total_steps": np.int64(self.total_steps),
            "curves": self.curves,
            "final_accuracy": self.final_accuracy,
            "diverged_at": self.diverged_at,
            "done": self.done,
        }
        return self._write(path, arrays)

    @classmethod
    def load(cls, path: str | Path) -> SweepResult:
        """Read a file written by :meth:`save`; ValueError if it is not one."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                version = int(npz["format_version"])
                if version != FORMAT_VERSION:
                    raise ValueError(
                        f"{path} is a sweep result of format {version}, this bnviz reads format "
                        f"{FORMAT_VERSION}; remake it with `python -m bnviz.sweep`."
                    )
                return cls(
                    sweep=str(npz["sweep"]),
                    variants=tuple(npz["variants"].tolist()),
                    values=tuple(npz["values"].tolist()),
                    seeds=tuple(npz["seeds"].tolist()),
                    steps=npz["steps"],
                    total_steps=int(npz["total_steps"]),
                    curves=npz["curves"],
                    final_accuracy=npz["final_accuracy"],
                    diverged_at=npz["diverged_at"],
                    done=npz["done"],
                    meta=json.loads(str(npz["meta"])),
                )
        except KeyError as exc:
            raise ValueError(f"{path} is not a sweep result (missing {exc}).") from None

    def csv_text(self) -> str:
        """One row per run: sweep, variant, value, seed, steps, done, final accuracy, divergence
        step (0: none), steps to 90% (-1: never), then the accuracy at each evaluation step."""
        out = io.StringIO()
        head = ["sweep", "variant", "value", "seed", "steps", "done", "final_test_accuracy"]
        head += ["diverged_at", "steps_to_90"] + [f"acc_step_{int(s)}" for s in self.steps]
        out.write(",".join(head) + "\n")
        reach = self.steps_to(REACH)
        for (v, g, s), _ in np.ndenumerate(self.done):
            row = [self.sweep, self.variants[v], self.values[g], self.seeds[s], self.total_steps]
            row += [int(self.done[v, g, s]), repr(float(self.final_accuracy[v, g, s]))]
            row += [int(self.diverged_at[v, g, s]), int(reach[v, g, s])]
            row += [repr(float(a)) for a in self.curves[v, g, s]]
            out.write(",".join(map(str, row)) + "\n")
        return out.getvalue()

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.csv_text(), encoding="utf-8")
        return path

    @classmethod
    def from_csv(cls, text: str, meta: Mapping[str, Any] | None = None) -> SweepResult:
        """The result :meth:`csv_text` wrote (``meta`` is not in the CSV)."""
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows:
            raise ValueError("The CSV has no runs.")
        acc_cols = [c for c in rows[0] if c.startswith("acc_step_")]
        first = lambda key: tuple(dict.fromkeys(r[key] for r in rows))  # noqa: E731 (in order)
        variants, values = first("variant"), first("value")
        seeds = tuple(int(s) for s in first("seed"))
        shape = (len(variants), len(values), len(seeds))
        curves = np.full((*shape, len(acc_cols)), np.nan)
        final, div, done = np.full(shape, np.nan), np.zeros(shape, np.int64), np.zeros(shape, bool)
        for r in rows:
            i = variants.index(r["variant"]), values.index(r["value"]), seeds.index(int(r["seed"]))
            curves[i] = [float(r[c]) for c in acc_cols]
            final[i], div[i], done[i] = (
                float(r["final_test_accuracy"]),
                int(r["diverged_at"]),
                bool(int(r["done"])),
            )
        return cls(
            sweep=rows[0]["sweep"],
            variants=variants,
            values=values,
            seeds=seeds,
            steps=np.array([int(c.removeprefix("acc_step_")) for c in acc_cols], np.int64),
            total_steps=int(rows[0]["steps"]),
            curves=curves,
            final_accuracy=final,
            diverged_at=div,
            done=done,
            meta=meta or {},
        )


def from_outcomes(
    grid: Grid, outcomes: Sequence[RunOutcome], meta: Mapping[str, Any] | None = None
) -> SweepResult | BatchResult:
    """The result of ``grid`` from the runs done so far (``outcomes``, any order, any subset); the
    batch sweep's is a :class:`bnviz.sweep.batch_result.BatchResult`."""
    if grid.sweep == "batch":
        from bnviz.sweep import batch_result

        return batch_result.from_outcomes(grid, outcomes, meta)
    from bnviz.config import RunConfig
    from bnviz.sweep.grid import SWEEPS
    from bnviz.sweep.trial import eval_steps

    steps = eval_steps(grid.steps)
    shape = (len(grid.variants), len(grid.values), len(grid.seeds))
    curves = np.full((*shape, len(steps)), np.nan)
    final, div, done = np.full(shape, np.nan), np.zeros(shape, np.int64), np.zeros(shape, bool)
    seconds = 0.0
    for o in outcomes:
        spec = o.spec
        i = (
            grid.variants.index(spec.variant),
            grid.values.index(spec.value),
            grid.seeds.index(spec.seed),
        )
        curves[i], final[i], div[i], done[i] = o.curve, o.final_accuracy, o.diverged_at or 0, True
        seconds += o.seconds
    sweep = SWEEPS[grid.sweep]
    made = {
        "dataset": grid.dataset,
        "summary": sweep.fixed(grid.dataset),
        "config": RunConfig(dataset=grid.dataset).to_query_params(),
        "varied": grid.sweep,
        "run_seconds": round(seconds, 2),
        **(meta or {}),
    }
    return SweepResult(
        grid.sweep, grid.variants, grid.values, grid.seeds, steps, grid.steps,
        curves, final, div, done, made,
    )  # fmt: skip
