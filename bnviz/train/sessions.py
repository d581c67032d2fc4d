"""Training runs of many browser sessions on one server: caps, a queue, idle pause, release.

One :class:`SessionRun` per browser session (and per kind of run it owns) holds that run's trainer.
The process-wide :class:`SessionRegistry` keeps a class of students from overloading a 2-core server:

- **Caps.** At most ``max_training`` runs train at once (a *slot* each); more wait in a queue, first
  come first served, and learn their place in it. At most ``max_sessions`` runs exist at all; one
  more is refused with :class:`ServerFull`, never an out-of-memory kill.
- **Idle pause.** A session that has not polled for ``idle_pause_s`` (tab hidden, laptop asleep) is
  paused and gives its slot back; its next poll queues it again.
- **Release.** A closed tab's run is paused at once and stopped after ``release_grace_s`` unless the
  same session id comes back (a websocket reconnect keeps the id: a Wi-Fi blip costs no run).

It drives any :class:`Trainable` (a ``Runner``, a job, or their worker-pool handles). Nothing here
imports streamlit; ``ui/session_runs.py`` wires it to ``st.cache_resource``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bnviz.i18n import N_
from bnviz.machine import env_number

DEFAULT_MAX_TRAINING = 4  # concurrent training runs: ~2 per core keeps each live page above 2 Hz
DEFAULT_MAX_SESSIONS = 60  # open runs (trained or not) per server: ~30 MB each in the workers
DEFAULT_IDLE_PAUSE_S = 30.0  # background tabs poll about once a minute; 30 s catches them
# Streamlit keeps a disconnected session for its reconnect window (server.disconnectedSessionTTL,
# 120 s by default); a run must live at least as long, or a Wi-Fi drop would cost the lecturer it.
DEFAULT_RELEASE_GRACE_S = 120.0
SWEEP_EVERY_S = 1.0
# A msgid: ui/watch.py shows it in the session's language.
SERVER_FULL = N_("The server is full: all {n} runs it can hold are open. Try again in a minute.")


class ServerFull(RuntimeError):
    """Every run this server can hold is taken: the page says so and offers a retry."""


class Trainable(Protocol):
    """What a session's run must offer the registry (``Runner`` and ``Figure1Job`` do)."""

    @property
    def is_running(self) -> bool: ...
    def start(self) -> None: ...  # start training, or resume it after pause()
    def pause(self) -> None: ...  # stop stepping soon; start() continues
    def stop(self) -> None: ...  # end for good (may block briefly: call it outside locks)


@dataclass
class SessionRun:
    """One browser session's run. ``wants_to_train`` is the user's intent (play pressed, not paused);
    ``training`` is whether it holds a slot and its runner is stepping. A run that wants to train
    but does not is waiting for a slot, or was paused while nobody watched it. ``controls`` is held
    by what drives the run for its page: two presses may run at once, in two threads."""

    session_id: str
    runner: Trainable
    last_poll: float
    wants_to_train: bool = False
    training: bool = False
    stepping: bool = False  # taking a few steps by hand: holds a slot meanwhile
    released_at: float | None = None
    queued_at: float | None = None  # waiting for a slot since then (first come, first served)
    controls: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)


