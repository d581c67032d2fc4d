"""``BatchResult``: the batch sweep's numbers (``python -m bnviz.sweep batch``), and their files.

``V`` variants x ``G`` batch sizes x ``S`` seeds, each run trained on the same ``examples`` training
examples (``run_steps # (G,)`` steps at learning rate ``lr # (G,)``), then measured on the test set
cut into batches of its size (``bnviz.sweep.batch_measure``; ``n_used # (G,)`` test digits):

- ``train_accuracy``, ``infer_accuracy # (V, G, S)`` in [0, 1]: training mode (each test batch
  normalized with its own statistics) and inference mode (running averages), on the same digits;
  NaN if the run diverged or is not done;
- ``mean_noise``, ``var_noise # (V, G, S, L)``: the spread of BN's batch mean and variance around
  its running averages per hidden layer (NaN for variants without running averages);
- ``diverged_at # (V, G, S)`` int64, the step whose training loss was not finite, 0 if none;
- ``done # (V, G, S)`` bool.

``meta`` is a JSON-able dict saying how it was made. Files: ``save``/``load`` a compressed ``.npz``
(numpy only, no pickle); ``csv_text`` one row per run.
"""

from __future__ import annotations

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
    from bnviz.sweep.grid import Grid
    from bnviz.sweep.trial import RunOutcome

FORMAT_VERSION = 1
KIND = "batch"  # the file's "sweep" entry: a sweep result of another kind is refused
_PER_RUN = ("train_accuracy", "infer_accuracy", "diverged_at", "done")
_PER_LAYER = ("mean_noise", "var_noise")
_PER_VALUE = {"run_steps": np.int64, "lr": np.float64, "n_used": np.int64}


@dataclass(frozen=True)
class BatchResult(ShippedResult):
    variants: tuple[str, ...]  # (V,)
    values: tuple[str, ...]  # (G,) batch sizes as strings, e.g. "2"
    seeds: tuple[int, ...]  # (S,)
    examples: int  # training examples every run saw
    run_steps: np.ndarray  # (G,) int64
    lr: np.ndarray  # (G,) float64
    n_used: np.ndarray  # (G,) int64 test digits measured
    train_accuracy: np.ndarray  # (V, G, S) float64
    infer_accuracy: np.ndarray  # (V, G, S) float64
    mean_noise: np.ndarray  # (V, G, S, L) float64
    var_noise: np.ndarray  # (V, G, S, L) float64
    diverged_at: np.ndarray  # (V, G, S) int64
    done: np.ndarray  # (V, G, S) bool
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shape = (len(self.variants), len(self.values), len(self.seeds))
        if min(shape) < 1:
            raise ValueError("a batch sweep result needs at least one variant, batch size and seed")
        layers = np.shape(self.mean_noise)[-1] if np.ndim(self.mean_noise) == 4 else -1
        want = {
            "train_accuracy": (np.float64, shape),
            "infer_accuracy": (np.float64, shape),
            "mean_noise": (np.float64, (*shape, layers)),
            "var_noise": (np.float64, (*shape, layers)),
            "diverged_at": (np.int64, shape),
            "done": (np.bool_, shape),
            **{name: (dtype, shape[1:2]) for name, dtype in _PER_VALUE.items()},
        }
        for name, (dtype, expected) in want.items():
            value = np.array(getattr(self, name), dtype=dtype)
            if value.shape != expected:
                raise ValueError(f"{name} must have shape {expected}, got {value.shape}")
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "variants", tuple(str(v) for v in self.variants))
        object.__setattr__(self, "values", tuple(str(v) for v in self.values))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        object.__setattr__(self, "examples", int(self.examples))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    # -- reading --

    @property
    def batch_sizes(self) -> np.ndarray:
        """``# (G,)`` int64."""
        return np.array([int(v) for v in self.values], dtype=np.int64)

    @property
    def complete(self) -> bool:
        return bool(self.done.all())

    @property
    def runs_done(self) -> int:
        return int(self.done.sum())

    @property
    def gap(self) -> np.ndarray:
        """``# (V, G, S)`` training-mode minus inference-mode accuracy."""
        return self.train_accuracy - self.infer_accuracy

    # -- files --

    def save(self, path: str | Path) -> Path:
        arrays = {
            "format_version": np.int64(FORMAT_VERSION),
            "sweep": np.array(KIND),
            "variants": np.array(self.variants),
            "values": np.array(self.values),
            "seeds": np.asarray(self.seeds, np.int64),
            "examples": np.int64(self.examples),
            **{name: getattr(self, name) for name in (*_PER_VALUE, *_PER_RUN, *_PER_LAYER)},
        }
        return self._write(path, arrays)

    @classmethod
    def load(cls, path: str | Path) -> BatchResult:
        """Read a file written by :meth:`save`; ValueError if it is not one."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                version, kind = int(npz["format_version"]), str(npz["sweep"])
                if kind != KIND or version != FORMAT_VERSION:
                    raise ValueError(
                        f"{path} is a {kind} sweep result of format {version}, not a batch sweep "
                        f"of format {FORMAT_VERSION}; remake it with `python -m bnviz.sweep batch`."
                    )
                return cls(
                    variants=tuple(npz["variants"].tolist()),
                    values=tuple(npz["values"].tolist()),
                    seeds=tuple(npz["seeds"].tolist()),
                    examples=int(npz["examples"]),
                    **{k: npz[k] for k in (*_PER_VALUE, *_PER_RUN, *_PER_LAYER)},
                    meta=json.loads(str(npz["meta"])),
                )
        except KeyError as exc:
            raise ValueError(f"{path} is not a batch sweep result (missing {exc}).") from None

    def csv_text(self) -> str:
        """One row per run: variant, batch size, seed, examples, steps, LR, done, divergence step
        (0: none), test digits, both accuracies and their gap, then each layer's noise."""
        layers = self.mean_noise.shape[-1]
        head = ["sweep", "variant", "batch_size", "seed", "examples", "steps", "lr", "done"]
        head += ["diverged_at", "test_digits", "train_mode_accuracy", "inference_accuracy", "gap"]
        head += [f"mean_noise_layer{k + 1}" for k in range(layers)]
        head += [f"var_noise_layer{k + 1}" for k in range(layers)]
        out = io.StringIO()
        out.write(",".join(head) + "\n")
        for (v, g, s), _ in np.ndenumerate(self.done):
            i = (v, g, s)
            row = [KIND, self.variants[v], self.values[g], self.seeds[s], self.examples]
            row += [int(self.run_steps[g]), repr(float(self.lr[g])), int(self.done[i])]
            row += [int(self.diverged_at[i]), int(self.n_used[g])]
            row += [repr(float(a)) for a in (self.train_accuracy[i], self.infer_accuracy[i])]
            row += [repr(float(self.gap[i]))]
            row += [repr(float(a)) for a in (*self.mean_noise[i], *self.var_noise[i])]
            out.write(",".join(map(str, row)) + "\n")
        return out.getvalue()

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.csv_text(), encoding="utf-8")
        return path


