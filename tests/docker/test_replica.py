"""ui.replica: the replica's name in the sidebar, and the notice for a page that lost its server.

Fast (AppTest and plain functions); the notice in a real failover is checked by
tests/docker/test_container_faults.py.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui import replica


def _router():
    from ui import replica

    replica.show()


def test_the_sidebar_names_the_replica(monkeypatch):
    monkeypatch.setenv(replica.ENV, " bnviz-7c9f-x2 ")
    at = AppTest.from_function(_router).run()
    assert not at.exception
    assert [c.value for c in at.sidebar.caption] == ["Server: `bnviz-7c9f-x2`"]


def test_nothing_is_shown_without_a_replica_id(monkeypatch):
    monkeypatch.delenv(replica.ENV, raising=False)
    at = AppTest.from_function(_router).run()
    assert not at.exception and not at.sidebar.caption and not at.toast


def test_a_new_session_shows_no_notice(monkeypatch):
    monkeypatch.setenv(replica.ENV, "a")
    at = AppTest.from_function(_router).run()
    assert not at.toast  # AppTest sends no reconnect header: a first visit


def test_the_notice_follows_the_reconnect_request():
    """Streamlit's client sends "streamlit, <xsrf token>, <session it had>" on a reconnect."""
    headers = {"Sec-WebSocket-Protocol": "streamlit, xsrf-token, old-session"}
    assert replica.previous_session_id(headers) == "old-session"
    assert replica.moved_here(headers, "new-session")
    assert not replica.moved_here(headers, "old-session")  # back on its own session: no move
    assert not replica.moved_here({"sec-websocket-protocol": "streamlit, xsrf-token"}, "s")
    assert not replica.moved_here({"sec-websocket-protocol": "streamlit, xsrf-token, "}, "s")
    assert not replica.moved_here({}, "s")
