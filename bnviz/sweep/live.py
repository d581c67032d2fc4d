"""``ShardedSweep``: one live sweep spread over every worker of the pool, driven as one job.

A page's "Run it live" sweep has several independent runs; one :class:`bnviz.sweep.job.SweepShard`
per worker (``open_sharded``) trains them side by side, each shard taking its fair turn in its
worker like any student's run. This object, in the web process, is what the page and the session
registry hold: the same progress and controls as a single job (a
:class:`bnviz.train.sessions.Trainable`), and a ``result()`` that joins every shard's outcomes so
far into one sweep result, identical to the single job's (runs depend only on their spec).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.grid import Grid
from bnviz.sweep.result import SweepResult, from_outcomes

SHARD = "bnviz.sweep.job:SweepShard"


def open_sharded(pool: Any, grid: Grid, build: Any) -> ShardedSweep:
    """``grid``'s runs over ``pool`` (a ``WorkerPool``): one shard per worker, at most one per run.
    ``build`` is the pool's picklable factory type (``Build``)."""
    shards = max(1, min(pool.size, grid.runs))
    handles: list[Any] = []
    try:
        for i in range(shards):
            handles.append(pool.open_job(build(SHARD, grid, i, shards)))
    except Exception:
        for handle in handles:
            handle.stop()
        raise
    return ShardedSweep(grid, handles)


class ShardedSweep:
    """The shards of one sweep (``jobs``: job handles, each reporting its outcomes as ``result()``)
    as one job (see the module docstring)."""

    def __init__(self, grid: Grid, jobs: Sequence[Any]):
        if not jobs:
            raise ValueError("A sharded sweep needs at least one shard.")
        self.grid, self.jobs = grid, tuple(jobs)

    # -- progress --

    @property
    def steps(self) -> int:
        return self.grid.total_steps  # the shards' steps add up to it

    @property
    def steps_done(self) -> int:
        return sum(job.steps_done for job in self.jobs)

    @property
    def finished(self) -> bool:
        return all(job.finished for job in self.jobs)

    @property
    def is_running(self) -> bool:
        """True while any shard trains and none has failed."""
        return self.error is None and any(job.is_running for job in self.jobs)

    @property
    def is_stopped(self) -> bool:
        return any(job.is_stopped for job in self.jobs)

    @property
    def error(self) -> BaseException | None:
        return next((job.error for job in self.jobs if job.error is not None), None)

    @property
    def steps_per_second(self) -> float:
        """Training steps per second over all shards together."""
        return sum(job.steps_per_second for job in self.jobs if not job.finished)

    @property
    def eta_seconds(self) -> float | None:
        """The slowest shard's ETA: the sweep is done when its last shard is."""
        etas = [job.eta_seconds for job in self.jobs if not job.finished]
        if any(eta is None for eta in etas):
            return None
        return max(etas, default=0.0)

    @property
    def runs_done(self) -> int:
        return len(self._outcomes())

    def _outcomes(self) -> list:
        return [o for job in self.jobs for o in (job.result() or ())]

    def result(self) -> SweepResult | BatchResult:
        """Every shard's runs done so far, as one result of the whole grid."""
        work = sum(j.steps_done / j.steps_per_second for j in self.jobs if j.steps_per_second > 0)
        meta = {"work_seconds": round(work, 2), "live": True, "shards": len(self.jobs)}
        return from_outcomes(self.grid, self._outcomes(), meta)

    # -- controls --

    def start(self) -> None:
        for job in self.jobs:
            job.start()

    def resume(self) -> None:
        self.start()

    def pause(self) -> None:
        for job in self.jobs:
            job.pause()

    def stop(self) -> None:
        for job in self.jobs:
            job.stop()
