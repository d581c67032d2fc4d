"""Sweep throughput: training steps per second of a whole sweep over the worker processes, against
one run's steps per second in one process; the goal is ``>= 0.9 × cores`` (the pool keeps every
core busy and costs little beyond the runs themselves).

One run of each variant (``Trial``, the paper's net on MNIST, one torch thread, as in a worker) is
timed in this process; "one run" is their mean, since the sweep trains as many of each. Then the
same grid of ``RUNS`` runs is trained twice, side by side in this one bench run:

- **live**: the page's "Run it live" path, a ``ShardedSweep`` over a warm ``WorkerPool`` (one shard
  per worker); wall time from start to the last outcome. The goal is read here.
- **CLI**: ``PoolSweep`` (``python -m bnviz.sweep``), whose wall time includes starting its worker
  processes (spawn, imports, MNIST): a short sweep pays that start-up visibly.

"busy" is the runs' own time summed over workers divided by the wall time.
"""

from __future__ import annotations

import time

from bnviz.sweep.grid import make_grid
from bnviz.sweep.live import open_sharded
from bnviz.sweep.pool import PoolSweep, default_workers
from bnviz.sweep.trial import run_trial
from bnviz.train.experiment import configure_torch_threads
from bnviz.train.pool import Build, WorkerPool

STEPS = 1_500  # per run: a few seconds of one core
VALUES = "0.3,1,3"  # x plain, bn = 6 runs: 3 per worker on 2 cores
REPEATS = 3  # ~40 s each: three side-by-side repeats of both sweeps
NOTES = ""


def one_run_rate(grid) -> float:
    """Mean steps/s of one run per variant, timed warm in this process."""
    rates = []
    for variant in grid.variants:
        spec = next(s for s in grid.specs() if s.variant == variant)
        run_trial(spec)  # warm: MNIST loaded, kernels touched
        began = time.perf_counter()
        run_trial(spec)
        rates.append(STEPS / (time.perf_counter() - began))
    return sum(rates) / len(rates)


def live_sweep(grid, pool: WorkerPool) -> tuple[float, float]:
    """(steps/s, workers busy) of the sharded live sweep on the warm ``pool``."""
    sweep = open_sharded(pool, grid, Build)
    began = time.perf_counter()
    sweep.start()
    while not (sweep.finished and sweep.result().runs_done == grid.runs):
        if sweep.error is not None:
            raise sweep.error
        time.sleep(0.05)
    wall = time.perf_counter() - began
    busy = sweep.result().meta["work_seconds"] / wall
    sweep.stop()
    return grid.total_steps / wall, busy


def run(repeats: int = REPEATS) -> list[dict]:
    global NOTES
    configure_torch_threads(1)
    cores = default_workers()
    grid = make_grid("lr", "plain,bn", VALUES, seeds=1, steps=STEPS)
    pool = WorkerPool(cores)
    try:
        warm = make_grid("lr", "plain,bn", VALUES, seeds=1, steps=100)
        live_sweep(warm, pool)  # every worker started, MNIST mapped
        single, live, live_busy, cli, cli_busy = [], [], [], [], []
        for _ in range(repeats):
            single.append(one_run_rate(grid))
            rate, busy = live_sweep(grid, pool)
            live.append(rate)
            live_busy.append(busy)
            sweep = PoolSweep(grid, cores)
            began = time.perf_counter()
            sweep.run()
            wall = time.perf_counter() - began
            cli.append(grid.runs * STEPS / wall)
            cli_busy.append(sweep.run_seconds / wall)
    finally:
        pool.close()
    ratio = [r / s for r, s in zip(live, single, strict=True)]
    cli_ratio = [r / s for r, s in zip(cli, single, strict=True)]
    goal = 0.9 * cores
    NOTES = (
        f"{grid.runs} runs (plain and BN, LR {VALUES}) of {STEPS:,} steps over {cores} workers. On a "
        "machine other jobs share, both figures fall with the load, the pool's more (it needs every "
        "core at once)."
    )
    return [
        {"name": "one run, one process", "samples": single, "unit": "steps/s",
         "notes": "mean of a plain and a BN Trial, LR 0.3, one torch thread, eval every 100 steps"},
        {"name": f"live sweep, {cores} shards on the warm worker pool", "samples": live,
         "unit": "steps/s", "notes": "all runs' steps / wall time (the page's Run it live)"},
        {"name": "live sweep: workers busy", "samples": live_busy, "unit": "workers",
         "notes": "shards' own time summed / wall time"},
        {"name": "live sweep throughput / one run's", "samples": ratio, "unit": "×",
         "goal": f"≥ {goal:.1f}", "met": min(ratio) >= goal,
         "notes": f"goal: 0.9 × {cores} cores"},
        {"name": f"CLI sweep over {cores} new processes", "samples": cli, "unit": "steps/s",
         "notes": "python -m bnviz.sweep's PoolSweep; wall time includes starting its workers"},
        {"name": "CLI sweep: workers busy", "samples": cli_busy, "unit": "workers",
         "notes": "runs' own time summed / wall time"},
        {"name": "CLI sweep throughput / one run's", "samples": cli_ratio, "unit": "×",
         "notes": "start-up included: a longer sweep comes closer to the live figure"},
    ]  # fmt: skip


if __name__ == "__main__":
    import sys

    from bench.__main__ import measure, now, render

    started = now()
    print(render([measure(sys.modules[__name__])], started, "`python -m bench.bench_sweep`"))
