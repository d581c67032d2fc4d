"""Share links: a lecturer's run, watched read-only by the class (``/live-lab?watch=<token>``).

A share names a session's run in the :class:`bnviz.train.sessions.SessionRegistry`; it lives as long
as that run does. The token is ``<route>.<secret>``: ``secret`` is 128 random bits (unguessable), and
``route`` is the owner's sticky-proxy key when there is one (deploy/nginx.conf routes a request with
``?watch=`` by it, so a watcher lands on the replica that trains the run). What the owner looks at
(which network, layer, view) is kept with the share, so viewers follow the owner's toggles.

Budget: at most ``max_shares`` at once per server (a share costs a few bytes; the runs behind them
are capped by the session registry).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bnviz.i18n import N_, UserError

MAX_SHARES = 100
MAX_OWNER_CHARS = 40
ROUTE = re.compile(r"[0-9a-f]{32}")  # nginx's $request_id: what the route cookie holds
TOKEN = re.compile(r"(?:(?P<route>[0-9a-f]{32})\.)?(?P<secret>[A-Za-z0-9_-]{22})")
DEFAULT_OWNER = "The lecturer"


@dataclass
class Share:
    """One shared run: whose, and what its owner is looking at right now."""

    token: str
    session_key: str
    owner: str
    created: float
    view: dict[str, Any] = field(default_factory=dict)


class ShareRegistry:
    """Tokens to shared runs, thread-safe; ``is_alive(session_key)`` says whether a run still exists."""

    def __init__(self, is_alive, max_shares: int = MAX_SHARES, clock=time.monotonic):
        self._is_alive, self.max_shares, self._clock = is_alive, max_shares, clock
        self._lock = threading.Lock()
        self._by_secret: dict[str, Share] = {}

    def share(self, session_key: str, owner: str = "", route: str | None = None) -> Share:
        """The share of ``session_key``'s run (the same one if it was shared already; a new owner
        name replaces the old). Raises ValueError when the server's budget of shares is spent."""
        owner = " ".join(owner.split())[:MAX_OWNER_CHARS] or DEFAULT_OWNER
        with self._lock:
            self._drop_dead()
            for s in self._by_secret.values():
                if s.session_key == session_key:
                    s.owner = owner
                    return s
            if len(self._by_secret) >= self.max_shares:
                raise UserError(
                    N_("This server already has {n} shared runs; try again later."),
                    n=self.max_shares,
                )
            secret = secrets.token_urlsafe(16)  # 22 characters, 128 bits
            prefix = f"{route}." if route is not None and ROUTE.fullmatch(route) else ""
            s = Share(f"{prefix}{secret}", session_key, owner, self._clock())
            self._by_secret[secret] = s
            return s

    def find(self, token: str) -> Share | None:
        """The live share behind ``token``, or None (malformed, unknown, or its run ended)."""
        match = TOKEN.fullmatch(token or "")
        if match is None:
            return None
        with self._lock:
            s = self._by_secret.get(match["secret"])
            if s is not None and not self._is_alive(s.session_key):
                del self._by_secret[match["secret"]]
                return None
            return s

    def of_session(self, session_key: str) -> Share | None:
        with self._lock:
            return next((s for s in self._by_secret.values() if s.session_key == session_key), None)

    def follow(self, session_key: str, view: dict[str, Any]) -> None:
        """The owner's page now shows ``view``; viewers follow it."""
        with self._lock:
            for s in self._by_secret.values():
                if s.session_key == session_key:
                    s.view = dict(view)

    def stop_sharing(self, session_key: str) -> None:
        with self._lock:
            for secret, s in list(self._by_secret.items()):
                if s.session_key == session_key:
                    del self._by_secret[secret]

    def newest(self) -> Share | None:
        """The most recent live share (what a page offers when the server is too busy)."""
        with self._lock:
            self._drop_dead()
            return max(self._by_secret.values(), key=lambda s: s.created, default=None)

    def _drop_dead(self) -> None:
        for secret, s in list(self._by_secret.items()):
            if not self._is_alive(s.session_key):
                del self._by_secret[secret]
