"""``Figure1Result``: the curves of the paper's Figure 1 over one or more seeds, and their files.

A result holds ``s`` runs (one per seed, in ``seeds`` order) recorded at the same ``n`` steps
``steps # (n,)`` (step 0 first):

- ``accuracy[twin] # (s, n)`` test accuracy in [0, 1] on the held-out digits (panel a shows the
  mean over seeds and the min-max band);
- ``percentiles[twin] # (s, n, 3)`` the 15/50/85th percentiles (``quantiles``) of the input to the
  typical sigmoid ``units[k]`` of the last hidden layer, over the probe set, **as the layer sees it
  during training** (BN with each training-sized batch's own statistics; panels b, c show seed
  ``seeds[0]``);
- ``inference # (s, n, 3)`` the bn twin's same unit in inference mode (running averages): what the
  layer sees at test time (the plain twin has no such second view);

for ``twin`` in ``("plain", "bn")``, and ``total_steps``, each run's planned length (a partial result
of a run in progress has ``steps[-1] < total_steps``). The typical unit is drawn from each seed, so
it is a different unit in each run. ``meta`` is a JSON-able dict saying how it was made (config,
sizes, times, versions).

Files: ``save``/``load`` a compressed ``.npz`` (numpy only, no pickle; ``meta`` as a JSON string);
``csv_text``/``to_csv`` one row per (seed, record). The page reads the shipped ``RESULT_PATH`` with
numpy alone, so it shows the figure without importing torch or training anything.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from bnviz.i18n import ENGLISH, Gettext
from bnviz.shipped import ShippedResult
from bnviz.train.snapshot import PERCENTILES
from bnviz.train.variants import TWINS

if TYPE_CHECKING:
    from bnviz.train.snapshot import Snapshot

# The page's precomputed figure, in the package's data folder; made by `python -m bnviz.figure1 --ship`.
RESULT_PATH = Path(__file__).parents[1] / "data" / "figure1.npz"
# 2: several seeds; percentiles recorded as the layer sees them in training, plus the bn twin's
# inference-mode view. Version 1 files (one seed, eval-mode percentiles) are refused, not guessed at.
FORMAT_VERSION = 2


@dataclass(frozen=True)
class Figure1Result(ShippedResult):
    steps: np.ndarray  # (n,) int64
    seeds: tuple[int, ...]  # (s,) one run per seed; panels (b, c) show seeds[0]
    accuracy: Mapping[str, np.ndarray]  # twin -> (s, n) float64
    percentiles: Mapping[str, np.ndarray]  # twin -> (s, n, 3) float64, training mode
    inference: np.ndarray  # (s, n, 3) float64, the bn twin in inference mode (running averages)
    units: tuple[int, ...]  # (s,) the typical unit of the last hidden layer in each run
    total_steps: int
    quantiles: tuple[float, ...] = PERCENTILES
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s, n, q = len(self.seeds), len(self.steps), len(self.quantiles)
        if s < 1 or len(self.units) != s:
            raise ValueError("a result needs at least one seed, and one typical unit per seed")
        for twin in TWINS:
            if np.shape(self.accuracy[twin]) != (s, n):
                raise ValueError(f"accuracy[{twin!r}] must have shape ({s}, {n})")
            if np.shape(self.percentiles[twin]) != (s, n, q):
                raise ValueError(f"percentiles[{twin!r}] must have shape ({s}, {n}, {q})")
        if np.shape(self.inference) != (s, n, q):
            raise ValueError(f"inference must have shape ({s}, {n}, {q})")
        if self.total_steps < 1:
            raise ValueError("total_steps must be at least 1")
        object.__setattr__(self, "seeds", tuple(int(x) for x in self.seeds))
        object.__setattr__(self, "units", tuple(int(u) for u in self.units))
        object.__setattr__(self, "accuracy", MappingProxyType(dict(self.accuracy)))
        object.__setattr__(self, "percentiles", MappingProxyType(dict(self.percentiles)))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    # -- reading --

    @property
    def shown_seed(self) -> int:
        """The seed whose percentiles panels (b, c) show: the first one run."""
        return self.seeds[0]

    @property
    def unit(self) -> int:
        """The typical unit of the shown seed."""
        return self.units[0]

    def mean_accuracy(self, twin: str) -> np.ndarray:
        """``# (n,)`` test accuracy averaged over the seeds."""
        return np.mean(self.accuracy[twin], axis=0)

    def accuracy_spread(self, twin: str) -> tuple[np.ndarray, np.ndarray]:
        """``(lowest, highest) # (n,), (n,)`` test accuracy over the seeds at each record."""
        return np.min(self.accuracy[twin], axis=0), np.max(self.accuracy[twin], axis=0)

    def final_accuracies(self, twin: str) -> np.ndarray:
        """``# (s,)`` each seed's test accuracy at the last record."""
        return self.accuracy[twin][:, -1] if len(self.steps) else np.full(len(self.seeds), np.nan)

    def final_accuracy(self, twin: str) -> float:
        """The last record's test accuracy, averaged over the seeds."""
        return float(np.mean(self.final_accuracies(twin)))

    def shown_percentiles(self, twin: str, inference: bool = False) -> np.ndarray:
        """``# (n, 3)`` the shown seed's percentiles: training mode, or (``inference``, bn twin
        only) inference mode."""
        if inference and twin != "bn":
            raise ValueError("Only the bn twin has an inference-mode view.")
        return self.inference[0] if inference else self.percentiles[twin][0]

    def band_width(self, twin: str, seed_index: int = 0) -> np.ndarray:
        """``# (n,)`` 85th minus 15th percentile of the typical unit's input (training mode)."""
        p = self.percentiles[twin][seed_index]
        return p[:, -1] - p[:, 0]

    def drift(self, twin: str, seed_index: int = 0) -> float:
        """How far the typical unit's input distribution moves during training: the range (max -
        min over records) of each of its three percentiles, averaged. Every record counts: in
        training mode even the bn twin's step 0 is already normalized (x̂, band about ±1)."""
        p = self.percentiles[twin][seed_index]
        if len(p) == 0:
            return 0.0
        return float(np.mean(np.nanmax(p, axis=0) - np.nanmin(p, axis=0)))

    def describe(self, _: Gettext = ENGLISH) -> str:
        """One line on how this result was made, for captions."""
        seeds = ", ".join(map(str, self.seeds))
        more = [_("seeds {seeds}").format(seeds=seeds)] if len(self.seeds) > 1 else []
        return super().describe(*more, _=_)

    # -- files --

    def save(self, path: str | Path) -> Path:
        arrays = {
            "format_version": np.int64(FORMAT_VERSION),
            "steps": np.asarray(self.steps, np.int64),
            "seeds": np.asarray(self.seeds, np.int64),
            "units": np.asarray(self.units, np.int64),
            "total_steps": np.int64(self.total_steps),
            "quantiles": np.asarray(self.quantiles, np.float64),
            "inference_bn": np.asarray(self.inference, np.float64),
        }
        for twin in TWINS:
            arrays[f"accuracy_{twin}"] = np.asarray(self.accuracy[twin], np.float64)
            arrays[f"percentiles_{twin}"] = np.asarray(self.percentiles[twin], np.float64)
        return self._write(path, arrays)

    @classmethod
    def load(cls, path: str | Path = RESULT_PATH) -> Figure1Result:
        """Read a file written by :meth:`save`; ``ValueError`` if it is not one (or an older
        format: remake it with ``python -m bnviz.figure1``)."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                version = int(npz["format_version"])
                if version != FORMAT_VERSION:
                    raise ValueError(
                        f"{path} is a Figure 1 result of format {version}, this bnviz reads "
                        f"format {FORMAT_VERSION}; remake it with `python -m bnviz.figure1`."
                    )
                return cls(
                    steps=npz["steps"],
                    seeds=tuple(npz["seeds"].tolist()),
                    accuracy={t: npz[f"accuracy_{t}"] for t in TWINS},
                    percentiles={t: npz[f"percentiles_{t}"] for t in TWINS},
                    inference=npz["inference_bn"],
                    units=tuple(npz["units"].tolist()),
                    total_steps=int(npz["total_steps"]),
                    quantiles=tuple(float(q) for q in npz["quantiles"]),
                    meta=json.loads(str(npz["meta"])),
                )
        except KeyError as exc:
            raise ValueError(f"{path} is not a Figure 1 result (missing {exc}).") from None

    def csv_header(self) -> list[str]:
        cols = ["seed", "step"] + [f"test_accuracy_{t}" for t in TWINS]
        cols += [f"{t}_p{q:g}" for t in TWINS for q in self.quantiles]
        return cols + [f"bn_inference_p{q:g}" for q in self.quantiles]

    def csv_text(self) -> str:
        """One row per (seed, record): seed, step, test accuracy of each twin, each twin's
        training-mode percentiles, then the bn twin's inference-mode percentiles."""
        out = io.StringIO()
        out.write(",".join(self.csv_header()) + "\n")
        q = range(len(self.quantiles))
        for i, seed in enumerate(self.seeds):
            table = np.column_stack(
                [self.accuracy[t][i] for t in TWINS]
                + [self.percentiles[t][i][:, k] for t in TWINS for k in q]
                + [self.inference[i][:, k] for k in q]
            )
            for step, row in zip(self.steps, table, strict=True):
                out.write(f"{seed},{int(step)}," + ",".join(f"{v:.6g}" for v in row) + "\n")
        return out.getvalue()

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.csv_text(), encoding="utf-8")
        return path


