"""The Figure 1 page in a real browser: the shipped panels at once, the test-time view on request; a
short live run streams and ends."""

from __future__ import annotations

import re

from tests.e2e import harness

STATIC_PLOTS = "[data-testid=stPlotlyChart] .main-svg"
LIVE_PLOTS = ".bnviz-live-chart .bnviz-plot .main-svg"


def test_shows_the_three_panels_at_once(open_app):
    page = open_app("paper-figure1")
    # Drawn from the shipped result: no training, so they are there within seconds.
    page.wait_for_function(
        f"() => document.querySelectorAll('{STATIC_PLOTS}').length >= 3", timeout=15_000
    )
    for title in ("(a) Test accuracy", "(b) Without BN", "(c) With BN"):
        # Annotations are drawn just after the plot's frame: wait for each title, do not race it.
        page.locator(".main-svg").get_by_text(title).first.wait_for(timeout=15_000)
    assert page.get_by_text("one sigmoid's input, with and without batch norm").count() >= 1
    assert page.get_by_text("internal covariate shift").count() >= 1
    assert page.get_by_role("button", name="Stop").is_disabled()
    # The test-time toggle redraws (c) with the dashed inference view and explains it.
    page.get_by_text("Also show (c) at test time").click()
    page.locator(".main-svg").get_by_text("dashed: test time").first.wait_for(timeout=15_000)
    page.get_by_text("Dashed: the same digits in inference mode").first.wait_for(timeout=15_000)
    harness.wait_for_app(page)
    assert harness.exceptions_on(page) == []


def test_run_it_live_shows_progress_and_finishes(open_app):
    page = open_app("paper-figure1")
    # The shortest run: the slider's first option (keyboard Home on its thumb).
    thumb = page.locator(".st-key-f1_steps input[type=range]")
    thumb.focus()
    page.keyboard.press("Home")
    page.wait_for_function(
        "() => document.querySelector('.st-key-f1_steps input[type=range]')"
        ".getAttribute('aria-valuetext') === '500'"
    )
    page.wait_for_timeout(1000)  # the slider commits its value, then the page reruns with it
    harness.wait_for_app(page)
    page.get_by_role("button", name="Run it live").click()
    progress = page.locator("[data-testid=stProgress]")
    progress.first.wait_for(timeout=60_000)
    assert re.search(r"Step [\d,]+ of 500", progress.first.inner_text())
    # The panels stream in through the chart bridge while the run trains, then it finishes.
    page.wait_for_function(
        f"() => document.querySelectorAll('{LIVE_PLOTS}').length >= 3", timeout=120_000
    )
    page.get_by_text("Step 500 of 500").wait_for(timeout=180_000)
    page.get_by_text(re.compile(r"^Done after 500 steps")).wait_for(timeout=30_000)
    harness.wait_for_app(page)
    assert harness.exceptions_on(page) == []
    assert page.get_by_role("button", name="Run it live").is_enabled()


def test_cli_png_is_the_html_figure_drawn_by_chromium(tmp_path):
    from bnviz.figure1.export import FIGURE_WIDTH, write_all
    from bnviz.figure1.result import Figure1Result

    written = write_all(Figure1Result.load(), tmp_path)
    png = tmp_path / "figure1.png"
    assert png in written
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    # The plot div at device scale 1.5: the three panels side by side, not a blank page.
    assert width == int(FIGURE_WIDTH * 1.5) and 500 < height < 900
    assert len(data) > 50_000
