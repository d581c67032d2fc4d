"""AppTest for the Figure 1 page: the shipped figure at once, captions with the result's numbers, the
test-time toggle, the live rerun and the cap."""

import json
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PAGES
from tests.sessions import Busy, release_sessions

PAGE = str(PAGES / "paper_figure1.py")


@pytest.fixture(autouse=True)
def clean_registry():
    yield
    release_sessions()


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
    from bnviz.figure1 import findings
    from bnviz.figure1.result import Figure1Result

    result = Figure1Result.load()
    at = run()
    assert not at.exception
    assert at.title[0].value == "Paper Figure 1: one sigmoid's input, with and without batch norm"
    assert len(at.get("plotly_chart")) == 3  # (a), (b), (c), without any training
    text = text_of(at)
    # The captions carry this result's numbers, computed, not written in.
    acc = findings.accuracy(result)
    assert f"**{acc.final['bn']:.2%}** with BN, **{acc.final['plain']:.2%}** without" in text
    assert f"mean of {len(result.seeds)} seeds" in text and "9,760 held-out digits" in text
    verdict = "**within noise**" if acc.verdict == "within noise" else "ends ahead by"
    assert verdict in text and "standard error" in text
    bn = findings.spread(result, "bn")
    assert f"a 15–85 band {bn.width_start:.2f} wide" in text
    assert f"{bn.width_end:.2f} wide at step 50,000" in text
    plateau = findings.plateau(result)
    assert f"{plateau.plain:.1%} test accuracy at step {plateau.step:,}" in text
    for claim in ("stays put", "steady spread", "ends higher", "by batch norm alone"):
        assert claim not in text, claim
    assert "plain SGD without momentum, learning rate 0.5" in text
    assert "with 0.01 mostly vanishing signals" in text and "*binary* 28×28" in text
    how = " ".join(e.body for e in at.expander[0].markdown)
    assert "python -m bnviz.figure1" in how and "as the layer sees them during training" in how
    assert "mean 0 and variance 1" in how and "not the raw Wu" in how
    assert at.button(key="f1_run").disabled is False
    assert at.button(key="f1_stop").disabled is True


def traces(at: AppTest, k: int) -> list[dict]:
    return json.loads(at.get("plotly_chart")[k].proto.spec)["data"]


def test_the_test_time_toggle_adds_the_inference_view_to_panel_c():
    at = run()
    assert len(traces(at, 2)) == 3 and "Dashed" not in text_of(at)
    at.toggle(key="f1_inference").set_value(True).run()
    assert not at.exception
    dashed = traces(at, 2)[3:]
    assert len(dashed) == 3 and {t["line"]["dash"] for t in dashed} == {"dot", "dash"}
    assert len(traces(at, 1)) == 3  # (b), the plain twin, has no second view
    assert "Dashed: the same digits in inference mode" in text_of(at)
    at.toggle(key="f1_inference").set_value(False).run()
    assert len(traces(at, 2)) == 3


def test_missing_shipped_result_is_explained(monkeypatch, tmp_path):
    from ui import figure1_view

    monkeypatch.setattr(figure1_view, "RESULT_PATH", tmp_path / "none.npz")
    at = run()
    assert not at.exception
    assert any("figure1.npz" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 0


def test_an_older_shipped_format_is_explained_not_crashed_on(monkeypatch, tmp_path):
    from ui import figure1_view

    old = tmp_path / "old.npz"
    np.savez(old, format_version=np.int64(1))
    monkeypatch.setattr(figure1_view, "RESULT_PATH", old)
    at = run()
    assert not at.exception
    assert any("older format" in w.value for w in at.warning)


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
    # The live panels carry the live run's own numbers: one seed, 2,000 held-out digits.
    assert "One seed (0)" in text_of(at) and "2,000 held-out digits" in text_of(at)
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
