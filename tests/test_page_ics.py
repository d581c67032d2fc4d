"""AppTest for the ICS page: the shipped figures at once with computed captions, the live rerun
(starts, streams, stops, frees its slot) and the server-wide cap."""

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PAGES
from tests.sessions import Busy, release_sessions
from tests.typed_arrays import decode_typed_array

PAGE = str(PAGES / "does_bn_reduce_ics.py")


@pytest.fixture(autouse=True)
def clean_registry():
    yield
    release_sessions()


@pytest.fixture
def tiny_runs(monkeypatch):
    """Live runs of 20 steps (the slider's options are read from the view on every run), measured
    every 10 steps however long."""
    from ui import ics_view

    monkeypatch.setattr(ics_view, "LIVE_STEPS", [20, 100_000])
    monkeypatch.setattr(ics_view, "DEFAULT_LIVE_STEPS", 20)
    monkeypatch.setattr(ics_view, "LIVE_MEASUREMENTS", 10_000)


def run() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=60).run()


def text_of(at: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "caption") for e in getattr(at, kind))


def test_shows_the_shipped_figures_at_once_with_computed_captions():
    from bnviz.ics.result import ICSResult

    at = run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 3  # the three experiments, without any training
    text = text_of(at)
    assert "Santurkar, Tsipras, Ilyas & Madry" in text and "NeurIPS 2018" in text
    assert "hypothesis" in text and "smoother" in text
    result = ICSResult.load()
    # Numbers of the shipped run, not typed-in ones.
    assert f"{result.final_accuracy('noisy_bn'):.1%} noisy BN" in text
    assert f"{result.band_range('noisy_bn'):.2f} noisy BN" in text
    assert text.count("One run, one seed") == 3
    assert [h.value for h in at.subheader][:3] == [
        "1 · Shift the distributions on purpose: noisy BN",
        "2 · Internal covariate shift, measured as gradient change",
        "3 · The loss landscape along the gradient",
    ]
    assert "python -m bnviz.ics" in " ".join(e.body for e in at.expander[0].markdown)
    assert at.button(key="ics_run").disabled is False
    assert at.button(key="ics_stop").disabled is True


def test_the_page_does_not_import_torch_to_show_the_shipped_result():
    import subprocess
    import sys

    # A fresh interpreter: this test process has torch from other tests.
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({PAGE!r}, default_timeout=60).run()\n"
        "assert not at.exception, at.exception\n"
        "assert len(at.get('plotly_chart')) == 3\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_missing_shipped_result_is_explained(monkeypatch, tmp_path):
    from ui import ics_view

    monkeypatch.setattr(ics_view, "RESULT_PATH", tmp_path / "none.npz")
    at = run()
    assert not at.exception
    assert any("ics.npz" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 0


def live_figures(at: AppTest) -> dict[str, dict]:
    """The figures the chart bridge was handed on the last run, by chart key."""
    elements = [e for e in at.main if getattr(e, "type", None) == "bidi_component"]
    return {
        e.proto.id.rsplit("-", 1)[-1]: json.loads(e.proto.bytes)["figure"]
        for e in elements
        if e.proto.component_name == "bnviz_live_chart"
    }


def points(figure: dict) -> int:
    return sum(len(decode_typed_array(trace["x"])) for trace in figure["data"] if "x" in trace)


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def live_job():
    from bnviz.ics.job import ICSJob
    from ui.session_runs import registry

    entries = [registry().get(k) for k in list(registry()._sessions)]
    jobs = [e.runner for e in entries if e is not None and isinstance(e.runner, ICSJob)]
    assert len(jobs) == 1
    return jobs[0]


def test_run_it_live_streams_and_frees_its_slot(tiny_runs):
    from ui.session_runs import registry

    at = run()
    at.button(key="ics_run").click().run()
    assert not at.exception
    job = live_job()
    assert job.steps == 20 and job.measure_every == 10
    wait_for(lambda: job.finished)
    at.run()
    assert not at.exception
    assert any("Step 20 of 20" in p.proto.text for p in at.get("progress"))
    assert any("Done" in s.value for s in at.success)
    # The live figures go through the chart bridge, with their own captions.
    assert set(live_figures(at)) == {
        "ics_live_shift",
        "ics_live_gradient_change",
        "ics_live_smoothness",
    }
    assert text_of(at).count("One run, one seed") == 6
    assert registry().training_count == 0  # the finished run gave its slot back


def test_stop_ends_a_live_run(tiny_runs):
    from ui.session_runs import registry

    at = run()
    at.select_slider(key="ics_steps").set_value(100_000).run()
    at.button(key="ics_run").click().run()
    job = live_job()
    assert job.is_running and registry().training_count == 1
    # It streams: a later poll hands the bridge a longer series than an earlier one.
    wait_for(lambda: (r := job.result()) is not None and len(r.measure_steps) >= 1)
    at.run()
    early = live_figures(at)["ics_live_smoothness"]
    seen = len(job.result().measure_steps)
    wait_for(lambda: len(job.result().measure_steps) > seen)
    at.run()
    later = live_figures(at)["ics_live_smoothness"]
    assert not at.exception and points(later) > points(early)
    assert at.button(key="ics_stop").disabled is False
    at.button(key="ics_stop").click().run()
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
    at.button(key="ics_run").click().run()
    assert not at.exception
    assert any("training slots" in w.value for w in at.warning)
    assert reg.training_count == 1  # still only the other session's run
