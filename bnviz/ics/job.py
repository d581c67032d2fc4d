"""``ICSJob``: the three experiments of Santurkar et al. (2018) as one bounded run of the engine.

The CLI (``python -m bnviz.ics``) and the page's "run it live" both run a job. It trains plain, bn
and noisy_bn in lockstep with :class:`bnviz.train.experiment.Experiment` (same initial weights, same
minibatches, same SGD and learning rate; noisy BN's noise drawn from the seed), and

- lets the engine record, ``RECORDS`` times per run, test accuracy and the typical last-layer
  unit's 15/50/85th percentile band as the layer sees it during training (experiment 1);
- measures, ``MEASUREMENTS`` times per run (every ``measure_every`` steps, step 0 included), before
  step ``t`` and on step ``t``'s own minibatch, the gradient change of every hidden layer but the
  first (experiment 2, :mod:`bnviz.ics.gradient_change`) and the landscape along the gradient
  (experiment 3, :mod:`bnviz.ics.smoothness`).

Measuring works on ``torch.nn`` copies (:mod:`bnviz.ics.net`) and replays the minibatch from its
own :class:`bnviz.train.batches.BatchStream` with the run's seed, so it never touches the run: the
weights, running statistics and noise generator after ``n`` steps are the same with or without it.

:class:`ICSJob` is a :class:`bnviz.train.sessions.Trainable`: ``start()`` runs it in a background
thread (and resumes it after ``pause()``), ``stop()`` ends it; ``run()`` works in the calling thread.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from bnviz.config import RunConfig
from bnviz.data import load_dataset
from bnviz.ics.assemble import Measurement, build_result
from bnviz.ics.gradient_change import gradient_change
from bnviz.ics.net import measured_net
from bnviz.ics.result import ICS_VARIANTS, ICSResult
from bnviz.ics.smoothness import eta_grid, smoothness
from bnviz.train.batches import BatchStream
from bnviz.train.experiment import EVAL_SIZE, Experiment
from bnviz.train.job import Job
from bnviz.train.noise import NOISE_SCALE, NOISE_SHIFT
from bnviz.train.seeds import BATCH_STREAM, child_seed

RECORDS = 100  # accuracy and band records per run: smooth curves at any length
MIN_RECORD_EVERY = 10  # a record costs ~10 steps of work
MEASUREMENTS = 200  # gradient-change and smoothness measurements per run
MIN_MEASURE_EVERY = 10  # a measurement of three variants costs ~15-20 lockstep steps
MAX_CHUNK = 200  # steps between progress reports and pause checks (~0.3 s of work)


def ics_config(steps: int, **changes) -> RunConfig:
    """``RunConfig()`` (the paper's net: MNIST, 3 x 100 sigmoid, N(0, 0.05²), SGD lr 0.5, batch 60)
    recording accuracy and bands together ``RECORDS`` times over ``steps``; ``changes`` override
    fields (e.g. ``seed``, or a toy ``dataset`` in tests)."""
    every = max(MIN_RECORD_EVERY, steps // RECORDS)
    return dataclasses.replace(
        RunConfig(), **{"record_every": every, "eval_every": every, **changes}
    )


def default_measure_every(steps: int) -> int:
    """Steps between measurements for a run of ``steps``: ``MEASUREMENTS`` of them (fewer if short)."""
    return max(MIN_MEASURE_EVERY, steps // MEASUREMENTS)


class ICSJob(Job):
    """One bounded run of the three variants with measurements (module docstring); progress and
    control as :class:`bnviz.train.job.Job`, the speed counting measuring as work.
    ``result()`` is a consistent partial (or final) result at any time.
    """

    thread_name = "bnviz-ics"

    def __init__(
        self,
        steps: int,
        cfg: RunConfig | None = None,
        measure_every: int | None = None,
        eval_size: int = EVAL_SIZE,
        parallel: bool = True,
    ):
        super().__init__(steps)
        self.cfg = cfg or ics_config(self.steps)
        if self.cfg.optimizer != "sgd":
            raise ValueError(
                "The gradient-change measurement follows plain SGD: use optimizer 'sgd'."
            )
        if len(self.cfg.hidden) < 2:
            raise ValueError(
                "Gradient change needs a layer below another: use 2 or more hidden layers."
            )
        self.measure_every = int(measure_every or default_measure_every(self.steps))
        if self.measure_every < 1:
            raise ValueError(f"measure_every must be at least 1, got {self.measure_every}.")
        self.etas = eta_grid(self.cfg.lr)
        self.chunk_steps = min(MAX_CHUNK, self.cfg.record_every)
        self._eval_size, self._parallel = eval_size, parallel
        self._measured: list[Measurement] = []
        self._complete = False
        self.measure_seconds = 0.0  # of the work, the time spent measuring

    @property
    def finished(self) -> bool:
        """True once every step is taken and the last measurement is in."""
        return self._complete

    def result(self) -> ICSResult | None:
        """Everything recorded and measured so far (a copy); None before the experiment exists."""
        with self._lock:
            exp, measured = self._exp, list(self._measured)
        if exp is None:
            return None
        return build_result(
            exp.snapshot(),
            measured,
            self.etas,
            self.steps,
            self._meta(
                self.cfg,
                eval_size=self._eval_size,
                measure_every=self.measure_every,
                noise_scale=list(NOISE_SCALE),
                noise_shift=NOISE_SHIFT,
                measure_seconds=round(self.measure_seconds, 2),
            ),
        )

    # -- the work --

    def _work_loop(self, progress: Callable[[ICSJob], None] | None) -> None:
        began = time.perf_counter()
        exp = Experiment(
            self.cfg, parallel=self._parallel, eval_size=self._eval_size, variants=ICS_VARIANTS
        )
        data = load_dataset(self.cfg.dataset)
        # The run's own minibatch sequence, replayed: step t's batch without touching the engine.
        batches = BatchStream(
            data.n_train, self.cfg.batch_size, child_seed(self.cfg.seed, BATCH_STREAM)
        )
        with self._lock:
            self._exp = exp
        self.setup_seconds = time.perf_counter() - began
        try:
            while self._wait_while_paused():
                t0 = time.perf_counter()
                if self._done % self.measure_every == 0 and self._measured_last() != self._done:
                    rows = batches.indices(self._done, 1)[0]
                    self._measure(exp, data.x_train[rows], data.y_train[rows])
                    self.measure_seconds += time.perf_counter() - t0
                if self._done >= self.steps:
                    self._work_seconds += time.perf_counter() - t0
                    self._complete = True
                    if progress is not None:
                        progress(self)
                    break
                to_measure = self.measure_every - self._done % self.measure_every
                n = min(self.chunk_steps, self.steps - self._done, to_measure)
                if not self._advance(exp, n, t0, progress):
                    break
        finally:
            exp.close()

    def _measured_last(self) -> int | None:
        with self._lock:
            return self._measured[-1].step if self._measured else None

    def _measure(self, exp: Experiment, x, y) -> None:
        """Both measurements of every variant at the current step, on its minibatch ``(x, y)``."""
        changes, smooth = {}, {}
        for name, twin in exp.twins.items():
            net = measured_net(twin)  # one copy serves both measurements
            changes[name] = gradient_change(twin, x, y, exp.lr, net)
            smooth[name] = smoothness(twin, x, y, self.etas, net)
        with self._lock:
            self._measured.append(Measurement(self._done, changes, smooth))
