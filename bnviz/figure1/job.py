"""``Figure1Job``: Figure 1 of Ioffe & Szegedy (2015) as one bounded run of the live lab's engine;
``MultiSeedJob``: the same for several seeds, one after another.

The CLI (``python -m bnviz.figure1``) runs a ``MultiSeedJob``; the page's "run it live" a job.

The paper's §4.1 setup is ``RunConfig()``: 3 fully connected hidden layers x 100 sigmoid units,
weights from a small Gaussian, batch 60, the twins (without / with BN after every hidden layer)
trained in lockstep on the same minibatches. The paper states no optimizer, learning rate or std;
we use ``RunConfig``'s: plain SGD, lr 0.5, weights from N(0, 0.05²) (why: ``bnviz.config.RunConfig``).
The paper's inputs are binary; ``RunConfig(dataset="mnist-binary")`` gives those (``bnviz.data``).

What is recorded, ``RECORDS`` times per run (every ``steps // RECORDS`` steps, and at step 0), by the
engine itself (``bnviz.train.experiment.Experiment``; recording never changes training):

- (a) test accuracy (inference mode) on every test digit outside the probe set (``eval_size=None``:
  9,760 of MNIST's 10,000 at batch 60), or on ``eval_size`` of them;
- (b, c) the 15/50/85th percentiles of the input ``z`` to one typical sigmoid of the *last* hidden
  layer (the unit is drawn once from the seed, the same index in both twins) over the engine's fixed
  probe set of test digits (240 = 4 training batches of 60), **as the layer sees it during
  training**: the bn twin's ``z`` is ``γ x_hat + β`` with each batch of 60 normalized by its own
  mean and variance, so even at step 0 it is ``x_hat`` (15-85 band about ±1.04). The bn twin's
  inference-mode ``z`` (running averages: what the layer sees at test time) is recorded alongside.

Speed: ``Experiment.step`` runs the bn twin in a worker thread while the caller runs the plain one
(torch releases the GIL in its kernels), and steps are taken in chunks of ``chunk_steps`` between
progress reports; see ``bench/bench_figure1.py`` and ``bench/RESULTS.md`` for what that buys. The
seeds of a ``MultiSeedJob`` run one after another: each one's twins already use both cores.

:class:`Figure1Job` is also a bounded background job (the page's "run it live"): a
:class:`bnviz.train.sessions.Trainable` that the server-wide session registry can drive.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from bnviz.config import RunConfig
from bnviz.figure1.result import RESULT_PATH, Figure1Result, combine, from_snapshot
from bnviz.train.experiment import Experiment
from bnviz.train.job import Job

PAPER_STEPS = 50_000  # the paper's Fig. 1 x axis
RECORDS = 100  # records per run: a smooth curve at any run length, ~2% of the work at 50k steps
MIN_RECORD_EVERY = 10  # a record costs ~10 steps of work: never record more often than this
MAX_CHUNK = 500  # steps between progress reports / pause checks (~0.25 s of work)
SEEDS = 3  # runs behind panel (a)'s mean and band: the least that shows a spread at all

__all__ = [
    "PAPER_STEPS",
    "RESULT_PATH",
    "SEEDS",
    "Figure1Job",
    "Figure1Result",
    "MultiSeedJob",
    "paper_config",
    "record_every",
    "run_figure1",
]


def record_every(steps: int) -> int:
    """Steps between records for a run of ``steps``: ``RECORDS`` records (fewer for short runs)."""
    return max(MIN_RECORD_EVERY, steps // RECORDS)


def paper_config(steps: int = PAPER_STEPS, **changes) -> RunConfig:
    """``RunConfig()`` (the paper's setup) recording test accuracy and percentiles together,
    ``RECORDS`` times over ``steps``; ``changes`` override fields (e.g. ``seed``)."""
    every = record_every(steps)
    changes = {"record_every": every, "eval_every": every, **changes}
    return dataclasses.replace(RunConfig(), **changes)


class Figure1Job(Job):
    """One bounded Figure 1 run: ``steps`` lockstep steps of the twins; control and progress as
    :class:`bnviz.train.job.Job`. ``result()`` is a consistent partial (or final) result at any
    time, from any thread. ``eval_size``: test digits behind the accuracy (None: every one outside
    the probe set).
    """

    thread_name = "bnviz-figure1"

    def __init__(
        self,
        steps: int = PAPER_STEPS,
        cfg: RunConfig | None = None,
        eval_size: int | None = None,
        parallel: bool = True,
    ):
        super().__init__(steps)
        self.cfg = cfg or paper_config(self.steps)
        self.chunk_steps = min(MAX_CHUNK, self.cfg.record_every)
        self._eval_size, self._parallel = eval_size, parallel

    @property
    def train_seconds(self) -> float:
        return self._work_seconds

    def result(self) -> Figure1Result | None:
        """The records so far (a copy); None before the experiment exists."""
        with self._lock:
            exp = self._exp
        if exp is None:
            return None
        return from_snapshot(
            exp.snapshot(), self.steps, self._meta(self.cfg, parallel=self._parallel)
        )

    # -- the work --

    def _work_loop(self, progress: Callable[[Figure1Job], None] | None) -> None:
        began = time.perf_counter()
        exp = Experiment(self.cfg, parallel=self._parallel, eval_size=self._eval_size)
        with self._lock:
            self._exp = exp
        self.setup_seconds = time.perf_counter() - began
        try:
            while self._done < self.steps and self._wait_while_paused():
                n = min(self.chunk_steps, self.steps - self._done)
                if not self._advance(exp, n, time.perf_counter(), progress):
                    break
        finally:
            exp.close()


class MultiSeedJob:
    """Figure 1 for several seeds, one after another, as one result (``run()``, calling thread).

    Each seed is a :class:`Figure1Job` of ``cfg`` with that seed; progress (``steps_done``,
    ``steps``, ``steps_per_second``, ``eta_seconds``, ``finished``) is over all of them, so one
    bar covers the whole run.
    """

    def __init__(
        self,
        steps: int = PAPER_STEPS,
        seeds: tuple[int, ...] = tuple(range(SEEDS)),
        cfg: RunConfig | None = None,
        eval_size: int | None = None,
        parallel: bool = True,
    ):
        if not seeds or len(set(seeds)) != len(seeds):
            raise ValueError(f"Choose one or more different seeds, got {list(seeds)}.")
        base = cfg or paper_config(steps)
        self.jobs = [
            Figure1Job(steps, dataclasses.replace(base, seed=s), eval_size, parallel) for s in seeds
        ]
        self.steps = len(seeds) * int(steps)

    @property
    def steps_done(self) -> int:
        return sum(job.steps_done for job in self.jobs)

    @property
    def finished(self) -> bool:
        return all(job.finished for job in self.jobs)

    @property
    def setup_seconds(self) -> float:
        return sum(job.setup_seconds for job in self.jobs)

    @property
    def steps_per_second(self) -> float:
        seconds = sum(job.train_seconds for job in self.jobs)
        return self.steps_done / seconds if seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        rate = self.steps_per_second
        return (self.steps - self.steps_done) / rate if rate > 0 else None

    def run(self, progress: Callable[[MultiSeedJob], None] | None = None) -> Figure1Result:
        """Train every seed in turn; ``progress(self)`` after every chunk. Returns the result."""
        runs = []
        for job in self.jobs:
            runs.append(job.run(None if progress is None else lambda _job: progress(self)))
        return combine(runs)


def run_figure1(
    steps: int = PAPER_STEPS,
    cfg: RunConfig | None = None,
    progress: Callable[[Figure1Job], None] | None = None,
    parallel: bool = True,
    eval_size: int | None = None,
) -> Figure1Result:
    """Run Figure 1 (one seed: ``cfg``'s) in the calling thread and return the complete result."""
    return Figure1Job(steps, cfg, eval_size=eval_size, parallel=parallel).run(progress)
