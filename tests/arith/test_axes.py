"""bnviz.arith.axes against torch.nn's BatchNorm2d, LayerNorm, InstanceNorm2d and GroupNorm."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bnviz.arith.axes import KINDS, axes_steps, xhat_moments
from bnviz.arith.batchnorm import batchnorm_steps
from bnviz.arith.layernorm import layernorm_steps
from bnviz.arith.nchw import MAX_VALUES, random_nchw
from bnviz.arith.oracle import norm_check, norm_diff, torch_norm

TOL = 1e-12  # float64, on tensors of ordinary size: far above round-off, far below any bug


def t(a) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))


def max_err(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


@st.composite
def shapes(draw, min_positions=1):
    """(N, C, H, W), each 1..8, at most MAX_VALUES values; ``min_positions`` bounds H·W below."""
    n, c = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    while n * c * h * w > MAX_VALUES:  # shrink the largest side until it fits
        sides = [n, c, h, w]
        sides[sides.index(max(sides))] -= 1
        n, c, h, w = sides
    if h * w < min_positions:
        h = 2
        n = max(1, min(n, MAX_VALUES // (c * h * w)))
    return n, c, h, w


@st.composite
def norm_inputs(draw, min_positions=1):
    """(x, gamma, beta, eps, rng) with per-example and per-channel offsets and scales."""
    shape = draw(shapes(min_positions))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, c, _, _ = shape
    offset = rng.uniform(-10, 10, size=(n, 1, 1, 1)) + rng.uniform(-10, 10, size=(1, c, 1, 1))
    scale = 10.0 ** rng.uniform(-1, 1, size=(1, c, 1, 1))
    x = offset + scale * rng.standard_normal(shape)  # (N, C, H, W)
    gamma, beta = rng.uniform(-3, 3, size=c), rng.uniform(-3, 3, size=c)
    eps = 10.0 ** draw(st.floats(-8, -1))
    return x, gamma, beta, eps, rng


def tolerance(s, gamma=1.0) -> float:
    """TOL, grown where round-off is amplified: |x| / std is how much an ulp of x moves x_hat."""
    amplification = float(np.abs(s.x).max() / s.std.min())
    return TOL * max(1.0, amplification) * max(1.0, float(np.max(np.abs(gamma))))


def check_moments(s):
    """Per statistic: x_hat has mean 0 and biased variance var / (var + eps)."""
    for k in range(len(s.mean)):
        values = s.x_hat[s.members == k]
        assert values.size == s.count
        assert abs(values.mean()) <= tolerance(s)
        expected = s.var[k] / (s.var[k] + s.eps)
        assert abs(values.var() - expected) <= tolerance(s)


# ---------------------------------------------------------------------------------------- torch


@settings(max_examples=40, deadline=None)
@given(norm_inputs(), st.floats(0, 1))
def test_batch_norm_is_batchnorm2d_in_train_mode_with_its_running_stats(inputs, momentum):
    x, gamma, beta, eps, rng = inputs
    assume(x.shape[0] * x.shape[2] * x.shape[3] >= 2)  # one value per channel is refused
    c = x.shape[1]
    rm, rv = rng.normal(size=c), rng.uniform(0.1, 5, size=c)
    s = axes_steps(x, "batch", gamma=gamma, beta=beta, eps=eps, momentum=momentum,
                   running_mean=rm, running_var=rv)  # fmt: skip
    bn = torch.nn.BatchNorm2d(c, eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(t(gamma)), bn.bias.copy_(t(beta))
        bn.running_mean.copy_(t(rm)), bn.running_var.copy_(t(rv))
        y = bn.train()(t(x)).numpy()
    assert max_err(s.y, y) <= tolerance(s, gamma)
    size = max(1.0, float(np.abs(bn.running_var.numpy()).max()))
    assert max_err(s.running_mean, bn.running_mean.numpy()) <= TOL * max(1.0, np.abs(x).max())
    assert max_err(s.running_var, bn.running_var.numpy()) <= TOL * size
    assert s.mean.shape == s.var.shape == s.var_unbiased.shape == (c,)
    np.testing.assert_allclose(s.var_unbiased, s.var * s.count / (s.count - 1), rtol=1e-15)
    check_moments(s)


@settings(max_examples=40, deadline=None)
@given(norm_inputs(), st.booleans())
def test_layer_norm_is_layernorm_over_c_h_w(inputs, affine):
    x, _, _, eps, rng = inputs
    shape = x.shape[1:]
    assume(x[0].size >= 2)  # one value per example is refused
    ln = torch.nn.LayerNorm(list(shape), eps=eps, elementwise_affine=affine, dtype=torch.float64)
    gamma = beta = None
    if affine:  # torch's LayerNorm([C, H, W]) has one gamma and beta per element of (C, H, W)
        gamma, beta = rng.uniform(-3, 3, size=shape), rng.uniform(-3, 3, size=shape)
        with torch.no_grad():
            ln.weight.copy_(t(gamma)), ln.bias.copy_(t(beta))
    s = axes_steps(x, "layer", gamma=gamma, beta=beta, eps=eps)
    with torch.no_grad():
        assert max_err(s.y, ln(t(x)).numpy()) <= tolerance(s, s.gamma)
    assert s.mean.shape == (x.shape[0],) and s.gamma.shape == shape
    assert s.running_mean is None  # no running statistics
    check_moments(s)


@settings(max_examples=40, deadline=None)
@given(norm_inputs(min_positions=2), st.booleans())
def test_instance_norm_is_instancenorm2d(inputs, affine):
    x, gamma, beta, eps, _ = inputs
    n, c, _, _ = x.shape
    inorm = torch.nn.InstanceNorm2d(c, eps=eps, affine=affine, dtype=torch.float64)
    if affine:
        with torch.no_grad():
            inorm.weight.copy_(t(gamma)), inorm.bias.copy_(t(beta))
    else:
        gamma = beta = None
    s = axes_steps(x, "instance", gamma=gamma, beta=beta, eps=eps)
    with torch.no_grad():
        assert max_err(s.y, inorm(t(x)).numpy()) <= tolerance(s, s.gamma)
    assert s.mean.shape == (n * c,) and s.count == x.shape[2] * x.shape[3]
    check_moments(s)


@settings(max_examples=40, deadline=None)
@given(norm_inputs(), st.data())
def test_group_norm_is_groupnorm(inputs, data):
    x, gamma, beta, eps, _ = inputs
    n, c, h, w = x.shape
    choices = [g for g in range(1, c + 1) if c % g == 0 and c // g * h * w >= 2]
    assume(choices)  # groups of one value are refused
    groups = data.draw(st.sampled_from(choices))
    gn = torch.nn.GroupNorm(groups, c, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        gn.weight.copy_(t(gamma)), gn.bias.copy_(t(beta))
        y = gn(t(x)).numpy()
    s = axes_steps(x, "group", groups=groups, gamma=gamma, beta=beta, eps=eps)
    assert max_err(s.y, y) <= tolerance(s, gamma)
    assert s.mean.shape == (n * groups,) and s.count == c // groups * h * w
    check_moments(s)


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_example_tensor_matches_torch_to_1e_12(kind):
    x = random_nchw((4, 6, 3, 3), seed=7)
    rng = np.random.default_rng(1)
    s = axes_steps(x, kind, groups=3, gamma=rng.uniform(0.5, 2, 6), beta=rng.normal(size=6))
    diff = norm_diff(s, torch_norm(s))
    assert diff <= TOL, diff
    assert type(diff) is float


# ---------------------------------------------------------------------------------- identities


@settings(max_examples=30, deadline=None)
@given(norm_inputs(min_positions=2))
def test_group_norm_with_one_group_per_channel_is_instance_norm(inputs):
    x, gamma, beta, eps, _ = inputs
    gn = axes_steps(x, "group", groups=x.shape[1], gamma=gamma, beta=beta, eps=eps)
    inorm = axes_steps(x, "instance", gamma=gamma, beta=beta, eps=eps)
    np.testing.assert_array_equal(gn.members, inorm.members)
    np.testing.assert_allclose(gn.y, inorm.y, rtol=0, atol=tolerance(gn, gamma))


@settings(max_examples=30, deadline=None)
@given(norm_inputs())
def test_group_norm_with_one_group_is_layer_norm_up_to_the_affine_shape(inputs):
    x, gamma, beta, eps, _ = inputs
    assume(x[0].size >= 2)
    gn = axes_steps(x, "group", groups=1, gamma=gamma, beta=beta, eps=eps)
    # Layer norm's gamma is per element of (C, H, W): the per-channel one, repeated over H, W.
    ln = axes_steps(x, "layer", gamma=gamma, beta=beta, eps=eps)
    assert ln.gamma.shape == x.shape[1:] and gn.gamma.shape == (x.shape[1],)
    np.testing.assert_array_equal(gn.members, ln.members)
    np.testing.assert_allclose(gn.x_hat, ln.x_hat, rtol=0, atol=tolerance(gn))
    np.testing.assert_allclose(gn.y, ln.y, rtol=0, atol=tolerance(gn, gamma))


def test_a_batch_features_table_is_n_c_1_1():
    # An MLP's (batch, features): batch norm is BatchNorm1d, layer norm LayerNorm(features).
    x = np.array([[-0.6577, -0.5797, 0.636], [0.7392, 0.2145, 1.523], [0.2432, 0.5662, 0.322]])
    bn, bn1d = axes_steps(x, "batch"), batchnorm_steps(x)
    assert bn.x.shape == (3, 3, 1, 1)
    np.testing.assert_allclose(bn.y[:, :, 0, 0], bn1d.y, rtol=0, atol=TOL)
    np.testing.assert_allclose(bn.running_var, bn1d.running_var, rtol=0, atol=TOL)
    ln = axes_steps(x, "layer", gamma=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(
        ln.y[:, :, 0, 0], layernorm_steps(x, gamma=[1.0, 2.0, 3.0]).y, rtol=0, atol=TOL
    )
    with pytest.raises(ValueError, match="Make H or W at least 2"):
        axes_steps(x, "instance")


def test_membership_per_kind():
    x = random_nchw((2, 4, 1, 2), seed=0)
    n, c = np.indices(x.shape)[:2]
    np.testing.assert_array_equal(axes_steps(x, "batch").members, c)
    np.testing.assert_array_equal(axes_steps(x, "layer").members, n)
    np.testing.assert_array_equal(axes_steps(x, "instance").members, n * 4 + c)
    np.testing.assert_array_equal(axes_steps(x, "group", groups=2).members, n * 2 + c // 2)
    s = axes_steps(x, "group", groups=2)
    assert s.stat_labels == (
        "example 1, group 1", "example 1, group 2", "example 2, group 1", "example 2, group 2"
    )  # fmt: skip
    np.testing.assert_array_equal(
        s.member_indices(3), [[1, 2, 0, 0], [1, 2, 0, 1], [1, 3, 0, 0], [1, 3, 0, 1]]
    )


def test_a_constant_group_gives_beta():
    x = np.ones((2, 2, 2, 2))
    s = axes_steps(x, "instance", beta=[0.5, -1.0])
    assert (s.var == 0).all() and (s.x_hat == 0).all()
    np.testing.assert_array_equal(s.y[:, 0], 0.5)


def test_results_are_read_only_copies():
    x = random_nchw((2, 2, 2, 2), seed=0)
    s = axes_steps(x, "batch")
    x[0, 0, 0, 0] = 99.0
    assert s.x[0, 0, 0, 0] != 99.0
    with pytest.raises(ValueError):
        s.y[0, 0, 0, 0] = 1.0


# ---------------------------------------------------------------------------------- validation

BAD = [
    ({"x": np.zeros((2, 2, 2)), "kind": "batch"}, "needs 4, (N, C, H, W), or 2"),
    ({"x": np.zeros((9, 1, 1, 1)), "kind": "layer"}, "N is 9, but it must lie between 1 and 8"),
    ({"x": np.zeros((8, 8, 2, 3)), "kind": "layer"}, "384 values, more than the 256"),
    ({"x": [[1.0, float("nan")]], "kind": "layer"}, "example 1, channel 2, position (1, 1)"),
    ({"x": [["a", "b"]], "kind": "layer"}, "tensor of numbers"),
    ({"x": np.zeros((2, 6, 1, 1)), "kind": "group", "groups": 4}, "divisors of 6: 1, 2, 3, 6"),
    ({"x": np.zeros((2, 6, 1, 1)), "kind": "group", "groups": "two"}, "divisors of 6"),
    ({"x": np.zeros((1, 3, 1, 1)), "kind": "batch"}, "BatchNorm2d refuses"),
    ({"x": np.zeros((4, 3, 1, 1)), "kind": "instance"}, "InstanceNorm2d refuses"),
    ({"x": np.zeros((4, 1, 1, 1)), "kind": "layer"}, "Add a channel or a position"),
    ({"x": np.zeros((4, 3, 1, 1)), "kind": "group", "groups": 3}, "Choose fewer groups"),
    ({"x": np.zeros((2, 3, 1, 1)), "kind": "batch", "gamma": [1.0, 2.0]}, "one per channel"),
    ({"x": np.zeros((2, 3, 2, 2)), "kind": "layer", "beta": np.zeros((3, 2))}, "per element"),
    ({"x": np.zeros((2, 3, 1, 1)), "kind": "batch", "beta": [1.0, np.inf, 0]}, "finite"),
    ({"x": np.zeros((2, 3, 1, 1)), "kind": "channel"}, "one of: batch, layer, instance, group"),
    ({"x": np.zeros((2, 3, 1, 1)), "kind": "layer", "eps": 0.0}, "greater than 0"),
    ({"x": np.zeros((2, 3, 1, 1)), "kind": "batch", "momentum": 2.0}, "between 0 and 1"),
    ({"x": np.full((2, 1, 1, 1), 1e200) * [[[[1]]], [[[-1]]]], "kind": "batch"}, "float64"),
]


@pytest.mark.parametrize(("kwargs", "phrase"), BAD)
def test_bad_input_is_explained(kwargs, phrase):
    with pytest.raises(ValueError) as err:
        axes_steps(**kwargs)
    assert phrase in str(err.value)


@pytest.mark.parametrize("kind", list(KINDS))
def test_xhat_moments_and_the_page_check(kind):
    s = axes_steps(random_nchw((3, 4, 2, 2), seed=3), kind, groups=2, eps=0.5)
    mean, var, expected = xhat_moments(s)
    assert mean.shape == var.shape == (len(s.stat_labels),)
    assert np.abs(mean).max() <= TOL
    np.testing.assert_allclose(var, expected, rtol=0, atol=TOL)
    assert (expected < 1).all()  # eps = 0.5 visibly shrinks x_hat's variance
    check = norm_check(s)
    assert check.matches and check.module.startswith("torch.nn.")
