"""Training runs of many browser sessions on one server: a cap, idle pause, and release on tab close.

One :class:`SessionRun` per browser session (and per kind of run it owns) holds that run's trainer. The :class:`SessionRegistry`
is process-wide and enforces three rules so that a class of students cannot overload a 2-core server:

- **Cap.** At most ``max_training`` runs train at once (a *slot* per training run). A session that asks to
  play while all slots are taken is told so (``play`` returns ``False``); it never waits or hangs.
- **Idle pause.** A session that has not polled for ``idle_pause_s`` (its tab is hidden, the laptop slept)
  is paused and gives its slot back. Its next poll resumes it, if a slot is free.
- **Release.** When a tab closes, Streamlit releases the session; its run is paused at once and stopped
  after ``release_grace_s`` unless the same session id comes back (a websocket reconnect keeps the id, so a
  network blip does not cost the lecturer the run).

What the registry drives is any :class:`Trainable`: the live lab's ``Runner`` and the Figure 1
page's ``Figure1Job``. Nothing here imports streamlit; ``ui/session_runs.py`` wires it to
``st.cache_resource``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

DEFAULT_MAX_TRAINING = 4  # concurrent training runs: ~2 per core keeps each live page above 2 Hz
DEFAULT_IDLE_PAUSE_S = 30.0  # background tabs poll about once a minute; 30 s catches them
# Streamlit keeps a disconnected session for its reconnect window (server.disconnectedSessionTTL,
# 120 s by default); a run must live at least as long, or a Wi-Fi drop would cost the lecturer it.
DEFAULT_RELEASE_GRACE_S = 120.0
SWEEP_EVERY_S = 1.0


def _env_number(name: str, default: float, minimum: float) -> float:
    """A numeric environment variable, or ``default`` when unset or unreadable."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return max(value, minimum)


class Trainable(Protocol):
    """What a session's run must offer the registry (``Runner`` and ``Figure1Job`` do)."""

    @property
    def is_running(self) -> bool: ...

    def start(self) -> None:
        """Start training, or resume it after ``pause()``."""

    def pause(self) -> None:
        """Stop stepping soon; ``start()`` continues."""

    def stop(self) -> None:
        """End for good and release the thread (may block briefly: call it outside locks)."""


@dataclass
class SessionRun:
    """One browser session's run. ``wants_to_train`` is the user's intent (play pressed, not paused);
    ``training`` is whether it holds a slot and its runner is stepping. A run that wants to train
    but does not is waiting for a slot, or was paused while nobody watched it."""

    session_id: str
    runner: Trainable
    last_poll: float
    wants_to_train: bool = False
    training: bool = False
    stepping: bool = False  # taking a few steps by hand: holds a slot meanwhile
    released_at: float | None = None


