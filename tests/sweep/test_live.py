"""A live sweep spread over the worker pool: shards of equal work, one per worker, joined into the
same result as one job in one thread."""

from __future__ import annotations

import time

import pytest

from bnviz.sweep.grid import make_grid
from bnviz.sweep.job import SweepJob, SweepShard, shard_specs
from bnviz.sweep.live import ShardedSweep, open_sharded
from bnviz.train.experiment import configure_torch_threads
from bnviz.train.pool import Build, WorkerPool
from tests.sweep.test_pool import tiny_grid
from tests.sweep.test_result import assert_same

TIMEOUT = 120.0


def until(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


@pytest.mark.parametrize("shards", [1, 2, 3, 4])
def test_shards_hold_every_run_once_in_grid_order(shards):
    grid = tiny_grid()
    parts = shard_specs(grid, shards)
    assert len(parts) == shards and all(parts)
    every = [spec for part in parts for spec in part]
    assert sorted(every, key=grid.specs().index) == grid.specs()
    for part in parts:
        assert part == sorted(part, key=grid.specs().index)


def test_shards_of_the_batch_sweep_balance_steps_not_runs():
    # m=2 runs take 128x the steps of m=256 runs: counting runs would give one worker all the work
    grid = make_grid("batch", "bn,ln", "2,256", seeds=1, examples=512, dataset="blobs")
    steps = [sum(s.steps for s in part) for part in shard_specs(grid, 2)]
    assert sum(steps) == grid.total_steps
    assert max(steps) <= grid.total_steps * 0.55, steps


@pytest.mark.parametrize("shards", [0, 5])
def test_more_shards_than_runs_is_refused(shards):
    with pytest.raises(ValueError, match="shards"):
        shard_specs(tiny_grid(), shards)


def test_a_shard_reports_its_outcomes_and_trains_only_its_runs():
    configure_torch_threads(1)
    grid = tiny_grid()
    shard = SweepShard(grid, 1, 2)
    outcomes = shard.run()
    assert [o.spec for o in outcomes] == shard_specs(grid, 2)[1]
    assert shard.steps == sum(spec.steps for spec in shard.specs) < grid.total_steps


def test_the_sharded_sweep_over_the_pool_gives_the_single_jobs_result():
    configure_torch_threads(1)
    single = SweepJob(tiny_grid()).run()
    pool = WorkerPool(workers=2, shared=())
    try:
        sweep = open_sharded(pool, tiny_grid(), Build)
        assert isinstance(sweep, ShardedSweep) and len(sweep.jobs) == 2
        # one shard per worker: the sweep uses every core of the pool
        assert len({job.worker_pid for job in sweep.jobs}) == 2
        assert sweep.result().runs_done == 0 and not sweep.finished
        sweep.start()
        until(lambda: sweep.finished and sweep.result().runs_done == tiny_grid().runs)
        assert sweep.steps_done == sweep.steps == tiny_grid().total_steps
        assert sweep.error is None and not sweep.is_running
        live = sweep.result()
        assert live.complete and live.meta["shards"] == 2
        assert_same(single, live)
        sweep.stop()
        until(lambda: pool.run_counts == [0, 0])
    finally:
        pool.close()


def test_a_failed_shard_fails_the_sweep_with_its_message():
    class Job:
        def __init__(self, error=None, running=True):
            self.error, self.is_running = error, running
            self.finished = False

    grid = tiny_grid()
    ok, failed = Job(), Job(error=RuntimeError("worker died"), running=False)
    sweep = ShardedSweep(grid, [ok, failed])
    assert not sweep.is_running and str(sweep.error) == "worker died"
    assert ShardedSweep(grid, [ok, Job()]).is_running
