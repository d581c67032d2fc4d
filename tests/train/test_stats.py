"""Histograms, percentiles, saturation and update ratios on hand-made inputs (numpy as the oracle)."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.train.stats import (
    bin_edges,
    histogram,
    norm,
    percentiles,
    saturated_fraction,
    unit_percentiles,
    update_ratio,
)


def test_bin_edges():
    edges = bin_edges(-1.0, 1.0, 4)
    assert edges.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    with pytest.raises(ValueError, match="lo < hi"):
        bin_edges(1.0, 1.0)
    with pytest.raises(ValueError, match="one bin"):
        bin_edges(0.0, 1.0, 0)


def test_histogram_hand_made():
    edges = bin_edges(-1.0, 1.0, 4)  # bins [-1,-.5) [-.5,0) [0,.5) [.5,1]
    x = torch.tensor([[-0.75, -0.25, 0.0, 0.25], [0.5, 0.99, 1.0, -1.0]])
    assert histogram(x, edges).tolist() == [2, 1, 2, 3]


def test_histogram_out_of_range_goes_to_edge_bins_and_nan_is_dropped():
    edges = bin_edges(-1.0, 1.0, 4)
    x = torch.tensor([-5.0, -math.inf, 7.0, math.inf, math.nan, 0.1])
    assert histogram(x, edges).tolist() == [2, 0, 1, 2]


def test_histogram_edge_cases():
    edges = bin_edges(-8.0, 8.0, 64)
    assert histogram(torch.empty(0, 5), edges).tolist() == [0] * 64
    constant = histogram(torch.full((30, 4), 0.3), edges)
    assert constant.sum() == 120 and (constant > 0).sum() == 1
    assert constant.dtype == np.int64


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-3, 3, allow_nan=False, width=32), min_size=1, max_size=200),
    st.integers(1, 20),
)
def test_histogram_matches_numpy_inside_the_range(values, n_bins):
    edges = bin_edges(-3.0, 3.0, n_bins)
    x = torch.tensor(values, dtype=torch.float32)
    expected, _ = np.histogram(x.double().numpy(), bins=edges.numpy())
    assert histogram(x, edges).tolist() == expected.tolist()


def test_percentiles_hand_made():
    x = torch.arange(101, dtype=torch.float32)  # 0..100: the p-th percentile is p
    assert percentiles(x).tolist() == [15.0, 50.0, 85.0]
    assert percentiles(torch.tensor([1.0, math.nan, 3.0]), (50.0,)).tolist() == [2.0]
    assert all(math.isnan(v) for v in percentiles(torch.empty(0)).tolist())


def test_unit_percentiles_take_one_column():
    z = torch.stack([torch.arange(101.0), -torch.arange(101.0)], dim=1)  # (batch 101, units 2)
    assert unit_percentiles(z, 0).tolist() == [15.0, 50.0, 85.0]
    assert unit_percentiles(z, 1).tolist() == [-85.0, -50.0, -15.0]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False, width=32), min_size=1, max_size=300))
def test_percentiles_match_numpy(values):
    x = torch.tensor(values, dtype=torch.float32)
    expected = np.percentile(x.double().numpy(), [15, 50, 85])
    np.testing.assert_allclose(percentiles(x), expected, rtol=1e-12, atol=1e-9)


def test_saturated_fraction():
    assert saturated_fraction(torch.tensor([[True, False], [False, False]])) == 0.25
    assert saturated_fraction(torch.zeros(0, dtype=torch.bool)) == 0.0


def test_norm_and_update_ratio():
    before = torch.tensor([3.0, 4.0])
    assert norm(before) == 5.0
    assert update_ratio(before, torch.tensor([3.0, 4.5])) == pytest.approx(0.1)
    assert update_ratio(torch.zeros(2), torch.zeros(2)) == 0.0
    assert update_ratio(torch.zeros(2), torch.ones(2)) == math.inf
