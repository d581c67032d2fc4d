"""``Figure1Result``: the curves of the paper's Figure 1, as small numpy arrays, and their files.

A result holds, for ``n`` records at ``steps # (n,)`` (step 0 first):

- ``accuracy[twin] # (n,)`` test accuracy in [0, 1] on the held-out subset (panel a);
- ``percentiles[twin] # (n, 3)`` the 15/50/85th percentiles (``quantiles``) of the input to the
  typical sigmoid ``unit`` of the last hidden layer, over the probe batch (panels b, c);

for ``twin`` in ``("plain", "bn")``, and ``total_steps``, the run's planned length (a partial result
of a run in progress has ``steps[-1] < total_steps``). ``meta`` is a JSON-able dict saying how it was
made (config, times, versions).

Files: ``save``/``load`` a compressed ``.npz`` (numpy only, no pickle; ``meta`` as a JSON string);
``csv_text``/``to_csv`` one row per record. The page reads the shipped ``RESULT_PATH`` with numpy
alone, so it shows the figure without importing torch or training anything.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from bnviz.train.snapshot import PERCENTILES
from bnviz.train.variants import TWINS

if TYPE_CHECKING:
    from bnviz.train.snapshot import Snapshot

# The page's precomputed figure, in the package's data folder; made by `python -m bnviz.figure1 --ship`.
RESULT_PATH = Path(__file__).parents[1] / "data" / "figure1.npz"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Figure1Result:
    steps: np.ndarray  # (n,) int64
    accuracy: Mapping[str, np.ndarray]  # twin -> (n,) float64
    percentiles: Mapping[str, np.ndarray]  # twin -> (n, 3) float64, columns = quantiles
    total_steps: int
    unit: int  # the typical unit of the last hidden layer (same index in both twins)
    quantiles: tuple[float, ...] = PERCENTILES
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.steps)
        for twin in TWINS:
            if self.accuracy[twin].shape != (n,):
                raise ValueError(f"accuracy[{twin!r}] must have shape ({n},)")
            if self.percentiles[twin].shape != (n, len(self.quantiles)):
                raise ValueError(f"percentiles[{twin!r}] must have shape ({n}, 3)")
        if self.total_steps < 1:
            raise ValueError("total_steps must be at least 1")
        object.__setattr__(self, "accuracy", MappingProxyType(dict(self.accuracy)))
        object.__setattr__(self, "percentiles", MappingProxyType(dict(self.percentiles)))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    # -- reading --

    @property
    def steps_done(self) -> int:
        return int(self.steps[-1]) if len(self.steps) else 0

    @property
    def complete(self) -> bool:
        return self.steps_done >= self.total_steps

    def drift(self, twin: str) -> float:
        """How far the typical unit's input distribution moves during training: the range
        (max - min over records) of each of its three percentiles, averaged. Step 0 is left out:
        the bn twin's first record predates its running statistics (``bnviz.figure1.job``)."""
        p = self.percentiles[twin][self.steps > 0]
        if len(p) == 0:
            return 0.0
        return float(np.mean(np.nanmax(p, axis=0) - np.nanmin(p, axis=0)))

    def final_accuracy(self, twin: str) -> float:
        return float(self.accuracy[twin][-1]) if len(self.steps) else float("nan")

    def describe(self) -> str:
        """One line on how this result was made, for captions."""
        summary = self.meta.get("summary", "")
        made = f"{self.steps_done:,} of {self.total_steps:,} steps"
        return f"{made} · {summary}" if summary else made

    def with_meta(self, **changes: Any) -> Figure1Result:
        return dataclasses.replace(self, meta={**self.meta, **changes})

    # -- files --

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {
            "steps": np.asarray(self.steps, np.int64),
            "total_steps": np.int64(self.total_steps),
            "unit": np.int64(self.unit),
            "quantiles": np.asarray(self.quantiles, np.float64),
            "format_version": np.int64(FORMAT_VERSION),
            "meta": np.array(json.dumps(dict(self.meta), sort_keys=True)),
        }
        for twin in TWINS:
            arrays[f"accuracy_{twin}"] = np.asarray(self.accuracy[twin], np.float64)
            arrays[f"percentiles_{twin}"] = np.asarray(self.percentiles[twin], np.float64)
        with path.open("wb") as f:
            np.savez_compressed(f, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path = RESULT_PATH) -> Figure1Result:
        """Read a file written by :meth:`save`; ``ValueError`` if it is not one."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                if int(npz["format_version"]) != FORMAT_VERSION:
                    raise ValueError(f"{path}: unknown format version {int(npz['format_version'])}")
                return cls(
                    steps=npz["steps"],
                    accuracy={t: npz[f"accuracy_{t}"] for t in TWINS},
                    percentiles={t: npz[f"percentiles_{t}"] for t in TWINS},
                    total_steps=int(npz["total_steps"]),
                    unit=int(npz["unit"]),
                    quantiles=tuple(float(q) for q in npz["quantiles"]),
                    meta=json.loads(str(npz["meta"])),
                )
        except KeyError as exc:
            raise ValueError(f"{path} is not a Figure 1 result (missing {exc}).") from None

    def csv_header(self) -> list[str]:
        cols = ["step"] + [f"test_accuracy_{t}" for t in TWINS]
        return cols + [f"{t}_p{q:g}" for t in TWINS for q in self.quantiles]

    def csv_text(self) -> str:
        """One row per record: step, test accuracy of each twin, then each twin's percentiles."""
        table = np.column_stack(
            [self.steps]
            + [self.accuracy[t] for t in TWINS]
            + [self.percentiles[t][:, k] for t in TWINS for k in range(len(self.quantiles))]
        )
        out = io.StringIO()
        out.write(",".join(self.csv_header()) + "\n")
        for row in table:
            out.write(f"{int(row[0])}," + ",".join(f"{v:.6g}" for v in row[1:]) + "\n")
        return out.getvalue()

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.csv_text(), encoding="utf-8")
        return path


def from_snapshot(
    snap: Snapshot, total_steps: int, meta: Mapping[str, Any] | None = None
) -> Figure1Result:
    """The Figure 1 curves out of an engine snapshot: test accuracy, and the last hidden layer's
    typical-unit percentiles, at the steps where both twins have both (the twins of a run in
    progress may be one record apart)."""
    twins = snap.twins
    last = {t: twins[t].layers[-1] for t in TWINS}
    common = np.intersect1d(last["plain"].steps, last["bn"].steps)
    for t in TWINS:
        common = np.intersect1d(common, twins[t].acc_steps)
    accuracy, percentiles = {}, {}
    for t in TWINS:
        pick_p = np.searchsorted(last[t].steps, common)
        pick_a = np.searchsorted(twins[t].acc_steps, common)
        percentiles[t] = np.array(last[t].pct_z_unit[pick_p], dtype=np.float64)
        accuracy[t] = np.array(twins[t].acc[pick_a], dtype=np.float64)
    return Figure1Result(
        steps=common.astype(np.int64),
        accuracy=accuracy,
        percentiles=percentiles,
        total_steps=int(total_steps),
        unit=int(last["plain"].typical_unit),
        quantiles=tuple(float(q) for q in snap.percentiles),
        meta={**(meta or {}), "probe_size": snap.probe_size, "eval_size": snap.eval_size},
    )