class SessionRegistry:
    """Process-wide table of the runs that browser sessions own (thread-safe)."""

    def __init__(
        self,
        max_training: int = DEFAULT_MAX_TRAINING,
        idle_pause_s: float = DEFAULT_IDLE_PAUSE_S,
        release_grace_s: float = DEFAULT_RELEASE_GRACE_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        if max_training < 1:
            raise ValueError("max_training must be at least 1")
        self.max_training = int(max_training)
        self.idle_pause_s = float(idle_pause_s)
        self.release_grace_s = float(release_grace_s)
        self._clock = clock
        self._lock = threading.RLock()
        self._sessions: dict[str, SessionRun] = {}
        self._monitor: threading.Thread | None = None
        self._stop_monitor = threading.Event()

    @classmethod
    def from_env(cls, min_release_grace_s: float = 0.0) -> SessionRegistry:
        """Read the course-site knobs ``BNVIZ_MAX_TRAINING_RUNS``, ``BNVIZ_IDLE_PAUSE_SECONDS`` and
        ``BNVIZ_RELEASE_GRACE_SECONDS`` (documented in the README). The grace is at least
        ``min_release_grace_s`` (the web server's reconnect window)."""
        grace = _env_number("BNVIZ_RELEASE_GRACE_SECONDS", DEFAULT_RELEASE_GRACE_S, 0.0)
        return cls(
            max_training=int(_env_number("BNVIZ_MAX_TRAINING_RUNS", DEFAULT_MAX_TRAINING, 1)),
            idle_pause_s=_env_number("BNVIZ_IDLE_PAUSE_SECONDS", DEFAULT_IDLE_PAUSE_S, 1.0),
            release_grace_s=max(grace, min_release_grace_s),
        )

    # -- lookup ------------------------------------------------------------------------------------
    def get_or_create(self, session_id: str, make_runner: Callable[[], Trainable]) -> SessionRun:
        """The session's run; a released session that comes back within the grace period is revived.
        ``make_runner`` runs outside the registry's lock: building a model must not hold up every
        other session."""
        with self._lock:
            entry = self._revive(session_id)
        if entry is not None:
            return entry
        runner = make_runner()
        with self._lock:
            entry = self._revive(session_id)  # the same session may have raced us here
            if entry is None:
                entry = SessionRun(session_id, runner, last_poll=self._clock())
                self._sessions[session_id] = entry
                return entry
        runner.stop()  # lost the race: the other runner stays
        return entry

    def _revive(self, session_id: str) -> SessionRun | None:
        entry = self._sessions.get(session_id)
        if entry is not None and entry.released_at is not None:
            entry.released_at = None
            entry.last_poll = self._clock()
            if entry.wants_to_train:
                self._try_train(entry)
        return entry

    def get(self, session_id: str) -> SessionRun | None:
        with self._lock:
            return self._sessions.get(session_id)

    def replace_runner(self, session_id: str, runner: Trainable) -> SessionRun:
        """Swap in a new runner (a config change that resets the run); the old one is stopped."""
        with self._lock:
            entry = self._sessions[session_id]
            old = entry.runner
            self._park(entry)
            entry.runner, entry.wants_to_train = runner, False
        old.stop()
        return entry

    @property
    def training_count(self) -> int:
        """Slots in use: runs training, and runs taking steps by hand."""
        with self._lock:
            return sum(e.training or e.stepping for e in self._sessions.values())

    @property
    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    # -- what a session asks for ---------------------------------------------------------------------
    def play(self, session_id: str) -> bool:
        """Start or resume training. False when every slot is taken (the run stays paused)."""
        with self._lock:
            entry = self._sessions[session_id]
            entry.wants_to_train = True
            entry.last_poll = self._clock()
            return self._try_train(entry)

    def step(self, session_id: str, n: int) -> bool:
        """Take ``n`` steps of a paused run by hand, holding a slot meanwhile. False (nothing done)
        when every slot is taken or the run is training."""
        with self._lock:
            entry = self._sessions[session_id]
            if entry.training or entry.stepping or self.training_count >= self.max_training:
                return False
            entry.stepping = True
            entry.last_poll = self._clock()
        try:
            entry.runner.step(n, wait=True)
        finally:
            with self._lock:
                entry.stepping = False
        return True

    def pause(self, session_id: str) -> None:
        with self._lock:
            entry = self._sessions[session_id]
            entry.wants_to_train = False
            self._park(entry)

    def touch(self, session_id: str) -> SessionRun | None:
        """A poll from the session's page: it is watched. Resumes an idle-paused run if a slot is free."""
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None:
                return None
            entry.last_poll = self._clock()
            if entry.wants_to_train and not entry.training:
                self._try_train(entry)
            return entry

    def release(self, session_id: str) -> None:
        """The browser session ended (tab closed or connection lost): pause now, stop after the grace.

        Called on the web server's event loop, so nothing here waits: stopping (which joins a
        thread) happens in a sweep, at once in a thread of its own when there is no grace."""
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None:
                return
            self._park(entry)
            entry.released_at = self._clock()
        if self.release_grace_s <= 0:
            threading.Thread(target=self.sweep, name="bnviz-release", daemon=True).start()

    # -- housekeeping ---------------------------------------------------------------------------------
    def sweep(self) -> None:
        """Pause idle sessions, stop released ones past their grace, and take the slot back from a
        run that stopped training by itself (finished, diverged, failed). Called by the monitor
        thread."""
        now = self._clock()
        to_stop = []
        with self._lock:
            for sid, entry in list(self._sessions.items()):
                if entry.released_at is not None:
                    if now - entry.released_at >= self.release_grace_s:
                        del self._sessions[sid]
                        to_stop.append(entry.runner)
                elif entry.training and not entry.runner.is_running:
                    self._park(entry)  # done: the slot goes back, and a poll does not restart it
                    entry.wants_to_train = False
                elif entry.training and now - entry.last_poll >= self.idle_pause_s:
                    self._park(entry)  # still wants to train: its next poll resumes it
        for runner in to_stop:  # outside the lock: stop() joins a thread
            runner.stop()

    def start_monitor(self) -> None:
        """Run :meth:`sweep` every second in a daemon thread (idempotent)."""
        with self._lock:
            if self._monitor is not None and self._monitor.is_alive():
                return
            self._stop_monitor.clear()
            self._monitor = threading.Thread(
                target=self._monitor_loop, name="bnviz-sessions", daemon=True
            )
            self._monitor.start()

    def shutdown(self) -> None:
        """Stop the monitor and every runner (tests; process exit)."""
        self._stop_monitor.set()
        with self._lock:
            entries = list(self._sessions.values())
            self._sessions.clear()
        for entry in entries:
            entry.runner.stop()

    def _monitor_loop(self) -> None:
        while not self._stop_monitor.wait(SWEEP_EVERY_S):
            self.sweep()

    # -- slot bookkeeping (call with the lock held) ------------------------------------------------------
    def _try_train(self, entry: SessionRun) -> bool:
        if entry.training:
            return True
        if self.training_count >= self.max_training:
            return False
        entry.runner.start()  # starts a fresh run, resumes a paused one
        entry.training = True
        return True

    def _park(self, entry: SessionRun) -> None:
        if entry.training:
            entry.runner.pause()
            entry.training = False
