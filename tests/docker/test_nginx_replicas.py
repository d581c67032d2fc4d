"""Two replicas behind nginx (deploy/nginx.conf): websockets pass, and a browser sticks to one replica.

Run by ``make docker-test`` (BNVIZ_DOCKER_TESTS=1), with the replicas as containers of the built image
(BNVIZ_DOCKER_IMAGE) or, without an image, as ``streamlit run`` processes of this checkout. Which replica
served a request is read from nginx's access log (``proxy.LogEntry``), not from the app, so the checks
hold whatever the pages show.
"""

from __future__ import annotations

import urllib.request
from contextlib import ExitStack

import pytest

from tests.docker.proxy import NginxProxy
from tests.docker.replicas import replica
from tests.e2e import harness
from tests.e2e.test_live_lab import SMALL, current_step, press_play, wait_until

pytestmark = pytest.mark.docker

RELOADS = 5  # page reloads in one browser session; each must land on the session's replica
VISITORS = 40  # cookie-less first visits; all on one replica has odds 2**-39 with working balancing
STREAM = "/_stcore/stream"  # Streamlit's websocket

# Pages opened through nginx; each must render (its script ran over the proxied websocket).
PAGES = ["", "live-lab", "bn-arithmetic", "paper-figure1"]


@pytest.fixture(scope="module")
def cluster():
    """Two replicas and nginx in front of them; yields the proxy (its ``servers`` are the replicas)."""
    with ExitStack() as stack:
        servers = [stack.enter_context(replica(f"replica-{n}")).address for n in ("a", "b")]
        yield stack.enter_context(NginxProxy(servers))


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    yield context
    context.close()


def open_page(page, url: str) -> None:
    """Go to ``url`` and wait until the page's script has run: its title only arrives over the websocket."""
    page.goto(url)
    page.locator("h1").first.wait_for()
    harness.wait_for_app(page)
    assert harness.exceptions_on(page) == []


def route_cookie(context) -> str:
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert "bnviz_route" in cookies, f"nginx set no route cookie: {cookies}"
    return cookies["bnviz_route"]


def test_a_browser_session_stays_on_one_replica(cluster, context):
    page = context.new_page()
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    open_page(page, f"{cluster.url}/")
    route = route_cookie(context)
    for _ in range(RELOADS):
        page.reload()
        page.locator("h1").first.wait_for()
        harness.wait_for_app(page)
        assert harness.exceptions_on(page) == []
    assert route_cookie(context) == route, "the route cookie changed within one session"
    page.close()  # closes its websocket, which nginx then logs

    def mine(entries):
        return [e for e in entries if e.route == route]

    entries = mine(
        cluster.wait_for_entries(lambda es: sum(e.uri == STREAM for e in mine(es)) >= RELOADS + 1)
    )
    documents = [e for e in entries if e.uri == "/"]
    streams = [e for e in entries if e.uri == STREAM]
    assert len(documents) == RELOADS + 1
    # Every page load opened its websocket through nginx, and nginx upgraded it (101).
    assert {e.status for e in streams} == {101}
    assert sockets and all(url.startswith(f"ws://127.0.0.1:{cluster.port}/") for url in sockets)
    # Page, assets and websockets of this browser all went to one replica.
    assert {e.upstream for e in entries} <= set(cluster.servers)
    assert len({e.upstream for e in entries}) == 1, sorted({e.upstream for e in entries})


def route_set_by(response) -> str | None:
    """The bnviz_route value in the response's Set-Cookie headers (Streamlit sets its own, too)."""
    for cookie in response.headers.get_all("Set-Cookie") or []:
        if cookie.startswith("bnviz_route="):
            assert "HttpOnly" in cookie and "Path=/" in cookie, cookie
            return cookie.split(";")[0].split("=", 1)[1]
    return None


def test_new_visitors_are_spread_over_both_replicas(cluster):
    routes = []
    for _ in range(VISITORS):
        with urllib.request.urlopen(f"{cluster.url}/_stcore/health", timeout=10) as response:
            assert response.read() == b"ok"
            routes.append(route_set_by(response))
    assert None not in routes and len(set(routes)) == VISITORS, "one fresh route key per visitor"
    # A returning visitor (cookie sent) is not handed a new route and keeps its replica.
    for route in routes[:3]:
        for _ in range(5):
            request = urllib.request.Request(
                f"{cluster.url}/_stcore/health", headers={"Cookie": f"bnviz_route={route}"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert route_set_by(response) is None

    entries = cluster.wait_for_entries(
        lambda es: (
            sum(e.uri == "/_stcore/health" and e.route in routes for e in es) >= VISITORS + 15
        )
    )
    by_route: dict[str, set[str]] = {}
    for e in entries:
        if e.uri == "/_stcore/health" and e.route in routes:
            by_route.setdefault(e.route, set()).add(e.upstream)
    assert all(len(upstreams) == 1 for upstreams in by_route.values()), by_route
    assert set().union(*by_route.values()) == set(cluster.servers)


@pytest.mark.parametrize("url_path", PAGES)
def test_every_page_renders_through_nginx(cluster, context, url_path):
    page = context.new_page()
    open_page(page, f"{cluster.url}/{url_path}")


def test_the_live_lab_streams_through_nginx(cluster, context):
    """Training runs on the replica; its step counter reaches the browser through nginx, live."""
    page = context.new_page()
    open_page(page, f"{cluster.url}/{SMALL}")
    assert current_step(page) == 0
    press_play(page)
    first = wait_until(lambda: current_step(page) > 0, what="training to start")
    wait_until(lambda: current_step(page) > first, what="the step counter to rise again")
    # Closing the context (fixture teardown) ends the session, which stops its run on the replica.
