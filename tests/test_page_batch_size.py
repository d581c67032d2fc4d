"""AppTest for the batch-size page: the shipped sweep at once with computed words, a live sweep that
runs, streams and frees its slot, and bad choices refused with a message."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PAGES
from tests.sessions import release_sessions

PAGE = str(PAGES / "batch_size.py")


@pytest.fixture(autouse=True)
def clean_registry():
    yield
    release_sessions()


def run() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=60).run()


def text_of(at: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "caption") for e in getattr(at, kind))


def test_shows_the_shipped_sweep_with_its_computed_words():
    from bnviz.sweep.batch_captions import captions
    from bnviz.sweep.batch_result import BatchResult
    from bnviz.sweep.batch_verdict import verdict
    from bnviz.sweep.result import result_path

    at = run()
    assert not at.exception
    result = BatchResult.load(result_path("batch"))
    assert result.complete and result.variants == ("plain", "bn", "ln", "gn")
    assert result.values == ("2", "4", "8", "16", "60", "256") and len(result.seeds) == 3
    text = text_of(at)
    assert verdict(result) in text
    for caption in captions(result).values():
        assert caption in text
    assert len(at.get("plotly_chart")) == 3
    assert "python -m bnviz.sweep batch" in " ".join(e.body for e in at.expander[0].markdown)
    assert at.button(key="batch_run").disabled is False


def live_job():
    from bnviz.sweep.job import SweepJob
    from ui.session_runs import registry

    entries = [registry().get(k) for k in list(registry()._sessions)]
    jobs = [e.runner for e in entries if e is not None and isinstance(e.runner, SweepJob)]
    assert len(jobs) == 1
    return jobs[0]


def test_live_batch_sweep_runs_streams_and_frees_its_slot(monkeypatch):
    from ui import batch_view
    from ui.session_runs import registry

    monkeypatch.setattr(batch_view, "LIVE_EXAMPLES", [120, 3_000])
    monkeypatch.setattr(batch_view, "DEFAULT_LIVE_EXAMPLES", 120)
    at = run()
    at.multiselect(key="batch_sizes").set_value(["4", "60"]).run()
    at.multiselect(key="batch_variants").set_value(["bn", "ln"]).run()
    at.button(key="batch_run").click().run()
    assert not at.exception
    job = live_job()
    assert job.grid.sweep == "batch" and job.grid.examples == 120
    assert [s.steps for s in job.grid.specs()] == [30, 2, 30, 2]
    deadline = time.monotonic() + 180
    while not job.finished:
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    at.run()
    assert not at.exception
    assert any("Step 64 of 64" in p.proto.text for p in at.get("progress"))
    text = text_of(at)
    assert "One seed per batch size: an anecdote" in text
    assert "BN at m = 4:" in text
    assert registry().training_count == 0  # the finished run gave its slot back


def test_no_batch_size_is_refused_with_a_message():
    at = run()
    at.multiselect(key="batch_sizes").set_value([]).run()
    at.button(key="batch_run").click().run()
    assert not at.exception
    assert any("Choose 1 to 3 batch sizes" in w.value for w in at.warning)
