"""Training processes in a real deployment: a killed worker is reported on the page, Reset trains
again, and a closed tab's run leaves the worker idle."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.e2e import harness
from tests.e2e.test_live_lab import SMALL, current_step, press_play, status_text, wait_until

pytestmark = pytest.mark.own_server


def workers(server_pid: int) -> list[int]:
    """The server's training processes (its spawned children, not the resource tracker)."""
    try:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    except OSError:
        return []
    found = []
    for pid in map(int, children):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "spawn_main" in cmd:
            found.append(pid)
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def server():
    quick = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": "5", "BNVIZ_RELEASE_GRACE_SECONDS": "3"}
    with harness.StreamlitServer("app.py", env=quick) as s:
        yield s


def test_a_killed_worker_is_reported_and_reset_trains_again(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{server.url}/{SMALL}")
        harness.wait_for_app(page, timeout=60_000)
        press_play(page)
        wait_until(lambda: current_step(page) > 0, timeout=60, what="training in a worker")
        pids = wait_until(lambda: workers(server.proc.pid), what="the worker processes")
        for pid in pids:  # e.g. the kernel's out-of-memory killer
            os.kill(pid, signal.SIGKILL)
        page.get_by_text("stopped unexpectedly").first.wait_for()
        assert "Press Reset" in page.locator("[data-testid=stAlertContentError]").first.inner_text()
        # Reset, then Play at once, as a lecturer does: Play comes while Reset still waits for a
        # fresh worker (two script threads in Streamlit), and must start the fresh run.
        page.locator(".st-key-lab_reset button").first.click()
        time.sleep(0.5)  # Reset's callback is under way: a fresh worker takes seconds to start
        page.locator(".st-key-lab_play [data-testid^=stBaseButton]", has_text="Play").first.click()
        wait_until(
            lambda: "stopped" not in status_text(page) and "· training" in status_text(page),
            timeout=60,
            what="a fresh run, training",
        )
        wait_until(lambda: current_step(page) > 0, timeout=60, what="training after Reset")
        fresh = workers(server.proc.pid)
        assert fresh and not set(fresh) & set(pids), "new workers replaced the killed ones"
        assert harness.exceptions_on(page) == []
    finally:
        context.close()


def test_a_closed_tabs_run_leaves_the_workers_idle(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/{SMALL}")
    harness.wait_for_app(page, timeout=60_000)
    press_play(page)
    wait_until(lambda: current_step(page) > 0, timeout=60, what="training in a worker")
    pids = workers(server.proc.pid)
    context.close()  # the student closes the tab: paused at once, stopped after the grace
    time.sleep(10)  # grace (3 s) + the registry's sweep + the chunk in flight
    before = {pid: cpu_seconds(pid) for pid in pids}
    time.sleep(2)
    spent = sum(cpu_seconds(pid) - t for pid, t in before.items())
    assert spent < 0.3, f"the workers used {spent:.2f} s of CPU in 2 s with no run left"
