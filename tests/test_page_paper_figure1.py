"""AppTest for the Figure 1 page: the shipped figure at once, captions, the live rerun and the cap."""

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import PAGES

PAGE = str(PAGES / "paper_figure1.py")


class Busy:
    """A runner that holds a training slot (another session's run)."""

    is_running = True

    def start(self):
        pass

    pause = resume = stop = start


@pytest.fixture(autouse=True)
def clean_registry():
    yield
    from ui.session_runs import registry

    registry().shutdown()
    st.cache_resource.clear()


@pytest.fixture
def tiny_runs(monkeypatch):
    """Live runs of 20 steps (the slider's options are read from the view on every run)."""
    from ui import figure1_view

    monkeypatch.setattr(figure1_view, "LIVE_STEPS", [20, 100_000])
    monkeypatch.setattr(figure1_view, "DEFAULT_LIVE_STEPS", 20)


def run() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=60).run()


def text_of(at: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "caption") for e in getattr(at, kind))


def test_shows_the_shipped_figure_at_once_with_captions():
    at = run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 3  # (a), (b), (c), without any training
    text = text_of(at)
    assert "drifts" in text and "stays put" in text and "faster" in text
    assert "plain SGD without momentum, learning rate 0.5" in text
    assert "mean 0 and variance 1" in text and "mean 1," not in text
    assert "python -m bnviz.figure1" in " ".join(e.body for e in at.expander[0].markdown)
    assert at.button(key="f1_run").disabled is False
    assert at.button(key="f1_stop").disabled is True


def test_missing_shipped_result_is_explained(monkeypatch, tmp_path):
    from ui import figure1_view

    monkeypatch.setattr(figure1_view, "RESULT_PATH", tmp_path / "none.npz")
    at = run()
    assert not at.exception
    assert any("figure1.npz" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 0


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def live_job():
    from ui import figure1_view
    from ui.session_runs import registry

    entries = [registry().get(k) for k in list(registry()._sessions)]
    jobs = [
        entry.runner
        for entry in entries
        if entry is not None and hasattr(entry.runner, "steps_done")
    ]
    assert len(jobs) == 1
    return figure1_view, jobs[0]


def test_run_it_live_trains_in_the_background_and_frees_its_slot(tiny_runs):
    from ui.session_runs import registry

    at = run()
    at.button(key="f1_run").click().run()
    assert not at.exception
    _, job = live_job()
    assert job.steps == 20
    wait_for(lambda: job.finished)
    at.run()
    assert not at.exception
    assert any("Step 20 of 20" in p.proto.text for p in at.get("progress"))
    assert any("Done" in s.value for s in at.success)
    assert registry().training_count == 0  # the finished run gave its slot back


def test_stop_ends_a_live_run(tiny_runs):
    from ui.session_runs import registry

    at = run()
    at.select_slider(key="f1_steps").set_value(100_000).run()
    at.button(key="f1_run").click().run()
    _, job = live_job()
    assert job.is_running and registry().training_count == 1
    assert at.button(key="f1_stop").disabled is False
    at.button(key="f1_stop").click().run()
    assert not at.exception
    assert not job.is_running and not job.finished
    assert registry().training_count == 0
    assert any("stopped" in p.proto.text for p in at.get("progress"))


def test_refuses_when_every_training_slot_is_taken(tiny_runs):
    from ui.session_runs import registry

    reg = registry()
    reg.max_training = 1
    reg.get_or_create("someone-else", Busy)
    assert reg.play("someone-else")
    at = run()
    at.button(key="f1_run").click().run()
    assert not at.exception
    assert any("training slots" in w.value for w in at.warning)
    assert reg.training_count == 1  # still only the other session's run