def from_outcomes(
    grid: Grid, outcomes: Sequence[RunOutcome], meta: Mapping[str, Any] | None = None
) -> BatchResult:
    """The result of the batch sweep ``grid`` from the runs done so far (any order, any subset)."""
    from bnviz.config import RunConfig
    from bnviz.sweep.grid import SWEEPS

    shape = (len(grid.variants), len(grid.values), len(grid.seeds))
    layers = len(RunConfig().hidden)
    train, infer = np.full(shape, np.nan), np.full(shape, np.nan)
    mean_noise, var_noise = np.full((*shape, layers), np.nan), np.full((*shape, layers), np.nan)
    div, done = np.zeros(shape, np.int64), np.zeros(shape, bool)
    n_used = np.zeros(len(grid.values), np.int64)  # 0: no run of that batch size measured yet
    seconds = 0.0
    for o in outcomes:
        spec = o.spec
        i = (
            grid.variants.index(spec.variant),
            grid.values.index(spec.value),
            grid.seeds.index(spec.seed),
        )
        div[i], done[i] = o.diverged_at or 0, True
        if o.measure is not None:
            train[i], infer[i] = o.measure.train_accuracy, o.measure.infer_accuracy
            mean_noise[i], var_noise[i] = o.measure.mean_noise, o.measure.var_noise
            n_used[i[1]] = o.measure.n_used
        seconds += o.seconds
    made = {
        "dataset": grid.dataset,
        "summary": _summary(grid),
        "config": RunConfig(dataset=grid.dataset).to_query_params(),
        "varied": grid.sweep,
        "run_seconds": round(seconds, 2),
        **(meta or {}),
    }
    lr = [SWEEPS[grid.sweep].config(x).lr for x in grid.values]
    return BatchResult(
        grid.variants, grid.values, grid.seeds, grid.examples,
        [grid.run_steps(x) for x in grid.values], lr, n_used,
        train, infer, mean_noise, var_noise, div, done, made,
    )  # fmt: skip


def _summary(grid: Grid) -> str:
    from bnviz.sweep.grid import SWEEPS

    return f"{SWEEPS[grid.sweep].fixed(grid.dataset)} · {grid.examples:,} examples per run"
