"""A shared run in real browsers: the owner shares, a viewer watches it live and read-only."""

from __future__ import annotations

import re

from tests.e2e import harness
from tests.e2e.test_live_lab import SMALL, current_step, press_play, status_text, wait_until

WATCH_STATUS = ".st-key-watch_status"


def viewer_step(page) -> int:
    match = re.search(r"Step ([\d,]+)", page.locator(WATCH_STATUS).inner_text())
    assert match
    return int(match.group(1).replace(",", ""))


def test_a_viewer_follows_the_owners_run_without_controls(browser, open_app):
    owner = open_app(SMALL)
    owner.get_by_label("Your name, as viewers see it").fill("Prof. <b>Kim</b>")
    owner.get_by_label("Your name, as viewers see it").press("Enter")
    owner.locator(".st-key-share_button button").click()
    link = owner.locator(".st-key-share_link code").first
    link.wait_for()
    url = link.inner_text().strip()
    assert re.search(r"/live-lab\?watch=[A-Za-z0-9_.-]{22,}&lang=en$", url), (
        url
    )  # keeps the language
    press_play(owner)
    wait_until(lambda: current_step(owner) > 0, what="the owner's run to train")

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    viewer = context.new_page()
    viewer.set_default_timeout(30_000)
    try:
        viewer.goto(url)  # its charts refresh while the run trains: wait for them, not for idle
        banner = viewer.get_by_text("You are watching")
        banner.wait_for()
        assert "Prof. <b>Kim</b>" in banner.inner_text()  # the typed name, as text
        assert viewer.locator("b", has_text="Kim").count() == 0
        first = wait_until(lambda: viewer_step(viewer), what="the viewer's status")
        wait_until(lambda: viewer_step(viewer) > first, what="the viewer's step to rise")
        assert viewer.locator(".st-key-lab_lr").count() == 0  # no learning-rate control
        assert viewer.locator(".st-key-lab_play").count() == 0  # nor Play

        thumb = owner.locator(".st-key-lab_lr input[type=range]")  # the owner changes the LR
        thumb.focus()
        owner.keyboard.press("ArrowLeft")
        wait_until(lambda: "· lr 0.2 ·" in status_text(owner), what="the owner's new LR")
        wait_until(
            lambda: "lr 0.2" in viewer.locator(WATCH_STATUS).inner_text(),
            what="the owner's LR on the viewer's page",
        )
        mark = viewer.locator(".st-key-watch_curves .js-plotly-plot").first
        wait_until(
            lambda: mark.get_by_text(re.compile(r"lr 0.5 → 0.2$")).count() > 0,
            what="the LR mark on the viewer's chart",
        )
        assert not harness.exceptions_on(viewer)
    finally:
        context.close()


def test_a_wrong_token_says_so_and_links_to_a_run_of_ones_own(open_app):
    page = open_app("live-lab?watch=not-a-real-token-at-all1")
    page.get_by_text("This link does not lead to a shared run").wait_for()
    page.get_by_role("link", name="Start your own run").wait_for()
    assert page.locator(".st-key-lab_play").count() == 0
