"""The worker process: hosts runs for the web process and reports on them through one pipe.

A worker (started by ``bnviz.train.pool.WorkerPool`` with the ``spawn`` method) holds any number of
runs, each a ``Runner`` or a ``Job`` built in this process from a picklable factory. Their threads
take turns, one chunk of steps at a time (``bnviz.train.turns``), so runs share the worker's core
fairly and a paused run costs nothing. The worker runs at a lower OS priority than the web process,
so training never starves the pages.

Messages from the web process (tuples; ``req`` is None when no reply is wanted):

- ``("open", req, run_id, factory)``: build ``factory()`` and host it as ``run_id``;
- ``("call", req, run_id, method, args, kwargs)``: call a control method of that run;
- ``("close", req, run_id)``: stop it and forget it.

Messages to the web process:

- ``("state", run_id, state, view)``: ``state`` a small dict (running, paused, error, progress);
  ``view`` the run's newest ``Snapshot`` (a ``Runner``) or ``result()`` (a ``Job``), or None when
  unchanged since the last report. Sent at most every ``REPORT_S`` per run while it changes;
- ``("reply", req, error)``: the request is done (``error``: None, or a sentence); a run's report
  goes out before the reply to a request that changed it, so the web process never reads a stale
  run after waiting for a command.
"""

from __future__ import annotations

import os
import pickle
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from bnviz import shared_data
from bnviz.i18n import error_message
from bnviz.train import turns

REPORT_S = 0.2  # reports per run: at most 5 a second, more than the pages' refresh rate
FAST_CALLS = frozenset({"start", "resume", "pause", "set_lr", "set_speed"})
SLOW_CALLS = frozenset({"step", "reset", "stop"})  # may block: done in a thread of their own


def serve(conn: Connection, handles: tuple, nice: int) -> None:
    """The worker's entry point (``multiprocessing`` target)."""
    if nice > 0:
        os.nice(nice)
    import torch  # noqa: PLC0415 - after the priority change, so even the import yields to pages

    torch.set_num_threads(1)
    preload()
    shared_data.attach(handles)
    turns.install()
    Host(conn).loop()


def preload() -> None:
    """Import now what a run may import later. Every ``torch.optim`` optimizer (momentum, Adam)
    imports ``torch._dynamo`` on first use: ~800 modules, ~70 MB of heap, once per process. Paid
    at the worker's start, it is part of the server's known footprint, not a surprise cost of
    the first link that asks for Adam."""
    import torch._dynamo  # noqa: F401, PLC0415


class Host:
    """The runs of one worker and the pipe to the web process."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.runs: dict[int, Any] = {}
        self._send_lock = threading.Lock()
        self._runs_lock = threading.Lock()
        self._last_key: dict[int, Any] = {}

    def loop(self) -> None:
        while True:
            try:
                ready = self.conn.poll(REPORT_S)
                message = self.conn.recv() if ready else None
            except (EOFError, OSError):  # the web process is gone: so are we
                self._stop_all()
                return
            if message is not None:
                self._handle(message)
            self.report()

    # -- requests --

    def _handle(self, message: tuple) -> None:
        kind, req, run_id, *rest = message
        if kind == "open":
            self._in_thread(req, run_id, lambda: self._open(run_id, rest[0]))
        elif kind == "close":
            self._in_thread(req, run_id, lambda: self._close(run_id))
        elif kind == "call":
            method, args, kwargs = rest
            if method not in FAST_CALLS | SLOW_CALLS:
                self._reply(req, f"Unknown control {method!r}.")
                return
            run = self.runs.get(run_id)
            if run is None:
                self._reply(req, "This run is not on this worker any more.")
            elif method in SLOW_CALLS or kwargs.get("wait"):
                self._in_thread(req, run_id, lambda: getattr(run, method)(*args, **kwargs))
            else:
                self._answer(req, run_id, lambda: getattr(run, method)(*args, **kwargs))

    def _open(self, run_id: int, factory: Callable[[], Any]) -> None:
        run = factory()
        with self._runs_lock:
            self.runs[run_id] = run

    def _close(self, run_id: int) -> None:
        with self._runs_lock:
            run = self.runs.pop(run_id, None)
            self._last_key.pop(run_id, None)
        if run is not None:
            run.stop()

    def _in_thread(self, req, run_id: int, work: Callable[[], Any]) -> None:
        threading.Thread(
            target=self._answer, args=(req, run_id, work), name="bnviz-request", daemon=True
        ).start()

    def _answer(self, req, run_id: int, work: Callable[[], Any]) -> None:
        try:
            work()
            error = None
        except Exception as exc:  # a sentence for the page; the worker carries on
            error = error_message(exc)
        self.report(only=run_id, force=True)
        self._reply(req, error)

    def _reply(self, req, error: str | None) -> None:
        if req is not None:
            self._send(("reply", req, error))

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            self.conn.send(message)

    def _stop_all(self) -> None:
        for run in list(self.runs.values()):
            run.stop()

    # -- reports --

    def report(self, only: int | None = None, force: bool = False) -> None:
        """Send each run's state, and its view if it changed since the last report."""
        with self._runs_lock:
            runs = list(self.runs.items()) if only is None else [(only, self.runs.get(only))]
        for run_id, run in runs:
            if run is None:
                continue
            try:
                state, key = describe(run)
                last = self._last_key.get(run_id)
                if not force and (state, key) == last:
                    continue
                new_view = force or last is None or key != last[1]
                view = (
                    (run.snapshot() if hasattr(run, "exp") else run.result()) if new_view else None
                )
            except (
                Exception
            ) as exc:  # a view that cannot be built is a failed run, not a dead worker
                state = {"error": str(exc), "is_running": False, "is_stopped": True}
                key, view = traceback.format_exc(), None
            self._last_key[run_id] = (state, key)
            try:
                self._send(("state", run_id, state, view))
            except (pickle.PicklingError, TypeError) as exc:  # a bug, kept to this run
                self._send(("state", run_id, {**state, "error": str(exc)}, None))


def describe(run: Any) -> tuple[dict[str, Any], Any]:
    """A run's state for the web process, and a key that changes whenever its view does."""
    error = getattr(run, "error", None)
    state: dict[str, Any] = {
        "is_running": run.is_running,
        "error": None if error is None else error_message(error),
    }
    if hasattr(run, "exp"):  # a Runner
        exp = run.exp
        state.update(is_paused=run.is_paused, is_stopped=run.is_stopped, step_count=exp.step_count)
        # The view changes with a record, an LR change or an error; the step count alone does
        # not rebuild the snapshot (a ~400 kB message): it travels in the state.
        key = (exp.lr, exp.last_record_time, state["error"])
    else:  # a Job
        state.update(
            steps=run.steps,
            steps_done=run.steps_done,
            finished=run.finished,
            steps_per_second=run.steps_per_second,
            eta_seconds=run.eta_seconds,
            is_stopped=False,
        )
        key = (run.steps_done, run.finished, state["error"], run.experiment is not None)
    return state, key
