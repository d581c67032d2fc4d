"""AppTest for the sweeps page: the shipped sweeps at once with computed words, the scale-invariance
panel's computed numbers, and a live sweep that runs, streams and frees its slot."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PAGES
from tests.sessions import release_sessions

PAGE = str(PAGES / "lr_init_sweeps.py")


@pytest.fixture(autouse=True)
def clean_registry():
    yield
    release_sessions()


def run() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=60).run()


def text_of(at: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "caption") for e in getattr(at, kind))


def test_shows_the_shipped_lr_sweep_with_its_computed_verdict():
    from bnviz.sweep import findings
    from bnviz.sweep.result import SweepResult, result_path

    at = run()
    assert not at.exception
    result = SweepResult.load(result_path("lr"))
    text = text_of(at)
    plain, bn = findings.largest_stable(result, "plain"), findings.largest_stable(result, "bn")
    assert f"**{plain} without BN**" in text and f"**{bn} with BN**" in text
    assert "Largest stable LR: without BN " + plain in text  # capitals kept
    assert "python -m bnviz.sweep lr" in " ".join(e.body for e in at.expander[0].markdown)
    assert len(at.get("plotly_chart")) >= 3
    assert at.button(key="sweep_run").disabled is False


def test_scale_invariance_numbers_are_computed_for_the_chosen_c():
    from bnviz.sweep.scale_invariance import scale_invariance

    at = run()
    at.select_slider(key="si_c").set_value(10.0).run()
    at.selectbox(key="si_layer").set_value(2).run()
    assert not at.exception
    r = scale_invariance(10.0, 2)
    text = text_of(at)
    assert "layer 2's W scaled by c = 10" in text
    assert f"scales by {r.grad_ratio('bn'):.4f} (1/c = 0.1000)" in text
    assert f"{r.max_change('plain'):.3f}" in text


def live_job():
    from bnviz.sweep.job import SweepJob
    from ui.session_runs import registry

    entries = [registry().get(k) for k in list(registry()._sessions)]
    jobs = [e.runner for e in entries if e is not None and isinstance(e.runner, SweepJob)]
    assert len(jobs) == 1
    return jobs[0]


def test_live_sweep_runs_streams_and_frees_its_slot(monkeypatch):
    from ui import sweep_view
    from ui.session_runs import registry

    monkeypatch.setattr(sweep_view, "LIVE_STEPS", [20, 1_000])
    monkeypatch.setattr(sweep_view, "DEFAULT_LIVE_STEPS", 20)
    at = run()
    at.multiselect(key="sweep_values").set_value(["1"]).run()
    at.button(key="sweep_run").click().run()
    assert not at.exception
    job = live_job()
    assert job.grid.runs == 2 and job.grid.values == ("1",) and job.grid.steps == 20
    deadline = time.monotonic() + 120
    while not job.finished:
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    at.run()
    assert not at.exception
    assert any("Step 40 of 40" in p.proto.text for p in at.get("progress"))
    assert "Largest stable learning rate" in text_of(at)
    assert "One seed per cell: an anecdote" in text_of(at)
    assert registry().training_count == 0  # the finished run gave its slot back


def test_no_values_is_refused_with_a_message():
    at = run()
    at.multiselect(key="sweep_values").set_value([]).run()
    at.button(key="sweep_run").click().run()
    assert not at.exception
    assert any("Choose one or 2 grid values" in w.value for w in at.warning)
