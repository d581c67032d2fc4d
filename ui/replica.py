"""Which server a page lives on, for course staff; and why a page started afresh after its server went.

A course site may run several replicas behind a sticky proxy (deploy/). ``BNVIZ_REPLICA_ID`` names
this one (Kubernetes sets it to the pod name): the sidebar shows it, so a student can tell staff which
replica their page is on, and ``kubectl logs <pod>`` or ``docker logs`` finds the right log.

When a replica stops (crash, restart, rolling update), its pages reconnect by themselves: the proxy
sends the websocket to a live replica, which does not know the old session and starts a new one. The
browser names the session it had in its reconnect request (the third entry of the websocket's
``Sec-WebSocket-Protocol`` header, Streamlit's reconnect protocol). A new session that was asked for
another one is such a move: its first run tells the student what happened and what to do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from bnviz.i18n import N_
from ui.i18n import _

ENV = "BNVIZ_REPLICA_ID"
# session_state key: a session is checked once, on its first run, so the notice comes at most once.
_NOTICE_SHOWN = "_bnviz_replica_notice_shown"
MOVED = N_("The server this page was on stopped; {now}. Press Play to start your run again.")


def replica_id() -> str:
    """This replica's name from ``BNVIZ_REPLICA_ID`` ("" when unset or blank)."""
    return os.environ.get(ENV, "").strip()


def previous_session_id(headers: Mapping[str, str]) -> str | None:
    """The session id a reconnecting browser asks for, from the websocket request's headers."""
    raw = next((v for k, v in headers.items() if k.lower() == "sec-websocket-protocol"), "")
    entries = [entry.strip() for entry in raw.split(",")]
    return entries[2] if len(entries) >= 3 and entries[2] else None


def moved_here(headers: Mapping[str, str], session_id: str) -> bool:
    """True when the browser asked for a session this server does not have (it got ``session_id``)."""
    previous = previous_session_id(headers)
    return previous is not None and previous != session_id


def show() -> None:
    """The router's call, once per run before the page: the replica's name in the sidebar, and on a
    moved session's first run a notice that stays until the student closes it."""
    name = replica_id().replace("`", "")
    if name:
        st.sidebar.caption(_("Server: `{name}`").format(name=name))
    ctx = get_script_run_ctx()
    if ctx is None or st.session_state.get(_NOTICE_SHOWN):
        return
    st.session_state[_NOTICE_SHOWN] = True
    if moved_here(dict(st.context.headers), ctx.session_id):
        now = (
            _("you are now on `{name}`").format(name=name)
            if name
            else _("the page reconnected to another one")
        )
        st.toast(_(MOVED).format(now=now), icon=":material/sync_problem:", duration="infinite")
