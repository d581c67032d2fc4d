"""``Job``: a bounded run of the engine in a background thread, with progress, that a page can drive.

The Figure 1 page and the "Does BN reduce ICS?" page each rerun their experiment live; the CLIs run
the same job in the calling thread. What they share lives here: the thread, pause and resume
between chunks of steps, stop, progress (steps done, speed over the time spent working, ETA) and
an exception kept for the page instead of lost. A job is a :class:`bnviz.train.sessions.Trainable`,
so the server-wide session registry can cap, pause and release it.

A subclass implements ``_work_loop(progress)`` — build its experiment, then call
``self._wait_while_paused()`` between chunks, add to ``self._done`` and ``self._work_seconds``, and
return when ``self._stop`` is set — and ``result()``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bnviz.train.turns import turn

if TYPE_CHECKING:
    from bnviz.config import RunConfig
    from bnviz.train.experiment import Experiment

MAX_STEPS = 1_000_000  # a bound on any job a page or a CLI may start


class Job:
    """A bounded run of ``steps`` lockstep steps (see the module docstring).

    Progress, from any thread: ``steps_done``, ``steps_per_second`` (over the time spent working,
    pauses excluded), ``eta_seconds``, ``finished``, ``is_running``; ``error`` holds an exception
    raised in the worker.
    """

    thread_name = "bnviz-job"

    def __init__(self, steps: int):
        if not 1 <= steps <= MAX_STEPS:
            raise ValueError(f"Choose between 1 and {MAX_STEPS:,} steps, got {steps:,}.")
        self.steps = int(steps)
        self._lock = threading.Lock()
        self._resume = threading.Event()
        self._resume.set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._done = 0
        self._work_seconds = 0.0
        self.setup_seconds = 0.0  # building the experiment: loading data, the step-0 records
        self.error: BaseException | None = None
        self._exp: Experiment | None = None  # set by the worker once built

    # -- progress (any thread) --

    @property
    def steps_done(self) -> int:
        return self._done

    @property
    def finished(self) -> bool:
        return self._done >= self.steps

    @property
    def is_running(self) -> bool:
        """True while the worker thread is working (not paused, stopped, failed or finished)."""
        alive = self._thread is not None and self._thread.is_alive()
        return alive and self._resume.is_set() and not self._stop.is_set() and not self.finished

    @property
    def steps_per_second(self) -> float:
        return self._done / self._work_seconds if self._work_seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Seconds of work left at the speed so far; None before the first chunk."""
        rate = self.steps_per_second
        return (self.steps - self._done) / rate if rate > 0 else None

    @property
    def experiment(self) -> Experiment | None:
        """The run's engine (None before the worker built it); read it only once finished."""
        with self._lock:
            return self._exp

    def result(self) -> Any:
        """What the run has produced so far (a consistent copy), or None before it began."""
        raise NotImplementedError

    # -- control --

    def start(self) -> None:
        """Start the background run (idempotent; also resumes a paused run)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=self.thread_name, daemon=True)
            self._thread.start()
        self.resume()

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    def stop(self, timeout: float = 10.0) -> None:
        """End the run after the current chunk and join the worker."""
        self._stop.set()
        self._resume.set()  # a paused worker must wake up to see the stop
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self, progress: Callable[[Job], None] | None = None) -> Any:
        """Work in the calling thread; ``progress(job)`` after every chunk. Returns the result."""
        self._work_loop(progress)
        if self.error is not None:
            raise self.error
        return self.result()

    # -- the work --

    def _work(self) -> None:
        try:
            self._work_loop(None)
        except BaseException as exc:  # kept for the page; the thread must not die silently
            self.error = exc

    def _work_loop(self, progress: Callable[[Job], None] | None) -> None:
        raise NotImplementedError

    def _advance(self, exp: Experiment, n: int, began: float, progress) -> bool:
        """``n`` lockstep steps of ``exp``, counted as work since ``began``, then ``progress``;
        False once every variant diverged (nothing left to train)."""
        with turn() as waited:  # in a worker process: one run's chunk at a time
            self._done = exp.step(n)
        self._work_seconds += time.perf_counter() - began - waited
        if exp.all_diverged:
            return False
        if progress is not None:
            progress(self)
        return True

    def _meta(self, cfg: RunConfig, **more: Any) -> dict[str, Any]:
        """How the run was made, for the result's ``meta``: the config, then the job's progress
        and times, then ``more`` (JSON-able values)."""
        return {
            "config": cfg.to_query_params(),
            "summary": cfg.summary(),
            "optimizer": cfg.optimizer,
            "lr": cfg.lr,
            "init_std": cfg.init_std,
            "steps_done": self._done,
            "work_seconds": round(self._work_seconds, 2),
            "setup_seconds": round(self.setup_seconds, 2),
            **more,
        }

    def _wait_while_paused(self) -> bool:
        """Block while paused; False once the job is to stop."""
        while not self._resume.is_set():
            self._resume.wait()
        return not self._stop.is_set()
