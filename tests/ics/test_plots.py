"""The figure builders: valid plotly figures, panels where they should be, shared and log axes."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from bnviz.ics import plots
from bnviz.ics.panels import log_axis, running_median
from bnviz.ics.result import ICS_VARIANTS
from tests.ics.fakes import fake_result


def titles(fig: dict) -> list[str]:
    return [a["text"] for a in fig["layout"]["annotations"]]


def heads(fig: dict) -> list[str]:
    """Each panel title's first line, without its markup."""
    return [re.sub("<[^>]+>", "", t.split("<br>")[0]) for t in titles(fig)]


def test_every_figure_is_valid_plotly():
    result = fake_result()
    figs = plots.figures(result)
    assert set(figs) == {"shift", "gradient_change", "smoothness"}
    for fig in figs.values():
        go.Figure(fig)  # plotly validates every property


def test_shift_figure_has_accuracy_and_one_band_per_variant_on_one_range():
    result = fake_result()
    fig = plots.shift_figure(result)
    assert heads(fig) == ["(a) Test accuracy", "(b) Without BN", "(c) With BN", "(d) Noisy BN"]
    ranges = [fig["layout"][f"yaxis{k}"]["range"] for k in (2, 3, 4)]
    assert ranges[0] == ranges[1] == ranges[2]
    lo, hi = ranges[0]
    every = np.concatenate([result.bands[v].ravel() for v in ICS_VARIANTS])
    assert lo < every.min() and every.max() < hi
    medians = [t for t in fig["data"] if t.get("name") == "median"]
    np.testing.assert_array_equal(medians[2]["y"], result.bands["noisy_bn"][:, 1])
    assert fig["layout"]["xaxis"]["range"][1] >= result.total_steps  # the planned run


def test_gradient_change_figure_is_three_rows_by_measured_layer():
    result = fake_result()
    fig = plots.gradient_change_figure(result)
    layout = fig["layout"]
    assert [layout[f"yaxis{k}" if k > 1 else "yaxis"]["title"]["text"] for k in (1, 3, 5)] == [
        "‖G − G′‖",
        "‖G − G′‖ / ‖G‖",
        "cos(G, G′)",
    ]
    assert layout["yaxis"]["type"] == "log" and "type" not in layout["yaxis5"]
    assert heads(fig) == [
        "Layer 2: after layer 1 has moved",
        "Layer 3: after layers 1–2 have moved",
    ]
    # Row 2, column 2: the relative change of layer 3, raw and as a running median, per variant.
    traces = [t for t in fig["data"] if t["yaxis"] == "y4"]
    assert len(traces) == 2 * len(ICS_VARIANTS)
    relative = result.grad_diff["bn"][:, 1] / result.grad_norm["bn"][:, 1]
    np.testing.assert_allclose(traces[2]["y"], relative)
    np.testing.assert_allclose(traces[3]["y"], running_median(relative))


def test_smoothness_figure_has_its_three_panels():
    result = fake_result()
    fig = plots.smoothness_figure(result)
    assert heads(fig) == [
        "(a) Loss variation",
        "(b) Gradient predictiveness",
        "(c) Effective β-smoothness",
    ]
    assert "η from 0.125 to 2" in titles(fig)[2]
    beta = [t for t in fig["data"] if t["yaxis"] == "y3"]
    np.testing.assert_allclose(beta[0]["y"], result.beta["plain"])


def test_a_growing_run_and_a_diverged_variant_still_draw():
    result = fake_result(n=2, m=1)
    nan = dataclasses.replace(result, beta={**result.beta, "plain": np.array([np.nan])})
    for fig in plots.figures(nan).values():
        go.Figure(fig)


def test_running_median_ignores_nans_and_shrinks_at_the_ends():
    values = np.array([1.0, 9.0, 2.0, np.nan, 3.0])
    np.testing.assert_allclose(running_median(values, window=3), [5.0, 2.0, 5.5, 2.5, 3.0])
    assert np.isnan(running_median(np.array([np.nan]), window=3)[0])


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ([0.02, 0.4], [0.02, 0.05, 0.1, 0.2]),  # under 2.5 decades: 1-2-5
        ([2e-6, 0.3], [1e-5, 1e-4, 1e-3, 1e-2, 0.1]),  # more: the powers of ten only
    ],
)
def test_log_axis_ticks(values, ticks):
    axis = log_axis([{"y": np.array([*values, -1.0, np.nan])}])
    assert axis["type"] == "log"
    np.testing.assert_allclose(axis["tickvals"], ticks)
    if values[0] < 1e-4:
        assert axis["ticktext"][:2] == ["10<sup>−5</sup>", "10<sup>−4</sup>"]
        assert axis["ticktext"][2:] == ["0.001", "0.01", "0.1"]
