"""AppTest: the router and the start page render without exception."""

from streamlit.testing.v1 import AppTest

from tests.conftest import APP


def test_router_runs_home_by_default():
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert any("made visible" in t.value for t in at.title)


def test_unknown_default_page_falls_back_to_home(monkeypatch):
    monkeypatch.setenv("BNVIZ_DEFAULT_PAGE", "no-such-page")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert any("made visible" in t.value for t in at.title)


def test_home_page_states_bn_correctly():
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "mean 0 and variance 1" in text
    assert "mean 1" not in text
