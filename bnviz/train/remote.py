"""Handles, in the web process, to runs that train in a worker process (``bnviz.train.pool``).

A handle keeps the newest state and view its worker reported, so every read (``snapshot()``,
``is_running``, ``result()``) answers at once from memory, and every viewer of a run reads the same
objects. Controls are messages to the worker. ``version`` counts the views received: pages cache
what they build from a view under it, once for all the run's viewers.

A handle whose worker died reports the reason in ``error`` and ``is_stopped``; the page then opens a
new run (on a live worker) in its place, as it does for any stopped run.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from bnviz.config import RunConfig, check_lr
from bnviz.i18n import ENGLISH, Gettext, render


class RunFailed(RuntimeError):
    """What a handle's ``error`` holds: the reason, as a sentence for the page (``render(_)``: in
    the page's language, when the reason is a ``Message``)."""

    def __init__(self, reason: str):
        super().__init__(str(reason))
        self.reason = reason

    def render(self, _: Gettext = ENGLISH) -> str:
        return render(self.reason, _)


class RemoteRun:
    """What the two kinds of handle share: identity, the reported state, and simple controls."""

    def __init__(self, pool: Any, w: Any, run_id: int, factory: Callable[[], Any]):
        self.pool, self._worker, self.run_id, self.factory = pool, w, run_id, factory
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"is_running": False, "error": None, "is_stopped": False}
        self._view: Any = None
        self.version = 0
        self._lost_reason: str | None = None
        self._stopped = False
        # Starts sent and not yet done by the worker: the run counts as running meanwhile, or the
        # session registry, seeing a run it just started "not running", would take it for finished.
        self._starting = 0

    # -- reports (the pool's reader thread) --

    def _report(self, state: dict[str, Any], view: Any) -> None:
        with self._lock:
            self._state = state
            if view is not None:
                self._view = view
                self.version += 1

    def _lost(self, reason: str) -> None:
        with self._lock:
            self._lost_reason = reason

    # -- state --

    @property
    def error(self) -> RunFailed | None:
        with self._lock:
            reason = self._lost_reason or self._state.get("error")
        return None if reason is None else RunFailed(reason)

    @property
    def is_running(self) -> bool:
        with self._lock:
            lost = self._lost_reason is not None
            running = bool(self._state.get("is_running")) or self._starting > 0
            return not lost and not self._stopped and running

    @property
    def is_stopped(self) -> bool:
        with self._lock:
            return self._stopped or self._lost_reason is not None or bool(self._state["is_stopped"])

    @property
    def worker_pid(self) -> int | None:
        return self._worker.pid

    # -- controls --

    def _call(self, method: str, *args: Any, wait: bool = False, kwargs: dict | None = None):
        message = ("call", self.run_id, method, args, kwargs or {})
        self.pool.request(self._worker, message, wait=wait)

    def _quietly(self, method: str, *args: Any) -> None:
        """A control that may find the worker gone: the handle already says so."""
        with contextlib.suppress(RuntimeError):
            self._call(method, *args)

    def start(self) -> None:
        """Start or resume; ``is_running`` is True from now on, not from the worker's next report."""
        if self._lost_reason is not None:
            return
        with self._lock:
            self._starting += 1
        try:
            message = ("call", self.run_id, "start", (), {})
            self.pool.request(self._worker, message, wait=False, on_reply=self._started)
        except RuntimeError:
            self._started(None)
            raise

    def _started(self, error: str | None) -> None:
        # The worker's report of the started run arrived before this reply.
        with self._lock:
            self._starting -= 1

    def resume(self) -> None:
        self.start()

    def pause(self, wait: bool = False, timeout: float = 30.0) -> None:
        """Stop stepping after the current chunk (``wait``: until it is done)."""
        if wait and self._lost_reason is None:
            self._call("pause", wait=True, kwargs={"wait": True, "timeout": timeout})
        else:
            self._quietly("pause")

    def stop(self, timeout: float = 10.0) -> None:
        """End the run and free it in the worker (returns without waiting for the worker)."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._worker.runs.pop(self.run_id, None)
        with contextlib.suppress(RuntimeError):
            self.pool.request(self._worker, ("close", self.run_id), wait=False)


class RemoteRunner(RemoteRun):
    """A ``Runner`` in a worker: the same controls, reads from the newest report."""

    def __init__(self, pool: Any, w: Any, run_id: int, factory: Callable[[], Any]):
        super().__init__(pool, w, run_id, factory)
        self._state.update(is_paused=True)

    @property
    def is_paused(self) -> bool:
        with self._lock:
            return bool(self._state.get("is_paused"))

    @property
    def step_count(self) -> int:
        """Steps taken, as of the newest report (the snapshot's ``step`` is the newest record's)."""
        with self._lock:
            return int(self._state.get("step_count", 0))

    def snapshot(self):
        """The newest ``Snapshot`` the worker reported (never waits on training)."""
        with self._lock:
            return self._view

    @property
    def config(self) -> RunConfig:
        return self.snapshot().config

    def step(self, n: int = 1, wait: bool = False, timeout: float = 30.0) -> None:
        if n < 0:
            raise ValueError(f"Cannot take a negative number of steps ({n}).")
        self._call("step", n, wait=wait, kwargs={"wait": True, "timeout": timeout} if wait else {})

    def set_lr(self, lr: float) -> None:
        self._call("set_lr", check_lr(lr))

    def set_speed(self, steps_per_second: float | None) -> None:
        self._call("set_speed", steps_per_second)

    def reset(self, cfg: RunConfig | None = None, wait: bool = True, timeout: float = 30.0) -> None:
        """Start over (with ``cfg`` if given). A run whose worker died cannot: its page opens a
        new run instead (``is_stopped`` says so)."""
        if self.error is not None and self._lost_reason is not None:
            raise self.error
        self._call("reset", cfg, wait=True)


class RemoteJob(RemoteRun):
    """A ``Job`` in a worker: progress and ``result()`` from the newest report."""

    def __init__(self, pool: Any, w: Any, run_id: int, factory: Callable[[], Any]):
        super().__init__(pool, w, run_id, factory)
        self._state.update(steps=0, steps_done=0, finished=False, steps_per_second=0.0)

    def _get(self, name: str, default: Any = None) -> Any:
        with self._lock:
            return self._state.get(name, default)

    @property
    def steps(self) -> int:
        return int(self._get("steps", 0))

    @property
    def steps_done(self) -> int:
        return int(self._get("steps_done", 0))

    @property
    def finished(self) -> bool:
        return bool(self._get("finished", False))

    @property
    def steps_per_second(self) -> float:
        return float(self._get("steps_per_second", 0.0))

    @property
    def eta_seconds(self) -> float | None:
        return self._get("eta_seconds")

    def result(self) -> Any:
        """The job's newest result the worker reported (None before it began)."""
        with self._lock:
            return self._view
