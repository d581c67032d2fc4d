"""The app loads in a real browser; every page renders without an exception."""

import re

import pytest

from tests.e2e import harness

PAGES = [
    "",
    "live-lab",
    "bn-arithmetic",
    "which-axis",
    "paper-figure1",
    "does-bn-reduce-ics",
    "lr-and-init",
    "batch-size",
]


def test_home_page_loads(open_app):
    page = open_app("")
    assert page.get_by_text("batch normalization, made visible").is_visible()
    # The sidebar navigation lists every page.
    nav = page.locator("[data-testid=stSidebarNav]")
    for title in ("Start here", "Live lab", "BN arithmetic", "Paper Figure 1"):
        assert nav.get_by_text(title).count() >= 1


@pytest.mark.parametrize("url_path", PAGES)
def test_every_page_renders_without_exception(open_app, url_path):
    page = open_app(url_path)
    assert page.locator("h1").count() >= 1
    assert harness.exceptions_on(page) == []


def test_navigation_link_opens_a_page(open_app):
    page = open_app("")
    page.locator("[data-testid=stSidebarNav]").get_by_text("BN arithmetic").click()
    page.wait_for_url(re.compile(r"/bn-arithmetic(\?|$)"))  # the router adds ?lang=
    harness.wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() != ""
