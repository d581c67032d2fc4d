"""The live chart bridge's Python side: payload, constant uirevision, and a mount inside AppTest.

What the browser does with it (same plot div across refreshes, zoom kept, nothing fetched from
outside the server) is checked in tests/e2e/test_chart_bridge.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from streamlit import config
from streamlit.components.lib.local_component_registry import LocalComponentRegistry
from streamlit.components.v1 import component_registry as v1_registry
from streamlit.runtime import Runtime
from streamlit.testing.v1 import AppTest

from tests.typed_arrays import decode_typed_array
from ui.chart_bridge import live_chart, plotly_js_url
from ui.chart_bridge.payload import DEFAULT_HEIGHT, UIREVISION, encode, figure_payload


def line_figure(n: int = 50, **layout) -> go.Figure:
    x = np.arange(n)
    fig = go.Figure(go.Scatter(x=x, y=np.sin(x / 7.0), name="loss"))
    fig.update_layout(**layout)
    return fig


# --- payload ------------------------------------------------------------------------------------


def test_uirevision_is_forced_to_the_constant_without_touching_the_figure():
    fig = line_figure(uirevision="step-17", width=900)
    payload = figure_payload(fig)
    assert payload["layout"]["uirevision"] == UIREVISION
    assert "width" not in payload["layout"]  # the chart follows its column
    assert payload["layout"]["autosize"] is True
    # The caller's figure keeps its own settings: the bridge works on a copy.
    assert fig.layout.uirevision == "step-17"
    assert fig.layout.width == 900


def test_height_comes_from_argument_then_figure_then_default():
    assert figure_payload(line_figure())["layout"]["height"] == DEFAULT_HEIGHT
    assert figure_payload(line_figure(height=250))["layout"]["height"] == 250
    assert figure_payload(line_figure(height=250), height=333)["layout"]["height"] == 333


@pytest.mark.parametrize("height", [0, 10, 49])
def test_too_small_height_is_refused(height):
    with pytest.raises(ValueError, match="at least 50 px"):
        figure_payload(line_figure(), height=height)


def test_dict_figure_gives_the_same_payload_as_the_figure_object_without_its_template():
    fig = line_figure(title="loss")
    as_dict = fig.to_plotly_json()
    del as_dict["layout"]["template"]
    assert json.loads(encode(figure_payload(as_dict))) == json.loads(encode(figure_payload(fig)))


def test_dict_figure_is_not_modified():
    spec = {"data": [{"type": "scatter", "y": [1, 2, 3]}], "layout": {"uirevision": "mine"}}
    figure_payload(spec)
    assert spec["layout"] == {"uirevision": "mine"}


@pytest.mark.parametrize(
    "bad",
    [
        "not a figure",
        [1, 2, 3],
        {"data": "scatter"},
    ],
)
def test_bad_figures_raise_value_error(bad):
    with pytest.raises(ValueError):
        figure_payload(bad)


def test_numpy_arrays_travel_as_compact_typed_arrays():
    y = np.linspace(0.0, 1.0, 3000)
    fig = go.Figure(go.Scatter(x=np.arange(3000), y=y))
    sent = json.loads(encode({"figure": figure_payload(fig)}))
    y_spec = sent["figure"]["data"][0]["y"]
    assert set(y_spec) >= {"dtype", "bdata"}  # base64, not 3000 decimal numbers
    np.testing.assert_array_equal(decode_typed_array(y_spec), y)
    assert len(encode({"figure": figure_payload(fig)})) < 60_000


def test_heatmap_matrix_round_trips_with_its_shape():
    z = np.random.default_rng(0).standard_normal((50, 200))  # (units, bins)
    sent = json.loads(encode(figure_payload(go.Figure(go.Heatmap(z=z)))))
    np.testing.assert_array_equal(decode_typed_array(sent["data"][0]["z"]), z)


@settings(max_examples=30, deadline=None)
@given(
    y=arrays(np.float64, st.integers(1, 200), elements=st.floats(-1e6, 1e6)),
    revision=st.one_of(st.none(), st.text(max_size=10), st.integers()),
    height=st.one_of(st.none(), st.integers(50, 2000)),
)
def test_payload_keeps_the_data_and_always_has_the_constant_uirevision(y, revision, height):
    fig = go.Figure(go.Scatter(y=y))
    if revision is not None:
        fig.update_layout(uirevision=revision)
    sent = json.loads(encode(figure_payload(fig, height=height)))
    assert sent["layout"]["uirevision"] == UIREVISION
    assert sent["layout"]["height"] == (height if height is not None else DEFAULT_HEIGHT)
    np.testing.assert_array_equal(decode_typed_array(sent["data"][0]["y"]), y)


def test_a_figure_object_is_sent_without_its_template():
    # With streamlit imported, plotly.py's default template is Streamlit's, whose placeholder
    # colours (#000001, ...) only st.plotly_chart fills in: sent as is, they draw a near-black chart.
    fig = line_figure()
    assert fig.layout.template.layout.colorway[0] == "#000001"
    assert "template" not in figure_payload(fig)["layout"]
    assert "template" not in figure_payload(line_figure(template="plotly_white"))["layout"]
    assert fig.layout.template.layout.colorway[0] == "#000001"  # the caller's figure is untouched


# --- the component inside a Streamlit run ---------------------------------------------------------


def _bridge_script():
    import plotly.graph_objects as go
    import streamlit as st

    from ui.chart_bridge import live_chart

    n = st.session_state.get("n", 0)
    st.session_state["n"] = n + 1

    @st.fragment(run_every=0.5)
    def charts():
        live_chart(go.Figure(go.Scatter(y=list(range(n + 3)))), key="line", height=300)
        live_chart({"data": [{"type": "heatmap", "z": [[n, 1], [2, 3]]}]}, key="heat")

    charts()


def _messages(at: AppTest) -> dict[str, dict]:
    elements = [e for e in at.main if getattr(e, "type", None) == "bidi_component"]
    return {e.proto.id.rsplit("-", 1)[-1]: e.proto for e in elements}


def test_live_chart_mounts_and_keeps_its_identity_across_reruns():
    at = AppTest.from_function(_bridge_script, default_timeout=30).run()
    assert not at.exception
    first = _messages(at)
    assert set(first) == {"line", "heat"}

    message = json.loads(first["line"].bytes)
    assert message["height"] == 300
    assert message["figure"]["layout"]["uirevision"] == UIREVISION
    assert message["plotlySrc"] == (
        f"/component/ui.chart_bridge.plotly_js/plotly.min.js?v={plotly.__version__}"
    )
    assert json.loads(first["heat"].bytes)["height"] == DEFAULT_HEIGHT
    assert first["line"].component_name == "bnviz_live_chart"

    at.run()
    assert not at.exception
    second = _messages(at)
    # New data, same element id: the browser updates the chart instead of mounting a new one.
    assert second["line"].bytes != first["line"].bytes
    assert {k: p.id for k, p in second.items()} == {k: p.id for k, p in first.items()}


def test_live_chart_requires_a_key():
    with pytest.raises(ValueError, match="needs a key"):
        live_chart(line_figure(), key="")


class _FakeRuntime:
    """Just enough of streamlit's Runtime for the component registry."""

    def __init__(self):
        self.component_registry = LocalComponentRegistry()


