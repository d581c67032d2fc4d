"""Two replicas behind nginx (deploy/nginx.conf): websockets pass, a browser sticks to one replica,
Streamlit's internals are blocked, every answer carries the security headers, plotly.js comes from
nginx's cache, and one browser over its request rate is limited without limiting the others.

Run by ``make docker-test`` (BNVIZ_DOCKER_TESTS=1), with the replicas as containers of the built image
(BNVIZ_DOCKER_IMAGE) or, without an image, as ``streamlit run`` processes of this checkout. Which replica
served a request is read from nginx's access log (``proxy.LogEntry``), not from the app, so the checks
hold whatever the pages show.
"""

from __future__ import annotations

import gzip
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from tests.docker.proxy import SITE_CONF, NginxProxy
from tests.docker.replicas import replica
from tests.e2e import harness
from tests.e2e.test_live_lab import SMALL, current_step, press_play, wait_until

pytestmark = pytest.mark.docker

RELOADS = 5  # page reloads in one browser session; each must land on the session's replica
VISITORS = 40  # cookie-less first visits; all on one replica has odds 2**-39 with working balancing
STREAM = "/_stcore/stream"  # Streamlit's websocket
BROWSER_BURST = int(re.search(r"zone=bnviz_browser_req burst=(\d+)", SITE_CONF.read_text())[1])
BROWSER_RATE = int(re.search(r"zone=bnviz_browser_req:\w+ rate=(\d+)r/s", SITE_CONF.read_text())[1])

# Pages opened through nginx; each must render (its script ran over the proxied websocket).
PAGES = ["", "live-lab", "bn-arithmetic", "which-axis", "paper-figure1"]


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


# A replica's first training page starts its worker pool (spawn, torch, MNIST written for the
# workers): seconds on a quiet machine, more on a busy CI machine. A wait, not a speed check.
COLD_START_MS = 120_000


def open_page(page, url: str) -> None:
    """Go to ``url`` and wait until the page's script has run: its title only arrives over the websocket."""
    page.goto(url)
    page.locator("h1").first.wait_for(timeout=COLD_START_MS)
    harness.wait_for_app(page, timeout=COLD_START_MS)
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
    # The app keeps the language in the address (?lang=..), so reloads ask for "/?lang=ko".
    documents = [e for e in entries if e.uri.split("?")[0] == "/"]
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


# --- hardening: blocked endpoints, headers, plotly.js cache, per-browser limits --------------------

BLOCKED = ["/_stcore/metrics", "/_stcore/script-health-check"]
PLOTLY_JS = "/component/ui.chart_bridge.plotly_js/plotly.min.js"
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def fetch(url: str, headers: dict[str, str] | None = None):
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize("path", BLOCKED)
def test_streamlit_internals_are_not_served_through_nginx(cluster, path):
    # The replica itself serves them: the block is nginx's doing.
    assert fetch(f"http://{cluster.servers[0]}{path}")[0] == 200
    variants = [path, path + "/", "/" + path, path.replace("/_stcore/", "/_stcore/%2E/")]
    variants.append(path.replace("c", "%63", 1))  # %-encoding is decoded before matching
    for variant in variants:
        status, _, body = fetch(f"{cluster.url}{variant}")
        assert status in (400, 403, 404), f"{variant}: {status} {body[:80]!r}"


def test_pages_and_errors_carry_the_security_headers(cluster):
    for path in ["/", "/_stcore/health", BLOCKED[0], PLOTLY_JS + "?v=1"]:
        _, headers, _ = fetch(f"{cluster.url}{path}")
        for name, value in SECURITY_HEADERS.items():
            assert headers.get(name) == value, (path, name, headers.get(name))


