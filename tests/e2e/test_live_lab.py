"""The live lab in a real browser: play, learning rate, the Show control, four variants, in-place
charts, tab close."""

from __future__ import annotations

import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e import harness

# A small, fast run keeps these tests light on the shared 2 cores; the page is the same.
SMALL = "live-lab?dataset=moons&hidden=16,16"
STATUS = ".st-key-lab_status"


def status_text(page) -> str:
    return page.locator(STATUS).inner_text()


def current_step(page) -> int:
    match = re.search(r"Step ([\d,]+)", status_text(page))
    assert match, status_text(page)
    return int(match.group(1).replace(",", ""))


def wait_until(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def press_play(page) -> None:
    """Press Play until the button says Pause. A click that lands while the page redraws the
    button is lost, so it is retried, but only on a button that still says Play: Play is an
    intent, and a late first click does no harm, while a click on Pause would undo it."""
    buttons = ".st-key-lab_play [data-testid^=stBaseButton]"
    play, paused = page.locator(buttons, has_text="Play"), page.locator(buttons, has_text="Pause")
    for _ in range(3):
        if paused.count():
            return
        play.first.click()
        try:
            paused.first.wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            continue
    paused.first.wait_for()


def pause(page) -> None:
    """Press Pause; a click that lands on a button being redrawn is lost, so retry while the status
    still says "training". Pause is an intent, not a toggle, so a late first click does no harm."""
    button = page.locator(".st-key-lab_play [data-testid^=stBaseButton]", has_text="Pause")
    for _ in range(3):
        if "paused" in status_text(page):
            return
        button.first.click()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "paused" not in status_text(page):
            time.sleep(0.2)
    assert "paused" in status_text(page), "the run did not pause"


def plot_div(page, key: str):
    """The plotly div of the live chart with this key."""
    return page.locator(f".st-key-{key} .js-plotly-plot").first


def test_play_makes_the_step_counter_rise(open_app):
    page = open_app(SMALL)
    assert current_step(page) == 0
    press_play(page)
    first = wait_until(lambda: current_step(page) > 0, what="training to start")
    wait_until(lambda: current_step(page) > first, what="the step counter to rise again")
    assert "training" in status_text(page)
    pause(page)
    time.sleep(1.5)  # the chunk in flight (<= 50 ms of work) and a refresh already due may land
    paused_at = current_step(page)
    time.sleep(2)
    assert current_step(page) == paused_at  # then pausing has stopped stepping


def test_lr_slider_shows_new_lr_and_marks_the_loss_chart(open_app):
    page = open_app(SMALL)
    press_play(page)
    wait_until(lambda: current_step(page) > 20, what="some training")
    thumb = page.locator(".st-key-lab_lr input[type=range]")
    before = thumb.get_attribute("aria-valuetext")
    thumb.focus()
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    wait_until(lambda: thumb.get_attribute("aria-valuetext") == "2", what="the slider to move")
    wait_until(lambda: re.search(r"· lr 2 ·", status_text(page)), what="the new LR in the status")
    # The LR change is marked on the loss chart: a dotted line labelled "lr 0.5 → 2" (or, when the
    # two key presses arrive as two changes, "lr 0.5 → 1" then "lr 1 → 2").
    wait_until(
        lambda: plot_div(page, "lab_curves").get_by_text(re.compile(r"lr [\d.]+ → 2$")).count() > 0,
        what="the LR mark on the loss chart",
    )
    assert before == "0.5"


def test_show_control_switches_the_view(open_app):
    page = open_app(SMALL)
    pct = plot_div(page, "lab_pct")
    pct.wait_for()
    assert pct.get_by_text(re.compile("^with BN")).count() > 0
    page.locator(".st-key-lab_shown button", has_text="without BN").click()
    wait_until(
        lambda: pct.get_by_text(re.compile("^without BN")).count() > 0, what="the plain view"
    )
    harness.wait_for_app(page)
    page.get_by_text("Side by side").click()
    wait_until(
        lambda: (
            pct.get_by_text(re.compile("^with BN")).count() > 0
            and pct.get_by_text(re.compile("^without BN")).count() > 0
        ),
        what="both twins side by side",
    )


def test_chart_updates_in_place_and_keeps_zoom(open_app):
    page = open_app(SMALL)
    press_play(page)
    wait_until(lambda: current_step(page) > 10, what="training")
    div = plot_div(page, "lab_curves")
    div.wait_for()
    div.evaluate(
        "d => { d.__bnvizTag = 'same-node'; Plotly.relayout(d, {'xaxis.range': [0, 7]}); }"
    )
    # _fullData: plotly.js's decoded traces (data[0].x is the typed-array spec the page sent)
    n_points = div.evaluate("d => d._fullData[0]._length")
    steps = [current_step(page)]
    for _ in range(5):  # five refreshes with new data
        steps.append(wait_until(lambda: current_step(page) > steps[-1] and current_step(page)))
    wait_until(
        lambda: div.evaluate("d => d._fullData[0]._length") != n_points, what="new chart data"
    )
    assert div.evaluate("d => d.__bnvizTag") == "same-node"
    assert div.evaluate("d => d.layout.xaxis.range") == [0, 7]


def test_closing_the_tab_stops_its_run(browser, app_url):
    watcher_ctx, lab_ctx = browser.new_context(), browser.new_context()
    try:
        lab = lab_ctx.new_page()
        lab.goto(f"{app_url}/{SMALL}")
        harness.wait_for_app(lab)
        press_play(lab)
        wait_until(lambda: current_step(lab) > 0, what="training")
        watcher = watcher_ctx.new_page()
        watcher.goto(f"{app_url}/{SMALL}")
        harness.wait_for_app(watcher)
        training = re.compile(r"runs on this server: (\d+) training")
        wait_until(lambda: int(training.search(status_text(watcher)).group(1)) >= 1)
        lab_ctx.close()  # the student closes the tab
        step = watcher.locator(".st-key-lab_step [data-testid^=stBaseButton]").first
        # Released at once: it stops training; after the reconnect grace its runner is stopped and
        # the session is gone, leaving the watcher's own session as the only open one.
        wait_until(
            lambda: (
                (step.click() or True) and int(training.search(status_text(watcher)).group(1)) == 0
            ),
            timeout=20,
            what="the closed tab's run to stop training",
        )
        wait_until(
            lambda: (step.click() or True) and " 1 open" in status_text(watcher),
            timeout=60,
            what="the closed tab's runner to be stopped and dropped",
        )
        assert harness.exceptions_on(watcher) == []
    finally:
        watcher_ctx.close()
        lab_ctx.close()


def test_a_link_in_a_url_value_shows_as_text_not_as_a_link(open_app):
    page = open_app("live-lab?dataset=moons&lr=[Session expired - sign in](https://example.org)")
    alert = page.locator("[data-testid=stAlertContentWarning]").first
    alert.wait_for()
    assert "[Session expired - sign in](https://ex" in alert.inner_text()  # the typed text...
    assert alert.locator("a").count() == 0  # ...and no link on the course's domain


def test_presenter_mode_trains_with_only_the_lecture_controls(open_app):
    page = open_app(f"{SMALL}&present=1")
    assert current_step(page) == 0
    press_play(page)
    first = wait_until(lambda: current_step(page) > 0, what="training to start")
    wait_until(lambda: current_step(page) > first, what="the step counter to rise again")
    assert page.locator(".st-key-lab_step").count() == 0
    assert page.get_by_role("button", name=re.compile("Step")).count() == 0
    assert page.locator(".st-key-lab_lr input[type=range]").count() == 1
    assert harness.exceptions_on(page) == []
    pause(page)


def test_four_variants_train_with_four_legend_entries_and_their_formulas(open_app):
    page = open_app("live-lab?variants=plain,bn,ln,gn&dataset=moons&hidden=16,16")
    curves = plot_div(page, "lab_curves")
    curves.wait_for()
    press_play(page)
    wait_until(lambda: current_step(page) > 50, what="some training of four variants")
    labels = ["without BN", "with BN", "layer norm", "group norm"]
    wait_until(
        lambda: curves.locator(".legendtext").all_text_contents() == labels,
        what="four legend entries",
    )
    assert page.locator(".katex-display").count() == 4  # one formula per variant
    pause(page)
    page.get_by_text("Side by side").click()
    pct = plot_div(page, "lab_pct")
    wait_until(
        lambda: all(pct.get_by_text(re.compile(f"^{label}$")).count() for label in labels),
        what="four percentile panels",
    )
    assert harness.exceptions_on(page) == []


def test_switching_the_language_keeps_the_run_and_every_choice(open_app):
    """The browser sends back the label a translated option showed; the choices and the run must
    survive the switch (the language selector re-pins them) instead of falling to defaults."""
    page = open_app(SMALL + "&lang=ko")
    page.get_by_text("층의 모든 유닛").click()
    harness.wait_for_app(page)
    page.locator(".st-key-lab_view button", has_text="나란히").click()
    harness.wait_for_app(page)
    page.locator(".st-key-lab_step [data-testid^=stBaseButton]").first.click()
    wait_until(lambda: "스텝 10" in status_text(page), what="step 10")
    harness.wait_for_app(page)
    page.locator(".st-key-bnviz_lang_selector button", has_text="English").click()
    page.get_by_role("heading", name=re.compile("^Live lab")).wait_for()
    harness.wait_for_app(page)
    assert current_step(page) == 10  # the same run
    assert page.get_by_text("These settings start a").count() == 0  # the network is unchanged
    radio = page.locator(".st-key-lab_pooled")
    assert radio.get_by_role("radio", name="all units of the layer").is_checked()
    dataset = page.locator(".st-key-cfg_dataset")
    shown = dataset.inner_text() + " ".join(i.input_value() for i in dataset.locator("input").all())
    assert "Moons" in shown, shown
    assert "dataset=moons" in page.url and "lang=en" in page.url
    # Side by side still: both variants' panels in the percentile chart.
    pct = plot_div(page, "lab_pct")
    assert pct.get_by_text(re.compile("^without BN")).count() > 0
    assert pct.get_by_text(re.compile("^with BN")).count() > 0
