"""Fixtures for real-browser tests: a served app, the system Chromium, and an exception check.

- ``app_url``: base URL of ``streamlit run app.py`` (started once per session), or ``BNVIZ_E2E_URL`` when
  set (e.g. a Docker container); tests that need a server of their own are marked ``own_server``.
- ``page``: a fresh Playwright page per test; the test fails if a Streamlit exception is on the page.
- ``open_app(url_path)``: go to a page of the app and wait for its script run to finish.

Without a system Chromium the tests skip, except with ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os

import pytest

from bnviz import chromium
from tests.e2e import harness

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(items):
    external = os.environ.get("BNVIZ_E2E_URL")
    for item in items:
        if item.path.is_relative_to(harness.ROOT / "tests" / "e2e"):
            item.add_marker(pytest.mark.e2e)
            if external and item.get_closest_marker("own_server"):
                item.add_marker(pytest.mark.skip(reason="starts its own server; BNVIZ_E2E_URL set"))


@pytest.fixture(scope="session")
def browser():
    if chromium.executable() is None:
        if IN_CI:
            pytest.fail(f"{chromium.NOT_FOUND}; with CI=true browser tests must run", pytrace=False)
        pytest.skip(chromium.NOT_FOUND)
    with chromium.launch() as browser:
        yield browser


@pytest.fixture(scope="session")
def app_url():
    external = os.environ.get("BNVIZ_E2E_URL")
    if external:
        harness.wait_for_health(external.rstrip("/"))
        yield external.rstrip("/")
        return
    # A short reconnect window, so the tab-close test sees a released run stopped within a minute.
    quick = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "10", "BNVIZ_RELEASE_GRACE_SECONDS": "5"}
    with harness.StreamlitServer("app.py", env=quick) as server:
        yield server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    try:
        errors = harness.exceptions_on(page)
    finally:
        context.close()
    assert not errors, f"Streamlit exception on the page: {errors}"


@pytest.fixture
def open_app(page, app_url):
    def _open(url_path: str = ""):
        page.goto(f"{app_url}/{url_path.lstrip('/')}")
        harness.wait_for_app(page)
        return page

    return _open
