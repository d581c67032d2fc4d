"""The ICS page in a real browser: the shipped figures at once; a live run streams and stops; the
CLI's PNGs are the figures drawn by Chromium."""

from __future__ import annotations

import re

from tests.e2e import harness

PAGE = "does-bn-reduce-ics"
STATIC_PLOTS = "[data-testid=stPlotlyChart] .main-svg"
LIVE_PLOTS = ".bnviz-live-chart .bnviz-plot .main-svg"


def count(page, selector: str) -> int:
    return page.evaluate(f"() => document.querySelectorAll('{selector}').length")


def test_shows_the_three_figures_at_once(open_app):
    page = open_app(PAGE)
    # Drawn from the shipped result: no training, so they are there within seconds.
    page.wait_for_function(
        f"() => document.querySelectorAll('{STATIC_PLOTS}').length >= 3", timeout=15_000
    )
    for title in ("(d) Noisy BN", "Layer 3", "(c) Effective β-smoothness"):
        # Annotations are drawn just after the plot's frame: wait for each title, do not race it.
        page.locator(".main-svg").get_by_text(title).first.wait_for(timeout=15_000)
    # Every panel has its curves: traces drawn as SVG paths, not empty axes.
    paths = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]"
        ".map(c => c.querySelectorAll('.scatterlayer path.js-line').length)"
    )
    assert len(paths) == 3 and min(paths) >= 6, paths
    assert page.get_by_text("NeurIPS 2018").count() >= 1
    assert page.get_by_role("button", name="Stop").is_disabled()


def test_run_it_live_streams_and_stops(open_app):
    page = open_app(PAGE)
    # The longest run (keyboard End on the slider's thumb), so it is still training when stopped.
    thumb = page.locator(".st-key-ics_steps input[type=range]")
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_function(
        "() => document.querySelector('.st-key-ics_steps input[type=range]')"
        ".getAttribute('aria-valuetext') === '10,000'"
    )
    page.wait_for_timeout(1000)  # the slider commits its value, then the page reruns with it
    harness.wait_for_app(page)
    page.get_by_role("button", name="Run it live").click()
    progress = page.locator("[data-testid=stProgress]")
    progress.first.wait_for(timeout=60_000)
    assert re.search(r"Step [\d,]+ of 10,000", progress.first.inner_text())
    # The three live figures appear through the chart bridge and grow while the run trains.
    page.wait_for_function(
        f"() => document.querySelectorAll('{LIVE_PLOTS}').length >= 3", timeout=120_000
    )
    first = _step(progress.first.inner_text())
    page.wait_for_function(
        "(first) => { const t = document.querySelector('[data-testid=stProgress]').innerText;"
        " const m = t.match(/Step ([\\d,]+) of/); return m && +m[1].replace(/,/g, '') > first; }",
        arg=first,
        timeout=120_000,
    )
    page.get_by_role("button", name="Stop").click()
    page.get_by_text(re.compile(r"· stopped ·")).wait_for(timeout=60_000)
    harness.wait_for_app(page)
    assert harness.exceptions_on(page) == []
    assert page.get_by_role("button", name="Run it live").is_enabled()
    assert count(page, LIVE_PLOTS) >= 3  # the stopped run's figures stay


def _step(text: str) -> int:
    match = re.search(r"Step ([\d,]+) of", text)
    assert match, text
    return int(match.group(1).replace(",", ""))


def test_cli_pngs_are_the_figures_drawn_by_chromium(tmp_path):
    from bnviz.figure1.export import FIGURE_WIDTH
    from bnviz.ics.export import write_pngs
    from bnviz.ics.result import ICSResult

    written = write_pngs(ICSResult.load(), tmp_path)
    assert [p.name for p in written] == [
        "ics_shift.png",
        "ics_gradient_change.png",
        "ics_smoothness.png",
    ]
    for png in written:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        # The plot div at device scale 1.5, the whole figure (the tall one too), not a blank page.
        assert width == int(FIGURE_WIDTH * 1.5) and 500 < height < 1300, (png.name, height)
        assert len(data) > 50_000
