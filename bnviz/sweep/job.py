"""``SweepJob``: a small sweep as one bounded background job, for the page's "Run it live".

The runs of the grid (or of one shard of it, ``shard`` of ``shards``: see :func:`shard_specs`) train
one after another in the job's thread, each in chunks of ``CHUNK`` steps between which the job can
be paused or stopped. Progress counts training steps over its runs; a run that diverges early counts
as done. ``result()`` is the sweep so far (runs not done yet are marked so), from any thread.

A page spreads its live sweep over the worker pool with one :class:`SweepShard` per worker
(:class:`bnviz.sweep.live.ShardedSweep` puts their outcomes together); each shard takes its fair
turn in its worker like any other run.

A :class:`bnviz.train.job.Job`, hence a :class:`bnviz.train.sessions.Trainable` that the
server-wide session registry can cap, pause and release.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.grid import Grid, RunSpec
from bnviz.sweep.result import SweepResult, from_outcomes
from bnviz.sweep.trial import RunOutcome, Trial
from bnviz.train.job import Job
from bnviz.train.turns import turn

CHUNK = 250  # steps between pause/stop checks and progress (~0.3 s of one core)


def shard_specs(grid: Grid, shards: int) -> list[list[RunSpec]]:
    """The grid's runs in ``shards`` lists of about equal steps (longest run first to the least
    loaded list; the batch sweep's runs differ in length), each in the grid's order."""
    if not 1 <= shards <= max(1, grid.runs):
        raise ValueError(f"Choose between 1 and {grid.runs} shards, got {shards}.")
    specs = grid.specs()
    loads, members = [0] * shards, [[] for _ in range(shards)]
    for i in sorted(range(len(specs)), key=lambda i: -specs[i].steps):
        least = loads.index(min(loads))
        loads[least] += specs[i].steps
        members[least].append(i)
    return [[specs[i] for i in sorted(m)] for m in members]


class SweepJob(Job):
    """Every run of ``grid`` (or of its ``shard`` of ``shards``), in order, in one thread (see the
    module docstring)."""

    thread_name = "bnviz-sweep"

    def __init__(self, grid: Grid, shard: int = 0, shards: int = 1):
        self.specs = shard_specs(grid, shards)[shard]
        super().__init__(sum(spec.steps for spec in self.specs))
        self.grid = grid
        self._outcomes: list[RunOutcome] = []
        self._outcomes_lock = threading.Lock()

    @property
    def runs_done(self) -> int:
        with self._outcomes_lock:
            return len(self._outcomes)

    def outcomes(self) -> tuple[RunOutcome, ...]:
        """The runs done so far."""
        with self._outcomes_lock:
            return tuple(self._outcomes)

    def result(self) -> SweepResult | BatchResult:
        """The runs done so far as a sweep result (complete once ``finished``)."""
        meta = {"work_seconds": round(self._work_seconds, 2), "live": True}
        return from_outcomes(self.grid, self.outcomes(), meta)

    def _work_loop(self, progress: Callable[[SweepJob], None] | None) -> None:
        before = 0  # steps of the runs before this one (runs differ in length in the batch sweep)
        for spec in self.specs:
            per_run = spec.steps
            began = time.perf_counter()
            trial = Trial(spec)
            self.setup_seconds += time.perf_counter() - began
            while not trial.done:
                if not self._wait_while_paused():
                    return
                began = time.perf_counter()
                with turn() as waited:  # in a worker process: one run's chunk at a time
                    trial.advance(CHUNK)
                began += waited
                # never "finished" before the last outcome is in the result
                self._done = before + min(trial.steps_done, per_run - 1)
                self._work_seconds += time.perf_counter() - began
                if progress is not None:
                    progress(self)
            outcome = trial.outcome()
            with self._outcomes_lock:
                self._outcomes.append(outcome)
            before += per_run
            self._done = before


class SweepShard(SweepJob):
    """A ``SweepJob`` whose ``result()`` is its outcomes so far: what a worker reports to the web
    process, where :class:`bnviz.sweep.live.ShardedSweep` joins every shard's into one result."""

    def result(self) -> tuple[RunOutcome, ...]:
        return self.outcomes()
