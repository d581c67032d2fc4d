"""One short run of a sweep: one variant from one config, trained in chunks, and what it measured.

    trial = Trial(spec)        # builds the network (same weights and batches as every variant)
    while not trial.done:
        trial.advance(500)     # the live job checks pause and stop between chunks
    outcome = trial.outcome()  # RunOutcome: final accuracy, divergence, the accuracy curve

Measured, in inference mode (BN with its running averages):

- every ``EVAL_EVERY`` steps, test accuracy on ``EVAL_SIZE`` held-out test digits (the engine's
  eval subset): the curve behind "steps to 90%";
- at the end, the final test accuracy on all of MNIST's 10,000 test digits (none is ever trained
  on; the engine's probe digits only record statistics).

A run of the batch sweep is also measured at the end by ``bnviz.sweep.batch_measure`` (both modes
on test batches of its batch size, and the noise of BN's batch statistics): ``RunOutcome.measure``.

A run diverges when its training loss is not finite (the engine then stops it): its accuracy after
that step is NaN, and so is its final accuracy (the network computes nothing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from bnviz.data import load_dataset
from bnviz.sweep.batch_measure import BatchMeasure, measure
from bnviz.sweep.grid import EVAL_EVERY, EVAL_SIZE, RunSpec
from bnviz.train.experiment import Experiment
from bnviz.train.probe import accuracy

PROBE_SIZE = 60  # one batch: the sweep reads no probe statistics, so keep them cheap


@dataclass(frozen=True)
class RunOutcome:
    """What one run measured. ``curve # (n,)`` test accuracy at ``eval_steps(spec.steps)`` (NaN
    after a divergence); ``final_accuracy`` on all test digits (NaN if diverged); ``diverged_at``
    the step whose loss was not finite (None if none); ``seconds`` of wall time."""

    spec: RunSpec
    curve: np.ndarray
    final_accuracy: float
    diverged_at: int | None
    seconds: float
    measure: BatchMeasure | None = None  # batch sweep, unless diverged


def eval_steps(steps: int, every: int = EVAL_EVERY) -> np.ndarray:
    """``# (n,)`` the steps at which a run of ``steps`` is evaluated: 0, then every ``every``
    (every step of a run shorter than that is not; its last step is)."""
    every = min(every, steps)
    return np.arange(0, steps + 1, every, dtype=np.int64)


class Trial:
    """One run of ``spec`` (see the module docstring). Driven by one thread at a time."""

    def __init__(self, spec: RunSpec):
        self.spec = spec
        began = time.perf_counter()
        self._exp = Experiment(
            spec.config(),
            parallel=False,
            probe_size=PROBE_SIZE,
            eval_size=EVAL_SIZE,
            variants=(spec.variant,),
        )
        self._seconds = time.perf_counter() - began

    @property
    def steps_done(self) -> int:
        return self._exp.step_count

    @property
    def diverged(self) -> bool:
        return self._exp.all_diverged

    @property
    def done(self) -> bool:
        return self.diverged or self.steps_done >= self.spec.steps

    def advance(self, n: int) -> int:
        """Up to ``n`` more steps (fewer at the end); returns the steps taken."""
        began, before = time.perf_counter(), self.steps_done
        if not self.done:
            self._exp.step(min(n, self.spec.steps - before))
        self._seconds += time.perf_counter() - began
        return self.steps_done - before

    def outcome(self) -> RunOutcome:
        """The run's numbers (call once ``done``); closes the engine."""
        began = time.perf_counter()
        snap = self._exp.snapshot().twins[self.spec.variant]
        steps = eval_steps(self.spec.steps, self.spec.eval_every)
        curve = np.full(len(steps), np.nan)
        acc_steps, acc = np.asarray(snap.acc_steps), np.asarray(snap.acc, dtype=np.float64)
        known = np.isin(steps, acc_steps)
        curve[known] = acc[np.searchsorted(acc_steps, steps[known])]
        diverged_at = snap.diverged_at
        final, measured = float("nan"), None
        if diverged_at is None:
            data = load_dataset(self.spec.dataset)
            twin = self._exp.twins[self.spec.variant]
            final = accuracy(twin, data.x_test, data.y_test)
            if self.spec.sweep == "batch":  # the same test batches for every variant of a seed
                m = self._exp.cfg.batch_size
                measured = measure(twin, data.x_test, data.y_test, m, seed=self.spec.seed)
        self._exp.close()
        self._seconds += time.perf_counter() - began
        return RunOutcome(self.spec, curve, final, diverged_at, self._seconds, measured)


def run_trial(spec: RunSpec, chunk: int = 500) -> RunOutcome:
    """Train ``spec`` to the end in the calling thread."""
    trial = Trial(spec)
    while not trial.done:
        trial.advance(chunk)
    return trial.outcome()
