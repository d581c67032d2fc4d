"""Many runs on one server: k concurrent default runs in the worker pool, against k runs trained by
threads of one process (how the web process trained them before the pool), side by side in one run.

For each k, all k runs start together; after a warm-up, each run's steps are counted over a window
(the pool's handles report each run's exact step count). Rows: all runs together, per run (median,
min, max), the fair-share spread (the run furthest from the mean, in % of the mean), the ratio of
all runs together to the k = 1 figure of the same placement (goal ≥ 0.9), and the Figure 1 live
job's speed against a default live run's, both alone in the pool (goal ≥ 0.95). Worker memory:
the pool's processes' resident memory (RSS, which counts the shared MNIST pages once per process,
and PSS, which splits them) before and after opening 8 runs.

``python -m bench --only pool``; ``python -m bench.bench_pool --ks 1,2,4 --window 4`` for a quick look.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bnviz.config import RunConfig
from bnviz.train.experiment import Experiment, configure_torch_threads
from bnviz.train.pool import Build, WorkerPool
from bnviz.train.runner import Runner

KS = (1, 2, 4, 8, 16)
THREAD_KS = (1, 4, 8)  # the old placement: enough to see the trend, not every k
WARMUP_S = 3.0
WINDOW_S = 8.0
GOAL_TOTAL = 0.9
GOAL_FAIR = 15.0  # % from the mean
GOAL_JOB = 0.95
NOTES = ""


def _window(step_counts, window_s: float) -> list[float]:
    """Each run's steps/s over ``window_s`` (``step_counts()`` returns the runs' counts)."""
    before, t0 = step_counts(), time.perf_counter()
    time.sleep(window_s)
    after, t1 = step_counts(), time.perf_counter()
    return [(b - a) / (t1 - t0) for a, b in zip(before, after, strict=True)]


def pooled(pool: WorkerPool, k: int, window_s: float) -> list[float]:
    runs = [Runner(RunConfig(seed=i), pool=pool) for i in range(k)]
    try:
        for r in runs:
            r.start()
        time.sleep(WARMUP_S)
        return _window(lambda: [r.step_count for r in runs], window_s)
    finally:
        for r in runs:
            r.stop()
        time.sleep(0.5)  # the workers finish the chunks in flight


def threaded(k: int, window_s: float) -> list[float]:
    configure_torch_threads(1)
    runs = [Runner(Experiment(RunConfig(seed=i)), pool=None) for i in range(k)]
    try:
        for r in runs:
            r.start()
        time.sleep(WARMUP_S)
        return _window(lambda: [r.exp.step_count for r in runs], window_s)
    finally:
        for r in runs:
            r.stop()


def job_ratio(pool: WorkerPool, window_s: float) -> tuple[float, float]:
    """(Figure 1 live job, default live run) steps/s, each alone in the pool."""
    job = pool.open_job(Build("bnviz.figure1.job:Figure1Job", 1_000_000, eval_size=500))
    try:
        job.start()
        time.sleep(WARMUP_S)
        (job_rate,) = _window(lambda: [job.steps_done], window_s)
    finally:
        job.stop()
    time.sleep(0.5)
    (run_rate,) = pooled(pool, 1, window_s)
    return job_rate, run_rate


def _memory_mb(pids: list[int]) -> tuple[float, float]:
    """Summed (RSS, PSS) of ``pids`` in MB, from /proc/<pid>/smaps_rollup."""
    rss = pss = 0.0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss += int(line.split()[1]) / 1024
    return rss, pss


def worker_memory(pool: WorkerPool, n: int = 8) -> tuple[tuple[float, float], tuple[float, float]]:
    warm = Runner(RunConfig(), pool=pool)  # workers started, torch and MNIST mapped
    warm.stop()
    time.sleep(0.5)
    before = _memory_mb(pool.pids)
    runs = [Runner(RunConfig(seed=i), pool=pool) for i in range(n)]
    for r in runs:
        r.step(20, wait=True)  # buffers allocated, histories begun
    after = _memory_mb(pool.pids)
    for r in runs:
        r.stop()
    return before, after


def _spread(rates: list[float]) -> float:
    mean = statistics.fmean(rates)
    return 100 * max(abs(r - mean) for r in rates) / mean if mean > 0 else 0.0


def run(ks: tuple[int, ...] = KS, window: float = WINDOW_S) -> list[dict]:
    global NOTES
    rows: list[dict] = []
    pool = WorkerPool()
    try:
        pooled_rates = {k: pooled(pool, k, window) for k in ks}
        job_rate, run_rate = job_ratio(pool, window)
        (rss0, pss0), (rss1, pss1) = worker_memory(pool)
        workers = pool.size
    finally:
        pool.close()
    thread_rates = {k: threaded(k, window) for k in THREAD_KS if k in ks}
    for placement, table in (("pool", pooled_rates), ("threads", thread_rates)):
        base = sum(table[min(table)])
        for k, rates in table.items():
            total = sum(rates)
            note = f"{k} default runs ({placement}); steps/s over {window:g} s after {WARMUP_S:g} s"
            rows.append(
                {
                    "name": f"{placement}: k={k}, all runs together",
                    "unit": "steps/s",
                    "median": total,
                    "min": total,
                    "max": total,
                    "notes": note,
                }
            )
            rows.append(
                {"name": f"{placement}: k={k}, each run", "unit": "steps/s", "samples": rates}
            )
            if placement == "pool" and k > 1:
                ratio = total / base
                rows.append(
                    {
                        "name": f"pool: k={k}, together / k=1",
                        "unit": "×",
                        "median": ratio,
                        "min": ratio,
                        "max": ratio,
                        "goal": f"≥ {GOAL_TOTAL}",
                        "met": ratio >= GOAL_TOTAL,
                    }
                )
                spread = _spread(rates)
                rows.append(
                    {
                        "name": f"pool: k={k}, furthest run from the mean",
                        "unit": "%",
                        "median": spread,
                        "min": spread,
                        "max": spread,
                        "goal": f"≤ {GOAL_FAIR:g}",
                        "met": spread <= GOAL_FAIR,
                    }
                )
    ratio = job_rate / run_rate if run_rate > 0 else 0.0
    rows.append(
        {
            "name": "Figure 1 live job / default live run (pool)",
            "unit": "×",
            "median": ratio,
            "min": ratio,
            "max": ratio,
            "goal": f"≥ {GOAL_JOB}",
            "met": ratio >= GOAL_JOB,
            "notes": f"{job_rate:,.0f} vs {run_rate:,.0f} steps/s, each alone in the pool",
        }
    )
    per_run = (pss1 - pss0) / 8
    rows.append(
        {
            "name": "worker memory per default run (PSS)",
            "unit": "MB",
            "median": per_run,
            "min": per_run,
            "max": per_run,
            "goal": "≤ 30",
            "met": per_run <= 30,
            "notes": "8 runs opened and stepped 20 times; PSS of all workers, before/after",
        }
    )
    NOTES = (
        f"{workers} worker processes. Workers before any run: RSS {rss0:,.0f} MB, PSS "
        f"{pss0:,.0f} MB (torch, and MNIST mapped from one shared file: RSS counts its pages in "
        f"every worker, PSS splits them). With 8 runs: RSS {rss1:,.0f} MB, PSS {pss1:,.0f} MB. "
        "The k-runs rows share the machine with whatever else runs on it; compare rows of one "
        "report, not across reports."
    )
    return rows


def main() -> int:
    from bench.__main__ import measure, now, render  # noqa: PLC0415 - the runner's helpers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", default=",".join(map(str, KS)))
    parser.add_argument("--window", type=float, default=WINDOW_S)
    args = parser.parse_args()
    import sys  # noqa: PLC0415

    ks = tuple(int(k) for k in args.ks.split(","))
    started = now()
    section = measure(sys.modules[__name__], ks=ks, window=args.window)
    print(render([section], started, "`python -m bench.bench_pool`"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