def combine(runs: Sequence[Figure1Result]) -> Figure1Result:
    """One result of several seeds' runs (each a one-seed result of the same steps and config);
    ``meta`` is the first run's, with per-seed times summed and the seeds listed."""
    first = runs[0]
    for r in runs[1:]:
        if not np.array_equal(r.steps, first.steps) or r.total_steps != first.total_steps:
            raise ValueError("Only runs recorded at the same steps can be combined.")
    meta = dict(first.meta)
    for key in ("work_seconds", "setup_seconds"):
        if all(key in r.meta for r in runs):
            meta[key] = round(sum(r.meta[key] for r in runs), 2)
    meta["summary"] = meta.get("summary", "").replace(f" · seed {first.seeds[0]}", "")
    return dataclasses.replace(
        first,
        seeds=tuple(s for r in runs for s in r.seeds),
        units=tuple(u for r in runs for u in r.units),
        accuracy={t: np.concatenate([r.accuracy[t] for r in runs]) for t in TWINS},
        percentiles={t: np.concatenate([r.percentiles[t] for r in runs]) for t in TWINS},
        inference=np.concatenate([r.inference for r in runs]),
        meta=meta,
    )


def from_snapshot(
    snap: Snapshot, total_steps: int, meta: Mapping[str, Any] | None = None
) -> Figure1Result:
    """A one-seed result out of an engine snapshot: test accuracy, and the last hidden layer's
    typical-unit percentiles (training mode; the bn twin also in inference mode), at the steps where
    both twins have both (the twins of a run in progress may be one record apart)."""
    twins = snap.twins
    last = {t: twins[t].layers[-1] for t in TWINS}
    common = np.intersect1d(last["plain"].steps, last["bn"].steps)
    for t in TWINS:
        common = np.intersect1d(common, twins[t].acc_steps)
    accuracy, percentiles = {}, {}
    for t in TWINS:
        pick_p = np.searchsorted(last[t].steps, common)
        pick_a = np.searchsorted(twins[t].acc_steps, common)
        percentiles[t] = np.array(last[t].pct_z_unit[pick_p], dtype=np.float64)[None]
        accuracy[t] = np.array(twins[t].acc[pick_a], dtype=np.float64)[None]
    pick_bn = np.searchsorted(last["bn"].steps, common)
    inference = np.array(last["bn"].pct_z_unit_eval[pick_bn], dtype=np.float64)[None]
    return Figure1Result(
        steps=common.astype(np.int64),
        seeds=(snap.config.seed,),
        accuracy=accuracy,
        percentiles=percentiles,
        inference=inference,
        units=(int(last["plain"].typical_unit),),
        total_steps=int(total_steps),
        quantiles=tuple(float(q) for q in snap.percentiles),
        meta={
            **(meta or {}),
            "probe_size": snap.probe_size,
            "eval_size": snap.eval_size,
            "batch_size": snap.config.batch_size,
        },
    )
