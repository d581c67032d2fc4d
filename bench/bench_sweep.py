"""Sweep throughput: training steps per second of a whole sweep over the process pool, against one
run's steps per second in one process; the goal is ``>= 0.9 × cores`` (the pool keeps every core
busy and costs little beyond the runs themselves).

One run (``Trial``, the paper's net on MNIST, one torch thread, as in a worker) is timed in this
process; then ``PoolSweep`` trains ``RUNS`` such runs over one worker per core. Pool throughput is
``RUNS × STEPS / wall``, the wall time including the workers' start-up (spawn, imports, MNIST);
"busy" is the runs' own time summed over workers divided by the wall time.
"""

from __future__ import annotations

import time

from bnviz.sweep.grid import make_grid
from bnviz.sweep.pool import PoolSweep, default_workers
from bnviz.sweep.trial import run_trial
from bnviz.train.experiment import configure_torch_threads

STEPS = 1_500  # per run: a few seconds of one core
VALUES = "0.3,1,3"  # x plain, bn = 6 runs: 3 per worker on 2 cores
REPEATS = 1  # a sweep is long; `python -m bench --only sweep` is run once, not in loops
NOTES = ""


def run(repeats: int = REPEATS) -> list[dict]:
    global NOTES
    configure_torch_threads(1)
    cores = default_workers()
    grid = make_grid("lr", "plain,bn", VALUES, seeds=1, steps=STEPS)
    single, pooled, ratio, busy = [], [], [], []
    for _ in range(repeats):
        run_trial(grid.specs()[0])  # warm: MNIST loaded, kernels touched
        began = time.perf_counter()
        run_trial(grid.specs()[0])
        one = STEPS / (time.perf_counter() - began)
        sweep = PoolSweep(grid, cores)
        began = time.perf_counter()
        sweep.run()
        wall = time.perf_counter() - began
        pool = grid.runs * STEPS / wall
        single.append(one)
        pooled.append(pool)
        ratio.append(pool / one)
        busy.append(sweep.run_seconds / wall)
    goal = 0.9 * cores
    NOTES = (
        f"{grid.runs} runs of {STEPS:,} steps over {cores} workers. On a machine other jobs share, "
        "both figures fall with the load, the pool's more (it needs every core at once)."
    )
    return [
        {"name": "one run, one process", "samples": single, "unit": "steps/s",
         "notes": "Trial of the paper's net, plain, LR 0.3, one torch thread, eval every 100 steps"},
        {"name": f"sweep over {cores} worker processes", "samples": pooled, "unit": "steps/s",
         "notes": "all runs' steps / wall time, worker start-up included"},
        {"name": "workers busy on average", "samples": busy, "unit": "workers",
         "notes": "runs' own time summed / wall time"},
        {"name": "sweep throughput / one run's", "samples": ratio, "unit": "×",
         "goal": f"≥ {goal:.1f}", "met": min(ratio) >= goal,
         "notes": f"goal: 0.9 × {cores} cores"},
    ]  # fmt: skip


if __name__ == "__main__":
    import sys

    from bench.__main__ import measure, now, render

    started = now()
    print(render([measure(sys.modules[__name__])], started, "`python -m bench.bench_sweep`"))
