"""``ICSResult``: the three experiments of Santurkar et al. (2018), as small numpy arrays, and their files.

For each variant ``v`` in ``variants`` (plain, bn, noisy_bn) a result holds two tables.

**Records**, ``n`` of them at ``steps # (n,)`` (step 0 first), from the engine itself:

- ``accuracy[v] # (n,)`` test accuracy in [0, 1] on held-out digits (inference mode);
- ``bands[v] # (n, 3)`` the 15/50/85th percentiles (``quantiles``) of the input to the typical
  sigmoid ``unit`` of the last hidden layer, over the probe digits, as the layer sees them during
  training (BN with minibatch statistics, noisy BN with the last step's noise).

**Measurements**, ``m`` of them at ``measure_steps # (m,)``, each before that step's update, on its
minibatch (``bnviz.ics.gradient_change``, ``bnviz.ics.smoothness``):

- ``grad_diff[v]``, ``grad_norm[v]``, ``grad_cos[v] # (m, K)``: ``‖G − G'‖``, ``‖G‖`` and
  ``cos(G, G')`` of the hidden layers ``layers # (K,)`` (0-based; layer 0 has nothing below it);
- ``loss_variation[v] # (m,)``: ``max − min`` of ``L(θ − η g)`` over the step sizes ``etas # (e,)``;
- ``grad_change_min[v]``, ``grad_change_max[v] # (m,)``: the least and largest
  ``‖∇L(θ) − ∇L(θ − η g)‖`` over ``etas`` (gradient predictiveness);
- ``beta[v] # (m,)``: effective β-smoothness, ``max_η ‖∇L(θ) − ∇L(θ − η g)‖ / ‖η g‖``.

A variant that diverged has NaN from then on. ``total_steps`` is the planned length (a run in
progress has ``steps[-1] < total_steps``); ``meta`` a JSON-able dict of how it was made.

Files: ``save``/``load`` a compressed ``.npz`` (numpy only: no torch, no pickle; ``meta`` as JSON);
``records_csv``/``measurements_csv`` one row per record / measurement. The page reads the shipped
``RESULT_PATH`` without importing torch or training anything.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from bnviz.shipped import ShippedResult

# The page's precomputed result, in the package's data folder; made by `python -m bnviz.ics --ship`.
RESULT_PATH = Path(__file__).parents[1] / "data" / "ics.npz"
FORMAT_VERSION = 1
ICS_VARIANTS = (
    "plain",
    "bn",
    "noisy_bn",
)  # the paper's three: standard, BatchNorm, noisy BatchNorm
PERCENTILES = (
    15.0,
    50.0,
    85.0,
)  # the engine's band (bnviz.train.snapshot), repeated: no torch here

RECORD_SERIES = ("accuracy", "bands")
LAYER_SERIES = ("grad_diff", "grad_norm", "grad_cos")
SCALAR_SERIES = ("loss_variation", "grad_change_min", "grad_change_max", "beta")
SETTLE_SHARE = 10  # summaries leave out the first tenth of a run (ICSResult.settled)


@dataclass(frozen=True)
class ICSResult(ShippedResult):
    variants: tuple[str, ...]
    steps: np.ndarray  # (n,) int64
    accuracy: Mapping[str, np.ndarray]  # variant -> (n,)
    bands: Mapping[str, np.ndarray]  # variant -> (n, 3)
    unit: int  # the typical unit of the last hidden layer (the same index in every variant)
    measure_steps: np.ndarray  # (m,) int64
    layers: tuple[int, ...]  # (K,) hidden layers with a gradient change, 0-based
    etas: np.ndarray  # (e,) step sizes of the smoothness measurements
    grad_diff: Mapping[str, np.ndarray]  # variant -> (m, K)
    grad_norm: Mapping[str, np.ndarray]  # variant -> (m, K)
    grad_cos: Mapping[str, np.ndarray]  # variant -> (m, K)
    loss_variation: Mapping[str, np.ndarray]  # variant -> (m,)
    grad_change_min: Mapping[str, np.ndarray]  # variant -> (m,)
    grad_change_max: Mapping[str, np.ndarray]  # variant -> (m,)
    beta: Mapping[str, np.ndarray]  # variant -> (m,)
    total_steps: int
    quantiles: tuple[float, ...] = PERCENTILES
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, m, K = len(self.steps), len(self.measure_steps), len(self.layers)
        shapes = {
            "accuracy": (n,),
            "bands": (n, len(self.quantiles)),
            **{name: (m, K) for name in LAYER_SERIES},
            **{name: (m,) for name in SCALAR_SERIES},
        }
        for name, shape in shapes.items():
            series = getattr(self, name)
            for v in self.variants:
                if v not in series or np.shape(series[v]) != shape:
                    raise ValueError(f"{name}[{v!r}] must have shape {shape}")
            object.__setattr__(self, name, MappingProxyType(dict(series)))
        if self.total_steps < 1:
            raise ValueError("total_steps must be at least 1")
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    # -- reading --

    def final_accuracy(self, v: str) -> float:
        return float(self.accuracy[v][-1]) if len(self.steps) else float("nan")

    def steps_to(self, v: str, level: float) -> int | None:
        """The first recorded step at which ``v``'s test accuracy reached ``level``; None if never."""
        reached = np.flatnonzero(self.accuracy[v] >= level)
        return int(self.steps[reached[0]]) if reached.size else None

    def band_range(self, v: str) -> float:
        """How far the typical unit's band wanders over the run: the range (max − min over records)
        of each of its three percentiles, averaged. Step 0 is left out: noisy BN has drawn no noise
        yet."""
        p = self.bands[v][self.steps > 0]
        if len(p) == 0:
            return float("nan")
        return float(np.mean(np.nanmax(p, axis=0) - np.nanmin(p, axis=0)))

    def band_jump(self, v: str) -> float:
        """How much the band moves from one record to the next: the mean absolute change of its
        three percentiles between consecutive records (after step 0)."""
        p = self.bands[v][self.steps > 0]
        if len(p) < 2:
            return float("nan")
        return float(np.nanmean(np.abs(np.diff(p, axis=0))))

    def relative_grad_diff(self, v: str) -> np.ndarray:
        """``‖G − G'‖ / ‖G‖ # (m, K)``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.grad_diff[v] / self.grad_norm[v]

    @property
    def settled(self) -> int:
        """The first step of the part of the run that summaries describe: the first
        ``1 / SETTLE_SHARE`` of the planned run is left out. At the start the networks leave their
        initial state (the plain one may sit on a plateau), which a median over the whole run
        would mix with the training that follows; the page shows that part separately."""
        return self.total_steps // SETTLE_SHARE

    def median(
        self,
        series: str,
        v: str,
        layer: int | None = None,
        since: int = 0,
        until: int | None = None,
    ) -> float:
        """The median of a measured series over the measurements at steps in ``[since, until)``
        (``until`` None: to the end); ``"relative_grad_diff"`` is ``‖G − G'‖ / ‖G‖``. A per-layer
        series needs ``layer``, a hidden-layer index in ``layers``. NaNs are ignored; NaN when
        nothing is left."""
        if series == "relative_grad_diff":
            values = self.relative_grad_diff(v)
        else:
            values = getattr(self, series)[v]
        if values.ndim == 2:
            values = values[:, self.layers.index(layer)]
        steps = self.measure_steps
        keep = (steps >= since) & (
            steps < (until if until is not None else steps.max(initial=0) + 1)
        )
        values = values[keep]
        values = values[np.isfinite(values)]
        return float(np.median(values)) if values.size else float("nan")

    # -- files --

    def save(self, path: str | Path) -> Path:
        arrays = {
            "format_version": np.int64(FORMAT_VERSION),
            "variants": np.array(self.variants),
            "steps": np.asarray(self.steps, np.int64),
            "unit": np.int64(self.unit),
            "measure_steps": np.asarray(self.measure_steps, np.int64),
            "layers": np.asarray(self.layers, np.int64),
            "etas": np.asarray(self.etas, np.float64),
            "total_steps": np.int64(self.total_steps),
            "quantiles": np.asarray(self.quantiles, np.float64),
        }
        for name in (*RECORD_SERIES, *LAYER_SERIES, *SCALAR_SERIES):
            for v in self.variants:
                # float32: the curves need no more, and it halves the shipped file
                arrays[f"{name}__{v}"] = np.asarray(getattr(self, name)[v], np.float32)
        return self._write(path, arrays)

    @classmethod
    def load(cls, path: str | Path = RESULT_PATH) -> ICSResult:
        """Read a file written by :meth:`save`; ``ValueError`` if it is not one."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                if int(npz["format_version"]) != FORMAT_VERSION:
                    raise ValueError(f"{path}: unknown format version {int(npz['format_version'])}")
                variants = tuple(str(v) for v in npz["variants"])
                series = {
                    name: {v: npz[f"{name}__{v}"].astype(np.float64) for v in variants}
                    for name in (*RECORD_SERIES, *LAYER_SERIES, *SCALAR_SERIES)
                }
                return cls(
                    variants=variants,
                    steps=npz["steps"],
                    unit=int(npz["unit"]),
                    measure_steps=npz["measure_steps"],
                    layers=tuple(int(k) for k in npz["layers"]),
                    etas=npz["etas"],
                    total_steps=int(npz["total_steps"]),
                    quantiles=tuple(float(q) for q in npz["quantiles"]),
                    meta=json.loads(str(npz["meta"])),
                    **series,
                )
        except KeyError as exc:
            raise ValueError(f"{path} is not an ICS result (missing {exc}).") from None

    def records_csv(self) -> str:
        """One row per record: step, each variant's test accuracy, then each variant's band."""
        header = ["step"] + [f"test_accuracy_{v}" for v in self.variants]
        header += [f"{v}_p{q:g}" for v in self.variants for q in self.quantiles]
        columns = [self.accuracy[v] for v in self.variants]
        columns += [self.bands[v][:, j] for v in self.variants for j in range(len(self.quantiles))]
        return _csv(header, self.steps, columns)

    def measurements_csv(self) -> str:
        """One row per measurement: step, then per variant its gradient change per layer
        (``‖G − G'‖``, ``‖G‖``, cosine) and its smoothness (loss variation, least and largest
        gradient change along ``−g``, effective β). Layers are numbered from 1, as on the page."""
        header, columns = ["step"], []
        for v in self.variants:
            for j, k in enumerate(self.layers):
                for name, label in zip(LAYER_SERIES, ("G_diff", "G_norm", "G_cos"), strict=True):
                    header.append(f"{v}_layer{k + 1}_{label}")
                    columns.append(getattr(self, name)[v][:, j])
            for name in SCALAR_SERIES:
                header.append(f"{v}_{name}")
                columns.append(getattr(self, name)[v])
        return _csv(header, self.measure_steps, columns)


def _csv(header: list[str], steps: np.ndarray, columns: list[np.ndarray]) -> str:
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    for i, step in enumerate(steps):
        out.write(f"{int(step)}," + ",".join(f"{c[i]:.6g}" for c in columns) + "\n")
    return out.getvalue()
