"""``SweepJob``: a small sweep as one bounded background job, for the page's "Run it live".

The runs of the grid train one after another in the job's thread (a page's live run takes one of
the server's training slots, one core's worth; the CLI's process pool is for whole sweeps), each in
chunks of ``CHUNK`` steps between which the job can be paused or stopped. Progress counts training
steps over all runs; a run that diverges early counts as done. ``result()`` is the sweep so far
(runs not done yet are marked so), from any thread.

A :class:`bnviz.train.job.Job`, hence a :class:`bnviz.train.sessions.Trainable` that the
server-wide session registry can cap, pause and release.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.grid import Grid
from bnviz.sweep.result import SweepResult, from_outcomes
from bnviz.sweep.trial import RunOutcome, Trial
from bnviz.train.job import Job
from bnviz.train.turns import turn

CHUNK = 250  # steps between pause/stop checks and progress (~0.3 s of one core)


class SweepJob(Job):
    """Every run of ``grid``, in order, in one thread (see the module docstring)."""

    thread_name = "bnviz-sweep"

    def __init__(self, grid: Grid):
        super().__init__(grid.total_steps)
        self.grid = grid
        self._outcomes: list[RunOutcome] = []
        self._outcomes_lock = threading.Lock()

    @property
    def runs_done(self) -> int:
        with self._outcomes_lock:
            return len(self._outcomes)

    def result(self) -> SweepResult | BatchResult:
        """The runs done so far as a sweep result (complete once ``finished``)."""
        with self._outcomes_lock:
            outcomes = list(self._outcomes)
        meta = {"work_seconds": round(self._work_seconds, 2), "live": True}
        return from_outcomes(self.grid, outcomes, meta)

    def _work_loop(self, progress: Callable[[SweepJob], None] | None) -> None:
        before = 0  # steps of the runs before this one (runs differ in length in the batch sweep)
        for spec in self.grid.specs():
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