@pytest.fixture
def fake_runtime(monkeypatch):
    runtime = _FakeRuntime()
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    monkeypatch.setattr(Runtime, "instance", classmethod(lambda cls: runtime))
    # declare_component registers only during a script run.
    monkeypatch.setattr(v1_registry, "get_script_run_ctx", lambda *a, **k: object())
    return runtime


def test_plotly_js_is_served_from_the_installed_plotly_package_once_per_runtime(
    fake_runtime, monkeypatch
):
    registry = fake_runtime.component_registry
    calls = []
    real_register = registry.register_component
    monkeypatch.setattr(
        registry, "register_component", lambda c: calls.append(c) or real_register(c)
    )
    url = plotly_js_url()
    assert (
        plotly_js_url()
        == url
        == f"/component/ui.chart_bridge.plotly_js/plotly.min.js?v={plotly.__version__}"
    )
    assert len(calls) == 1  # registering costs ~8 ms: not on every refresh
    served = Path(fake_runtime.component_registry.get_component_path("ui.chart_bridge.plotly_js"))
    # Nothing copied: the route reads plotly's own package data.
    assert served == Path(plotly.__file__).parent / "package_data"
    assert (served / "plotly.min.js").stat().st_size > 1_000_000


def test_plotly_js_url_follows_the_base_url_path(fake_runtime):
    previous = config.get_option("server.baseUrlPath")
    config.set_option("server.baseUrlPath", "/course/bnviz/")
    try:
        assert plotly_js_url() == (
            f"/course/bnviz/component/ui.chart_bridge.plotly_js/plotly.min.js?v={plotly.__version__}"
        )
    finally:
        config.set_option("server.baseUrlPath", previous)


def test_a_dicts_arrays_travel_typed_and_everything_else_as_plain_json():
    steps = np.arange(0, 3000, 10, dtype=np.int64)
    z = np.random.default_rng(1).random((20, 30)).astype(np.float32).T  # not contiguous
    spec = {
        "data": [
            {"type": "scatter", "x": steps, "y": np.array([0.5, np.nan, np.inf, 1.0])},
            {"type": "heatmap", "z": z, "text": np.array(["a", "b"]), "visible": np.bool_(True)},
            {"type": "bar", "y": np.array([True, False]), "width": np.float32(0.5)},
        ],
        "layout": {"xaxis": {"range": np.array([0.0, 2.0])}, "yaxis": {"dtick": float("nan")}},
    }
    sent = json.loads(encode(figure_payload(spec)))
    x, y = sent["data"][0]["x"], sent["data"][0]["y"]
    assert x["dtype"] == "i2"  # plotly.js has no int64: the smallest type that holds the steps
    np.testing.assert_array_equal(decode_typed_array(x), steps)
    np.testing.assert_array_equal(decode_typed_array(y), [0.5, np.nan, np.inf, 1.0])
    np.testing.assert_array_equal(decode_typed_array(sent["data"][1]["z"]), z)
    assert sent["data"][1]["text"] == ["a", "b"] and sent["data"][1]["visible"] is True
    np.testing.assert_array_equal(decode_typed_array(sent["data"][2]["y"]), [1, 0])
    assert sent["data"][2]["width"] == 0.5
    assert sent["layout"]["xaxis"]["range"] == [0.0, 2.0]  # plotly.js wants ranges as lists
    assert sent["layout"]["yaxis"]["dtick"] is None  # JSON has no NaN
    assert isinstance(spec["data"][0]["x"], np.ndarray)  # the figure is not modified


def test_a_value_only_plotly_knows_is_still_encoded():
    import datetime

    sent = json.loads(encode({"data": [{"x": [datetime.date(2026, 12, 3)], "y": [1]}]}))
    assert sent["data"][0]["x"] == ["2026-12-03"]