class SessionRegistry:
    """Process-wide table of the runs that browser sessions own (thread-safe)."""

    def __init__(
        self,
        max_training: int = DEFAULT_MAX_TRAINING,
        idle_pause_s: float = DEFAULT_IDLE_PAUSE_S,
        release_grace_s: float = DEFAULT_RELEASE_GRACE_S,
        clock: Callable[[], float] = time.monotonic,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
    ):
        if max_training < 1 or max_sessions < 1:
            raise ValueError("max_training and max_sessions must be at least 1")
        self.max_training, self.max_sessions = int(max_training), int(max_sessions)
        self.idle_pause_s, self.release_grace_s = float(idle_pause_s), float(release_grace_s)
        self._clock, self._lock = clock, threading.RLock()
        self._sessions: dict[str, SessionRun] = {}
        self._monitor: threading.Thread | None = None
        self._stop_monitor = threading.Event()

    @classmethod
    def from_env(cls, min_release_grace_s: float = 0.0) -> SessionRegistry:
        """Read the course-site knobs ``BNVIZ_MAX_TRAINING_RUNS``, ``BNVIZ_MAX_SESSIONS``,
        ``BNVIZ_IDLE_PAUSE_SECONDS`` and ``BNVIZ_RELEASE_GRACE_SECONDS`` (see the README). The grace
        is at least ``min_release_grace_s`` (the web server's reconnect window)."""
        grace = env_number("BNVIZ_RELEASE_GRACE_SECONDS", DEFAULT_RELEASE_GRACE_S, 0.0)
        return cls(
            max_training=int(env_number("BNVIZ_MAX_TRAINING_RUNS", DEFAULT_MAX_TRAINING, 1)),
            idle_pause_s=env_number("BNVIZ_IDLE_PAUSE_SECONDS", DEFAULT_IDLE_PAUSE_S, 1.0),
            release_grace_s=max(grace, min_release_grace_s),
            max_sessions=int(env_number("BNVIZ_MAX_SESSIONS", DEFAULT_MAX_SESSIONS, 1)),
        )

    def get_or_create(self, session_id: str, make_runner: Callable[[], Trainable]) -> SessionRun:
        """The session's run; a released session that comes back within the grace period is revived.
        ``make_runner`` runs outside the registry's lock: building a model must not hold up every
        other session. Raises :class:`ServerFull` when ``max_sessions`` runs exist already."""
        with self._lock:
            entry = self._revive(session_id)
            if entry is None and len(self._sessions) >= self.max_sessions:
                raise ServerFull(SERVER_FULL.format(n=self.max_sessions))
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

    def queue_position(self, session_id: str) -> int | None:
        """1 for the next run to get a slot, 2 after it, ...; None when not waiting."""
        with self._lock:
            queue = self._queue()
            entry = self._sessions.get(session_id)
            return queue.index(entry) + 1 if entry in queue else None

    @property
    def waiting_count(self) -> int:
        with self._lock:
            return len(self._queue())

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
            busy = self.training_count + len(self._queue()) >= self.max_training  # no queue jumping
            if entry.training or entry.stepping or busy:
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
            entry.queued_at = None
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
        """The tab closed or the connection dropped: pause now, stop after the grace. Called on the
        web server's event loop, so nothing waits here: stopping happens in a sweep."""
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None:
                return
            self._park(entry)
            entry.released_at = self._clock()
        if self.release_grace_s <= 0:
            threading.Thread(target=self.sweep, name="bnviz-release", daemon=True).start()

    def sweep(self) -> None:
        """Pause idle runs, stop released ones past their grace, take slots back from runs that
        stopped by themselves (finished, diverged, failed), and give free slots to the queue."""
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
            for entry in self._queue():  # slots freed: the head of the queue, if still watched
                if now - entry.last_poll < self.idle_pause_s and not self._try_train(entry):
                    break
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
        """Start ``entry`` if a slot is free and nobody queued before it; else queue it."""
        if entry.training:
            return True
        queue = self._queue()
        ahead = queue.index(entry) if entry in queue else len(queue)
        if self.training_count + ahead >= self.max_training:
            if entry.queued_at is None:
                entry.queued_at = self._clock()
            return False
        entry.runner.start()  # starts a fresh run, resumes a paused one
        entry.training, entry.queued_at = True, None
        return True

    def _queue(self) -> list[SessionRun]:
        """Runs waiting for a slot, first come first."""
        waiting = [
            e
            for e in self._sessions.values()
            if e.queued_at is not None and e.wants_to_train and not e.training
        ]
        return sorted((e for e in waiting if e.released_at is None), key=lambda e: e.queued_at)

    def _park(self, entry: SessionRun) -> None:
        if entry.training:
            entry.runner.pause()
            entry.training = False
