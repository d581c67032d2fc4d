"""The sweeps page in a real browser: the shipped heatmaps and charts drawn, with their words, no
exception."""

from __future__ import annotations

from tests.e2e import harness

STATIC_PLOTS = "[data-testid=stPlotlyChart] .main-svg"


def test_shows_the_shipped_heatmaps_without_exception(open_app):
    page = open_app("lr-and-init")
    # Both shipped sweeps: 3 charts each, drawn from the files, no training.
    page.wait_for_function(
        f"() => document.querySelectorAll('{STATIC_PLOTS}').length >= 6", timeout=30_000
    )
    # Each heatmap has its coloured cells and its cell labels.
    heatmaps = page.evaluate(
        "() => document.querySelectorAll('[data-testid=stPlotlyChart] .heatmaplayer image, "
        "[data-testid=stPlotlyChart] .heatmaplayer .hm').length"
    )
    assert heatmaps >= 2, heatmaps
    page.locator(".main-svg").get_by_text(
        "Largest stable learning rate per variant"
    ).first.wait_for()
    page.locator(".main-svg").get_by_text("Which inits train, per variant").first.wait_for()
    assert page.get_by_text("Largest stable learning rate:").count() >= 1
    # The scale-invariance table (a canvas grid) is there with its computed caption.
    page.locator("[data-testid=stDataFrame]").first.wait_for()
    page.get_by_text("the gradient norm scales by 0.5000 (1/c = 0.5000)").first.wait_for()
    assert harness.exceptions_on(page) == []
