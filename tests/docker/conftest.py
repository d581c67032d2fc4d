"""Fixtures for the deployment tests: the ``docker`` marker and a system-Chromium browser.

Tests marked ``docker`` need the image and nginx set up by ``scripts/docker_test.sh``; they run only with
``BNVIZ_DOCKER_TESTS=1`` (``make docker-test``), never in ``make test``. The other tests here check the
deployment files themselves and are fast.
"""

from __future__ import annotations

import os

import pytest

from bnviz import chromium

ENABLED = os.environ.get("BNVIZ_DOCKER_TESTS") == "1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "docker: needs Docker/nginx set up by scripts/docker_test.sh (BNVIZ_DOCKER_TESTS=1)",
    )


def pytest_collection_modifyitems(items):
    skip = pytest.mark.skip(
        reason="deployment test: run by make docker-test (BNVIZ_DOCKER_TESTS=1)"
    )
    for item in items:
        if item.get_closest_marker("docker") and not ENABLED:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    if chromium.executable() is None:
        pytest.fail(chromium.NOT_FOUND, pytrace=False)
    with chromium.launch() as browser:
        yield browser
