"""The batch-size page in a real browser: the shipped sweep's three charts drawn with their computed
words, no exception (the live run is tested with AppTest)."""

from __future__ import annotations

import re

from tests.e2e import harness

STATIC_PLOTS = "[data-testid=stPlotlyChart] .main-svg"


def test_shows_the_shipped_batch_sweep_without_exception(open_app):
    from bnviz.sweep.batch_result import BatchResult
    from bnviz.sweep.batch_verdict import verdict
    from bnviz.sweep.result import result_path

    page = open_app("batch-size")
    page.wait_for_function(
        f"() => document.querySelectorAll('{STATIC_PLOTS}').length >= 3", timeout=30_000
    )
    svg = page.locator(".main-svg")
    svg.get_by_text("Test accuracy after the same examples").first.wait_for()
    svg.get_by_text("Train/test mismatch").first.wait_for()
    svg.get_by_text("Batch variance: std of σ²_B / running var").first.wait_for()
    # The theory curve and BN's measured layers are in the legend.
    svg.get_by_text("1/√m (independent draws)").first.wait_for()
    # The verdict computed from the shipped file, as plain text (its first sentence).
    first = verdict(BatchResult.load(result_path("batch"))).split("**")[1]
    page.get_by_text(first).first.wait_for()
    assert harness.exceptions_on(page) == []


LIVE_PLOTS = ".bnviz-live-chart .bnviz-plot .main-svg"


def test_a_live_batch_sweep_runs_in_the_worker_pool_and_draws_its_charts(open_app):
    page = open_app("batch-size")
    harness.wait_for_app(page)
    # The defaults: batch 4 and 60, BN and group norm, 12,000 examples each (6,400 steps in all).
    page.get_by_role("button", name="Run it live").click()
    page.get_by_text(re.compile(r"Step 6,400 of 6,400 · finished")).wait_for(timeout=180_000)
    harness.wait_for_app(page)
    page.wait_for_function(
        f"() => document.querySelectorAll('{LIVE_PLOTS}').length >= 3", timeout=60_000
    )
    page.get_by_text("One seed per batch size: an anecdote").first.wait_for()
    assert harness.exceptions_on(page) == []
    assert page.get_by_role("button", name="Run it live").is_enabled()
