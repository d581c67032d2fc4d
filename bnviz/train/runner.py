"""``Runner``: an ``Experiment`` trained in the background, controlled from the page.

    runner = Runner(cfg)               # nothing runs yet; with a pool installed, in a worker process
    runner.start()                     # train at full speed
    runner.set_lr(1.0)                 # thread-safe; the next step uses it
    runner.pause(); runner.step(5)     # single-step while paused (wait=True blocks until done)
    runner.set_speed(10)               # slow motion: at most 10 steps/s (None = as fast as possible)
    snap = runner.snapshot()           # immutable; never blocks on training
    runner.stop()                      # joins the thread

Only the runner's thread touches the experiment after ``start()``: control methods leave a request
under a condition variable, applied between chunks of steps (~50 ms of work each, so controls answer
within about that). Paused, the thread sleeps on the condition: no CPU. ``stop()`` bumps a
generation counter, so a stale loop retires cleanly. An exception in the thread is kept in
``error`` (the runner then stops), never lost. Where a run lives (this process, or a worker of
``bnviz.train.pool``) is the caller's choice through ``use_pool``; the controls are the same.
"""

from __future__ import annotations

from typing import Any

from bnviz.config import RunConfig
from bnviz.train.experiment import Experiment
from bnviz.train.thread_runner import ThreadRunner, check_speed

_default_pool: Any = None
_UNSET: Any = object()


def use_pool(pool: Any) -> None:
    """Train every later ``Runner(cfg)`` of this process in ``pool`` (a
    ``bnviz.train.pool.WorkerPool``; None: in a thread of this process again)."""
    global _default_pool
    _default_pool = pool


class RunnerFactory:
    """``Runner(cfg, steps_per_second)`` as a picklable callable: what a worker process builds."""

    def __init__(self, cfg: RunConfig | None, steps_per_second: float | None = None):
        self.cfg, self.steps_per_second = cfg, check_speed(steps_per_second)

    def __call__(self) -> Runner:
        return Runner(self.cfg, steps_per_second=self.steps_per_second, pool=None)


class Runner(ThreadRunner):
    """A run that trains in the background (see the module docstring).

    ``run`` is a ``RunConfig`` (None: the paper's setup), or an ``Experiment`` built by the caller.
    ``steps_per_second`` caps the speed (None: as fast as possible). ``pool``: a worker pool to
    train in (default: the one ``use_pool`` installed, if any). A run given as a ``RunConfig`` then
    trains in a worker process, and ``Runner(...)`` returns the pool's handle to it
    (``bnviz.train.remote.RemoteRunner``): the same controls and ``snapshot()``, without ``exp``.
    An ``Experiment`` built by the caller always trains in a thread of this process.
    """

    def __new__(
        cls,
        run: RunConfig | Experiment | None = None,
        steps_per_second: float | None = None,
        pool: Any = _UNSET,
    ):
        pool = _default_pool if pool is _UNSET else pool
        if pool is not None and not isinstance(run, Experiment):
            return pool.open_runner(RunnerFactory(run, steps_per_second))
        return super().__new__(cls)