def test_plotly_js_is_served_from_nginxs_cache_for_a_year(cluster, context):
    # The page asks for the versioned URL (ui.chart_bridge.plotly_js_url).
    page = context.new_page()
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    open_page(page, f"{cluster.url}/{SMALL}")
    page.locator(".js-plotly-plot").first.wait_for()
    versioned = [u for u in urls if PLOTLY_JS in u]
    assert versioned and all("?v=" in u for u in versioned), versioned
    path = versioned[0].removeprefix(cluster.url)

    answers = [fetch(f"{cluster.url}{path}", {"Accept-Encoding": "gzip"}) for _ in range(3)]
    for status, headers, _ in answers:
        assert status == 200
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["Content-Encoding"] == "gzip"
    # A client without gzip gets the same file, unzipped by nginx from the one cached copy.
    status, headers, body = fetch(f"{cluster.url}{path}")
    assert status == 200 and "Content-Encoding" not in headers
    assert body.startswith(b"/**") and len(body) > 3_000_000
    assert gzip.decompress(answers[0][2]) == body
    # Only the first request (the browser's, or ours) reached a replica.
    entries = cluster.wait_for_entries(lambda es: sum(e.uri == path for e in es) >= 5)
    mine = [e for e in entries if e.uri == path]
    assert [e.cache for e in mine[-4:]] == ["HIT"] * 4 and {e.upstream for e in mine[-4:]} == {"-"}
    # The bare URL is neither cached nor marked immutable. It goes to this browser's replica (its
    # route cookie): a replica serves the file once a page of it has drawn a chart, as every page
    # that asks for plotly.js has (ui.chart_bridge.plotly_js_url registers the route).
    cookie = {"Cookie": f"bnviz_route={route_cookie(context)}"}
    status, headers, _ = fetch(f"{cluster.url}{PLOTLY_JS}", {"Accept-Encoding": "gzip", **cookie})
    assert status == 200 and headers["Cache-Control"] == "no-cache"


def test_one_browser_is_rate_limited_without_limiting_the_others(cluster, context):
    page = context.new_page()
    open_page(page, f"{cluster.url}/")
    route = route_cookie(context)
    first_load = [e for e in cluster.entries() if e.route == route]
    # Measured: what one first page load costs, against the per-browser burst in nginx.conf.
    assert len(first_load) < BROWSER_BURST / 2, len(first_load)

    def health(cookie: str) -> int:
        return fetch(f"{cluster.url}/_stcore/health", {"Cookie": f"bnviz_route={cookie}"})[0]

    # Twice the burst, from a few threads (under the per-browser connection limit), so that they
    # arrive faster than the bucket refills; what nginx lets through is the burst plus the refill.
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: health(route), range(2 * BROWSER_BURST)))
    elapsed = time.monotonic() - started
    assert set(statuses) == {200, 429}, "a browser far over its burst was not limited"
    assert statuses.count(200) <= BROWSER_BURST + BROWSER_RATE * elapsed + 10
    assert health("another-browser") == 200


# --- a shared run across replicas -------------------------------------------------------------------


def upstream_of(cluster, route: str) -> str:
    """The replica nginx sends ``route`` to (asked with one health request, read from the log)."""
    request = urllib.request.Request(
        f"{cluster.url}/_stcore/health", headers={"Cookie": f"bnviz_route={route}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.read() == b"ok"
    entries = cluster.wait_for_entries(
        lambda es: any(e.route == route and e.uri == "/_stcore/health" for e in es)
    )
    return next(e.upstream for e in entries if e.route == route and e.uri == "/_stcore/health")


def test_a_watch_link_reaches_the_owners_replica_from_the_other_one(cluster, browser, context):
    import secrets

    owner = context.new_page()
    open_page(owner, f"{cluster.url}/{SMALL}")
    owner_route = route_cookie(context)
    owner.locator(".st-key-share_button button").click()
    link = owner.locator(".st-key-share_link code").first
    link.wait_for()
    url = link.inner_text().strip()
    assert f"watch={owner_route}." in url, "the token names the owner's route"
    press_play(owner)
    wait_until(lambda: current_step(owner) > 0, what="the owner's run to train")

    # A viewer whose own route goes to the other replica.
    home = upstream_of(cluster, owner_route)
    other = next(
        r for r in (secrets.token_hex(16) for _ in range(64)) if upstream_of(cluster, r) != home
    )
    viewer_context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        viewer_context.add_cookies(
            [{"name": "bnviz_route", "value": other, "url": cluster.url, "httpOnly": True}]
        )
        viewer = viewer_context.new_page()
        viewer.goto(url)  # its charts refresh while the run trains: wait for them, not for idle
        viewer.get_by_text("You are watching").wait_for()
        status = viewer.locator(".st-key-watch_status")
        steps = [int(re.search(r"Step ([\d,]+)", status.inner_text())[1].replace(",", ""))]
        wait_until(
            lambda: (
                int(re.search(r"Step ([\d,]+)", status.inner_text())[1].replace(",", "")) > steps[0]
            ),
            what="the shared run's step to rise on the viewer's page",
        )
        cookies = {c["name"]: c["value"] for c in viewer_context.cookies()}
        assert cookies["bnviz_route"] == owner_route  # the websocket followed the owner's route
    finally:
        viewer_context.close()
