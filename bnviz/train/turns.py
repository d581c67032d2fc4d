"""Turns: in a worker process, one run trains at a time, and the runs take turns in arrival order.

A worker process hosts many runs (``bnviz.train.worker``), each driven by its own thread (a
``Runner`` or a ``Job``). Left alone, those threads would fight over the process's one GIL and its
core, and the server would do a fraction of the work it does for one run. Instead, every chunk of
training (~50 ms of steps, see ``bnviz.train.thread_runner.CHUNK_SECONDS``) is taken inside
``with turn():``, which admits one chunk at a time per process, first come first served (a ticket
lock). Every run that wants to train gets one chunk per round, so runs of equal chunk length share the
worker's time equally, and a paused run, which asks for no turn, costs nothing.

Outside a worker (the CLIs, the tests, a single-user server without a pool) nothing is installed and
``turn()`` admits everyone at once: the old behaviour, unchanged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Baton:
    """A fair lock: ``hold()`` blocks until every earlier caller has had and released its turn."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    @contextmanager
    def hold(self) -> Iterator[float]:
        """Wait for this caller's turn; yields the seconds spent waiting."""
        began = time.perf_counter()
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._cond.wait()
        try:
            yield time.perf_counter() - began
        finally:
            with self._cond:
                self._serving += 1
                self._cond.notify_all()

    @property
    def waiting(self) -> int:
        """Callers holding or waiting for a turn."""
        with self._cond:
            return self._next_ticket - self._serving


_baton: Baton | None = None


def install() -> Baton:
    """Make every later ``turn()`` in this process take turns (the worker process calls this)."""
    global _baton
    if _baton is None:
        _baton = Baton()
    return _baton


@contextmanager
def turn() -> Iterator[float]:
    """One chunk of training: exclusive and in order where installed, free otherwise. Yields the
    seconds spent waiting for the turn (0.0 where nothing is installed)."""
    baton = _baton
    if baton is None:
        yield 0.0
        return
    with baton.hold() as waited:
        yield waited
