"""The batch-size page in a real browser: the shipped sweep's three charts drawn with their computed
words, no exception (the live run is tested with AppTest)."""

from __future__ import annotations

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
