"""Every run of a sweep, spread over worker processes: :class:`PoolSweep`.

The runs are independent, so they are spread over a ``ProcessPoolExecutor`` (``spawn`` context: a
fresh interpreter per worker, no forked torch state), one worker per core by default, each with one
torch thread (``configure_torch_threads(1)``) and the engine's ``parallel=False``: the pool, not
threads inside a run, keeps the cores busy. Each run depends only on its :class:`RunSpec` (weights,
batches and eval digits are drawn from its seed), and results are put in their place by spec, not by
arrival, so a sweep's result is the same for any number of workers (and the same as the live job's, which
also runs with one torch thread: another thread count sums in another order).

Progress (``steps_done`` = runs done, ``steps`` = runs, ``steps_per_second`` = runs per second of
wall time, ``eta_seconds``, ``finished``, ``unit``) fits :class:`bnviz.figure1.progress.TerminalProgress`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from bnviz.machine import usable_cpus
from bnviz.spawn import bare_main, spawn_context
from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.grid import Grid, RunSpec
from bnviz.sweep.result import SweepResult, from_outcomes
from bnviz.sweep.trial import RunOutcome, run_trial

MAX_WORKERS = 64


def default_workers() -> int:
    """One worker per CPU this process may use (a container's CPU limit included)."""
    return usable_cpus()


def _init_worker(dataset: str) -> None:
    from bnviz.data import load_dataset
    from bnviz.train.experiment import configure_torch_threads

    configure_torch_threads(1)
    load_dataset(dataset)  # once per worker, before its first run is timed


class PoolSweep:
    """All runs of ``grid`` over ``workers`` processes (``run()``, blocking)."""

    unit = "runs"

    def __init__(self, grid: Grid, workers: int | None = None):
        workers = default_workers() if workers is None else workers
        if isinstance(workers, bool) or not isinstance(workers, int):
            raise ValueError(f"The number of workers must be a whole number, got {workers!r}.")
        if not 1 <= workers <= MAX_WORKERS:
            raise ValueError(f"Choose between 1 and {MAX_WORKERS} workers, got {workers}.")
        self.grid, self.workers = grid, workers
        self.steps = grid.runs
        self.steps_done = 0
        self.run_seconds = 0.0  # summed over runs: what one core would have spent
        self._began: float | None = None

    @property
    def finished(self) -> bool:
        return self.steps_done >= self.steps

    @property
    def steps_per_second(self) -> float:
        """Runs finished per second of wall time so far."""
        if self._began is None or self.steps_done == 0:
            return 0.0
        return self.steps_done / (time.perf_counter() - self._began)

    @property
    def eta_seconds(self) -> float | None:
        rate = self.steps_per_second
        return (self.steps - self.steps_done) / rate if rate > 0 else None

    def run(self, progress: Callable[[PoolSweep], None] | None = None) -> SweepResult | BatchResult:
        """Train every run; ``progress(self)`` after each one. Returns the complete result."""
        specs = self.grid.specs()
        outcomes: dict[RunSpec, RunOutcome] = {}
        with ProcessPoolExecutor(
            self.workers,
            mp_context=spawn_context(),
            initializer=_init_worker,
            initargs=(self.grid.dataset,),
        ) as pool:
            self._began = time.perf_counter()
            # longest runs first, so no worker is left with a long one at the end
            longest_first = sorted(specs, key=lambda spec: -spec.steps)
            with bare_main():  # the workers start with the first submissions
                futures = [pool.submit(run_trial, spec) for spec in longest_first]
            try:
                for future in as_completed(futures):
                    outcome = future.result()
                    outcomes[outcome.spec] = outcome
                    self.steps_done += 1
                    self.run_seconds += outcome.seconds
                    if progress is not None:
                        progress(self)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return from_outcomes(self.grid, [outcomes[spec] for spec in specs])
