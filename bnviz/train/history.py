"""Bounded, thread-safe records of a run; ``snapshot()`` copies them into ``bnviz.train.snapshot``.

Memory stays flat however long a lecture runs: every series has a named budget and is thinned by
**stride doubling** — keep every record until the budget is reached, then drop every other one and
from then on keep only every 2nd (4th, 8th, ...) new record. The newest record is always kept as
well, so the right end of every chart is "now". A thinned series stays evenly spaced in steps.

Writers (the engine's twin threads) and readers (the page's refresh) meet under one lock per twin;
``snapshot()`` copies under that lock into read-only numpy arrays inside frozen dataclasses, so a
page can keep and read a snapshot without any lock while training goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np

from bnviz.train.snapshot import PERCENTILE_SERIES, LayerSnapshot, TwinSnapshot, frozen

MAX_POINTS = 500  # records per scalar / percentile series: more than a chart's width in pixels
MAX_HISTOGRAMS = 200  # histograms per layer: 200 columns of a step x value heatmap
MAX_EVENTS = 1000  # learning-rate changes kept (the newest); a lecture makes a few dozen


class Table:
    """Rows of named numpy columns keyed by step, thinned by stride doubling to ``budget`` rows.

    ``columns`` maps a name to ``(row_shape, dtype)``. ``read()`` returns at most ``budget`` rows:
    the kept ones plus, if it was thinned out, the newest.
    """

    def __init__(self, budget: int, columns: Mapping[str, tuple[tuple[int, ...], type]]):
        if budget < 2:
            raise ValueError("A table needs a budget of at least 2 rows.")
        self.budget = budget
        self._steps = np.zeros(budget, dtype=np.int64)
        self._cols = {k: np.zeros((budget, *shape), dtype=dt) for k, (shape, dt) in columns.items()}
        self._n = 0  # kept rows
        self._stride = 1  # keep appends whose index is a multiple of this
        self._appended = 0
        self._latest: tuple[int, dict[str, np.ndarray]] | None = None  # newest, if not kept

    def __len__(self) -> int:
        return self._n + (self._latest is not None)

    @property
    def stride(self) -> int:
        return self._stride

    def append(self, step: int, **row: np.ndarray | float) -> None:
        if self._appended % self._stride == 0:
            self._steps[self._n] = step
            for name, col in self._cols.items():
                col[self._n] = row[name]
            self._n += 1
            self._latest = None
            if self._n == self.budget:
                self._thin()
        else:
            self._latest = (step, {name: np.array(row[name]) for name in self._cols})
        self._appended += 1

    def _thin(self) -> None:
        """Keep rows 0, 2, 4, ... (appends 0, 2s, 4s, ...) and double the stride."""
        newest = self._n - 1
        if newest % 2:  # the newest row is dropped by thinning: keep it as the latest
            self._latest = (
                int(self._steps[newest]),
                {name: col[newest].copy() for name, col in self._cols.items()},
            )
        keep = slice(0, self._n, 2)
        n = len(range(*keep.indices(self._n)))
        self._steps[:n] = self._steps[keep]
        for col in self._cols.values():
            col[:n] = col[keep]
        self._n = n
        self._stride *= 2

    def read(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Copies ``(steps (rows,), {name: (rows, *row_shape)})``, read-only, in step order."""
        steps = self._steps[: self._n]
        cols = {name: col[: self._n] for name, col in self._cols.items()}
        if self._latest is not None:
            step, row = self._latest
            steps = np.append(steps, step)
            cols = {name: np.concatenate([c, row[name][None]]) for name, c in cols.items()}
        else:
            steps = steps.copy()
            cols = {name: c.copy() for name, c in cols.items()}
        return frozen(steps), {name: frozen(c) for name, c in cols.items()}


class TwinHistory:
    """The bounded history of one twin. Written by that twin's thread, read by ``snapshot()``."""

    def __init__(
        self,
        name: str,
        batch_norm: bool,
        widths: list[int],
        typical_units: list[int],
        n_bins: int,
        *,
        wu: bool | None = None,
        inference: bool | None = None,
    ):
        """``wu``: the ``*_wu`` series apply (the norm's input), ``inference``: the ``*_eval`` ones
        (running statistics); both default to ``batch_norm`` (the bn twin has both)."""
        self.name, self.batch_norm = name, batch_norm
        self.wu = batch_norm if wu is None else wu
        self.inference = batch_norm if inference is None else inference
        self.widths, self.typical_units = list(widths), list(typical_units)
        n_layers = len(widths)
        f, i = np.float64, np.int64
        self._lock = threading.Lock()
        per_layer = ("saturated", "grad_norm", "update_ratio")
        self._points = Table(
            MAX_POINTS,
            {name: ((n_layers, 3), f) for name in PERCENTILE_SERIES}
            | {name: ((n_layers,), f) for name in per_layer},
        )
        self._hists = Table(
            MAX_HISTOGRAMS,
            {name: ((n_layers, n_bins), i) for name in ("hist_z", "hist_wu", "hist_z_eval")},
        )
        self._loss = Table(MAX_POINTS, {"loss": ((), f)})
        self._acc = Table(MAX_POINTS, {"acc": ((), f)})
        self.step = 0
        self.diverged_at: int | None = None

    def record(self, step: int, hist: Mapping[str, np.ndarray], **points: np.ndarray) -> None:
        """One probe record: ``points`` as the ``_points`` columns, ``hist`` the histogram columns."""
        with self._lock:
            self._points.append(step, **points)
            self._hists.append(step, **hist)

    def record_loss(self, step: int, loss: float) -> None:
        with self._lock:
            self._loss.append(step, loss=loss)

    def record_accuracy(self, step: int, acc: float) -> None:
        with self._lock:
            self._acc.append(step, acc=acc)

    def mark_diverged(self, step: int) -> None:
        with self._lock:
            self.diverged_at = step

    def snapshot(self) -> TwinSnapshot:
        with self._lock:
            steps, pts = self._points.read()
            hist_steps, hists = self._hists.read()
            loss_steps, loss = self._loss.read()
            acc_steps, acc = self._acc.read()
            step, diverged_at = self.step, self.diverged_at
        wu, ev = self.wu, self.inference
        layers = tuple(
            LayerSnapshot(
                index=k,
                width=self.widths[k],
                typical_unit=self.typical_units[k],
                steps=steps,
                pct_z=pts["pct_z"][:, k],
                pct_z_unit=pts["pct_z_unit"][:, k],
                pct_wu=pts["pct_wu"][:, k] if wu else None,
                pct_wu_unit=pts["pct_wu_unit"][:, k] if wu else None,
                pct_z_eval=pts["pct_z_eval"][:, k] if ev else None,
                pct_z_unit_eval=pts["pct_z_unit_eval"][:, k] if ev else None,
                saturated=pts["saturated"][:, k],
                grad_norm=pts["grad_norm"][:, k],
                update_ratio=pts["update_ratio"][:, k],
                hist_steps=hist_steps,
                hist_z=hists["hist_z"][:, k],
                hist_wu=hists["hist_wu"][:, k] if wu else None,
                hist_z_eval=hists["hist_z_eval"][:, k] if ev else None,
            )
            for k in range(len(self.widths))
        )
        return TwinSnapshot(
            name=self.name,
            batch_norm=self.batch_norm,
            step=step,
            diverged_at=diverged_at,
            loss_steps=loss_steps,
            loss=loss["loss"],
            acc_steps=acc_steps,
            acc=acc["acc"],
            layers=layers,
        )
