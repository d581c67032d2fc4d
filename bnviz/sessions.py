"""Training runs of many browser sessions on one server: a cap, idle pause, and release on tab close.

One :class:`LabSession` per browser session holds that session's runner. The :class:`SessionRegistry`
is process-wide and enforces three rules so that a class of students cannot overload a 2-core server:

- **Cap.** At most ``max_training`` runs train at once (a *slot* per training run). A session that asks to
  play while all slots are taken is told so (``play`` returns ``False``); it never waits or hangs.
- **Idle pause.** A session that has not polled for ``idle_pause_s`` (its tab is hidden, the laptop slept)
  is paused and gives its slot back. Its next poll resumes it, if a slot is free.
- **Release.** When a tab closes, Streamlit releases the session; its run is paused at once and stopped
  after ``release_grace_s`` unless the same session id comes back (a websocket reconnect keeps the id, so a
  network blip does not cost the lecturer the run).

Runners are duck-typed: ``start()``, ``pause()``, ``resume()``, ``stop()`` and ``is_running``.
Nothing here imports streamlit; ``ui/lab_session.py`` wires it to ``st.cache_resource``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_TRAINING = 4  # concurrent training runs: ~2 per core keeps each live page above 2 Hz
DEFAULT_IDLE_PAUSE_S = 30.0  # background tabs poll about once a minute; 30 s catches them
DEFAULT_RELEASE_GRACE_S = 10.0  # long enough for a websocket reconnect, short enough to free CPU
SWEEP_EVERY_S = 1.0


def _env_number(name: str, default: float, minimum: float) -> float:
    """A numeric environment variable, or ``default`` when unset or unreadable."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return max(value, minimum)


@dataclass
class LabSession:
    """One browser session's run. ``wants_to_train`` is the user's intent (play pressed, not paused);
    ``training`` is whether it holds a slot and its runner is stepping."""

    session_id: str
    runner: Any
    last_poll: float
    wants_to_train: bool = False
    training: bool = False
    idle_paused: bool = False
    released_at: float | None = None
    started: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class SessionRegistry:
    """Process-wide table of lab sessions (thread-safe)."""

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
        self._sessions: dict[str, LabSession] = {}
        self._monitor: threading.Thread | None = None
        self._stop_monitor = threading.Event()

    @classmethod
    def from_env(cls) -> SessionRegistry:
        """Read the course-site knobs ``BNVIZ_MAX_TRAINING_RUNS``, ``BNVIZ_IDLE_PAUSE_SECONDS`` and
        ``BNVIZ_RELEASE_GRACE_SECONDS`` (documented in the README)."""
        return cls(
            max_training=int(_env_number("BNVIZ_MAX_TRAINING_RUNS", DEFAULT_MAX_TRAINING, 1)),
            idle_pause_s=_env_number("BNVIZ_IDLE_PAUSE_SECONDS", DEFAULT_IDLE_PAUSE_S, 1.0),
            release_grace_s=_env_number(
                "BNVIZ_RELEASE_GRACE_SECONDS", DEFAULT_RELEASE_GRACE_S, 0.0
            ),
        )

    # -- lookup ------------------------------------------------------------------------------------
    def get_or_create(self, session_id: str, make_runner: Callable[[], Any]) -> LabSession:
        """The session's run; a released session that comes back within the grace period is revived."""
        with self._lock:
            lab = self._sessions.get(session_id)
            if lab is None:
                lab = LabSession(session_id, make_runner(), last_poll=self._clock())
                self._sessions[session_id] = lab
            elif lab.released_at is not None:
                lab.released_at = None
                lab.last_poll = self._clock()
                if lab.wants_to_train:
                    self._try_train(lab)
            return lab

    def get(self, session_id: str) -> LabSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    def replace_runner(self, session_id: str, runner: Any) -> LabSession:
        """Swap in a new runner (a config change that resets the run); the old one is stopped."""
        with self._lock:
            lab = self._sessions[session_id]
            old = lab.runner
            self._park(lab)
            lab.runner, lab.started, lab.wants_to_train = runner, False, False
        old.stop()
        return lab

    @property
    def training_count(self) -> int:
        with self._lock:
            return sum(lab.training for lab in self._sessions.values())

    @property
    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    # -- what a session asks for ---------------------------------------------------------------------
    def play(self, session_id: str) -> bool:
        """Start or resume training. False when every slot is taken (the run stays paused)."""
        with self._lock:
            lab = self._sessions[session_id]
            lab.wants_to_train = True
            lab.last_poll = self._clock()
            return self._try_train(lab)

    def pause(self, session_id: str) -> None:
        with self._lock:
            lab = self._sessions[session_id]
            lab.wants_to_train = False
            self._park(lab)

    def touch(self, session_id: str) -> LabSession | None:
        """A poll from the session's page: it is watched. Resumes an idle-paused run if a slot is free."""
        with self._lock:
            lab = self._sessions.get(session_id)
            if lab is None:
                return None
            lab.last_poll = self._clock()
            if lab.wants_to_train and not lab.training:
                self._try_train(lab)
            return lab

    def release(self, session_id: str) -> None:
        """The browser session ended (tab closed or connection lost): pause now, stop after the grace."""
        with self._lock:
            lab = self._sessions.get(session_id)
            if lab is None:
                return
            self._park(lab)
            lab.released_at = self._clock()
        if self.release_grace_s <= 0:
            self.sweep()

    # -- housekeeping ---------------------------------------------------------------------------------
    def sweep(self) -> None:
        """Pause idle sessions, stop released ones past their grace. Called by the monitor thread."""
        now = self._clock()
        to_stop = []
        with self._lock:
            for sid, lab in list(self._sessions.items()):
                if lab.released_at is not None:
                    if now - lab.released_at >= self.release_grace_s:
                        del self._sessions[sid]
                        to_stop.append(lab.runner)
                elif lab.training and now - lab.last_poll >= self.idle_pause_s:
                    self._park(lab)
                    lab.idle_paused = True
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
            labs = list(self._sessions.values())
            self._sessions.clear()
        for lab in labs:
            lab.runner.stop()

    def _monitor_loop(self) -> None:
        while not self._stop_monitor.wait(SWEEP_EVERY_S):
            self.sweep()

    # -- slot bookkeeping (call with the lock held) ------------------------------------------------------
    def _try_train(self, lab: LabSession) -> bool:
        if lab.training:
            return True
        if self.training_count >= self.max_training:
            return False
        if lab.started:
            lab.runner.resume()
        else:
            lab.runner.start()
            lab.started = True
        lab.training, lab.idle_paused = True, False
        return True

    def _park(self, lab: LabSession) -> None:
        if lab.training:
            lab.runner.pause()
            lab.training = False
