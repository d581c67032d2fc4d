"""``ThreadRunner``: an ``Experiment`` trained by a thread of this process (``Runner``'s engine).

Only the runner's thread touches the experiment after ``start()``: control methods leave a request
under a condition variable, applied between chunks of steps (~50 ms of work each, so controls answer
within about that). Paused, the thread sleeps on the condition: no CPU. ``stop()`` bumps a
generation counter, so a stale loop retires cleanly. An exception in the thread is kept in
``error`` (the runner then stops), never lost. The thread never calls streamlit. Use it through
``bnviz.train.runner.Runner``, which also decides where a run lives.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any

from bnviz.config import RunConfig, check_lr
from bnviz.train.experiment import Experiment
from bnviz.train.snapshot import Snapshot
from bnviz.train.turns import turn

CHUNK_SECONDS = 0.05  # work per chunk at full speed: controls answer within ~50 ms
# Record at least this often (at a chunk's end): a record per page refresh (2 Hz). More would cost
# training time where many runs share a worker: a record is ~10 ms, a chunk ~50 ms of steps.
LIVE_RECORD_SECONDS = 0.5
MAX_CHUNK = 1000


class ThreadRunner:
    """A run trained by a thread of this process (see the module docstring). ``run`` is a
    ``RunConfig`` (None: the paper's setup) or an ``Experiment`` built by the caller;
    ``steps_per_second`` caps the speed (None: as fast as possible)."""

    def __init__(
        self,
        run: RunConfig | Experiment | None = None,
        steps_per_second: float | None = None,
        pool: Any = None,
    ):
        self.exp = run if isinstance(run, Experiment) else Experiment(run)
        self.error: BaseException | None = None
        self.error_traceback: str | None = None
        self._cond = threading.Condition()
        self._state = "paused"  # "paused" | "running" | "stopped"
        self._speed = check_speed(steps_per_second)
        self._pending_lr: float | None = None
        self._pending_reset: tuple[RunConfig | None] | None = None
        self._pending_steps = 0
        self._steps_requested = 0  # manual steps asked for / taken (or dropped by a reset), so
        self._steps_done = 0  # that step(wait=True) can wait for its own steps
        self._resets_requested = 0
        self._resets_done = 0
        self._busy = False  # the worker is inside exp.step or applying a request
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._chunk = 10  # adapted to the measured speed

    # -- state --

    @property
    def is_running(self) -> bool:
        """True while training continuously (not paused, not stopped, no error, something left
        to train: a run whose every variant diverged is not running)."""
        with self._cond:
            return self._state == "running" and self.error is None and not self.exp.all_diverged

    @property
    def is_paused(self) -> bool:
        with self._cond:
            return self._state == "paused"

    @property
    def is_stopped(self) -> bool:
        with self._cond:
            return self._state == "stopped"

    @property
    def steps_per_second(self) -> float | None:
        """The speed cap, or None for as fast as possible."""
        return self._speed

    def snapshot(self) -> Snapshot:
        return self.exp.snapshot()

    # -- control (any thread) --

    def start(self) -> None:
        """Start (or resume) continuous training."""
        with self._cond:
            self._require_alive()
            self._ensure_thread()
            self._state = "running"
            self._cond.notify_all()

    def resume(self) -> None:
        self.start()

    def pause(self, wait: bool = False, timeout: float = 30.0) -> None:
        """Stop stepping after the current chunk (``wait``: until it is done); the thread then
        sleeps until told otherwise."""
        with self._cond:
            if self._state == "running":
                self._state = "paused"
                self._cond.notify_all()
        if wait:
            self._wait(lambda: not self._busy, timeout)

    def step(self, n: int = 1, wait: bool = False, timeout: float = 30.0) -> None:
        """Take ``n`` steps while paused (recorded at the end, so the charts show them)."""
        if n < 0:
            raise ValueError(f"Cannot take a negative number of steps ({n}).")
        with self._cond:
            self._require_alive()
            self._ensure_thread()
            self._pending_steps += n
            self._steps_requested += n
            target = self._steps_requested
            self._cond.notify_all()
        if wait:
            self._wait(lambda: self._steps_done >= target, timeout)

    def set_lr(self, lr: float) -> None:
        """Use ``lr`` from the next step on. Raises ValueError (in the caller) if out of range."""
        lr = check_lr(lr)
        with self._cond:
            self._pending_lr = lr
            self._cond.notify_all()
        self._apply_now_if_idle()

    def set_speed(self, steps_per_second: float | None) -> None:
        """Cap the speed (steps/s, e.g. 2 for a slow-motion demo) or ``None`` for full speed."""
        speed = check_speed(steps_per_second)
        with self._cond:
            self._speed = speed
            self._cond.notify_all()

    def reset(self, cfg: RunConfig | None = None, wait: bool = True, timeout: float = 30.0) -> None:
        """Start the experiment over (optionally with a new config); keeps running or paused."""
        with self._cond:
            self._pending_reset = (cfg,)
            self._resets_requested += 1
            target = self._resets_requested
            self._cond.notify_all()
        self._apply_now_if_idle()
        if wait:
            self._wait(lambda: self._resets_done >= target, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop for good and join the worker thread."""
        with self._cond:
            self._state = "stopped"
            self._generation += 1
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self.exp.close()

    # -- internals --

    def _require_alive(self) -> None:
        if self._state == "stopped":
            raise RuntimeError("This runner was stopped; create a new one.")

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._loop, args=(self._generation,), name="bnviz-runner", daemon=True
            )
            self._thread.start()

    def _wait(self, done, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not done() and self.error is None and self._state != "stopped":
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("The runner did not finish in time.")
                self._cond.wait(left)

    def _apply_now_if_idle(self) -> None:
        """Before the thread exists nobody else touches the experiment: apply requests here."""
        with self._cond:
            if self._thread is None:
                self._apply_requests()

    def _apply_requests(self) -> None:
        """Apply pending LR change / reset (caller holds the lock and owns the experiment)."""
        if self._pending_reset is not None:
            (cfg,) = self._pending_reset
            if self._pending_lr is not None and cfg is None:  # the same run at the newest LR
                self.exp.set_lr(self._pending_lr)
            self._pending_lr = None  # applied, or superseded by the new config's own LR
            self.exp.reset(cfg)
            self._pending_reset = None
            self._resets_done = self._resets_requested
            self._pending_steps = 0  # steps asked of the old run are dropped
            self._steps_done = self._steps_requested
        if self._pending_lr is not None:
            self.exp.set_lr(self._pending_lr)
            self._pending_lr = None

    def _loop(self, generation: int) -> None:
        while True:
            with self._cond:
                while True:
                    if self._generation != generation or self._state == "stopped":
                        return
                    try:
                        self._apply_requests()
                    except Exception as exc:  # e.g. a config whose dataset cannot load
                        self._fail(exc)
                        return
                    self._cond.notify_all()
                    manual = self._pending_steps > 0
                    if manual or (self._state == "running" and not self.exp.all_diverged):
                        break
                    self._cond.wait()  # paused (or nothing left to train): sleep, no spinning
                speed = self._speed
                n = min(self._pending_steps, self._chunk) if manual else self._chunk
                if speed is not None and not manual:
                    n = max(1, min(n, int(speed * CHUNK_SECONDS)))
                final_manual = manual and n == self._pending_steps  # show single steps at once
                self._busy = True
            try:
                with turn():  # in a worker process: one run's chunk at a time (bnviz.train.turns)
                    began = time.monotonic()
                    # Records by time as well as by step: at any speed the live page gets >= 4
                    # per second, and at full speed the record_every cadence keeps their cost small.
                    due = began - self.exp.last_record_time >= LIVE_RECORD_SECONDS
                    self.exp.step(n, record_last=due or final_manual)
            except Exception as exc:
                with self._cond:
                    self._busy = False
                    self._fail(exc)
                return
            ended = time.monotonic()
            with self._cond:
                self._busy = False
                if manual and self._pending_reset is None:
                    self._pending_steps = max(0, self._pending_steps - n)
                    self._steps_done += n
                elif ended > began:  # aim the next chunk at CHUNK_SECONDS of work
                    rate = n / (ended - began)
                    self._chunk = max(1, min(MAX_CHUNK, int(rate * CHUNK_SECONDS)))
                self._cond.notify_all()
                if speed is not None and not manual:
                    # Sleep out the rest of this chunk's time budget; a control call wakes us.
                    deadline = began + n / speed
                    while self._state == "running" and self._generation == generation:
                        left = deadline - time.monotonic()
                        if left <= 0 or self._speed != speed or self._pending_reset is not None:
                            break
                        if self._pending_lr is not None:  # show a new LR at once, even in
                            self._apply_requests()  # slow motion (the next step uses it)
                            self._cond.notify_all()
                        self._cond.wait(left)

    def _fail(self, exc: BaseException) -> None:
        """Keep the worker's exception for the page (caller holds the lock)."""
        self.error = exc
        self.error_traceback = "".join(traceback.format_exception(exc))
        self._state = "stopped"
        self._cond.notify_all()


def check_speed(steps_per_second: float | None) -> float | None:
    if steps_per_second is None:
        return None
    speed = float(steps_per_second)
    if not speed > 0:
        raise ValueError(f"The speed must be a positive number of steps per second, got {speed}.")
    return speed
