"""bnviz.arith.batchnorm against torch.nn.BatchNorm1d (the oracle), plus its error sentences."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.arith.batchnorm import batchnorm_eval_steps, batchnorm_steps
from bnviz.arith.tensor_input import EXAMPLE

TOL = 1e-9  # max abs error against torch in float64: far above round-off, far below a bug

EXAMPLE_Y = [[-1.3246, -1.3492, -0.3756], [1.0912, 0.3077, 1.3685], [0.2334, 1.0415, -0.9930]]


@st.composite
def bn_inputs(draw, min_batch=2):
    """Random (x, gamma, beta, eps, momentum, running_mean, running_var) over shapes and scales."""
    batch = draw(st.integers(min_batch, 64))
    features = draw(st.integers(1, 16))
    scale = 10.0 ** draw(st.floats(-3, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    offset = rng.uniform(-10, 10, size=features) * scale
    x = offset + scale * rng.standard_normal((batch, features))  # (batch, features)
    gamma = rng.uniform(-3, 3, size=features) * 10.0 ** draw(st.floats(-2, 1))
    beta = rng.uniform(-3, 3, size=features)
    eps = 10.0 ** draw(st.floats(-8, -1))
    momentum = draw(st.floats(0, 1))
    running_mean = rng.normal(size=features)
    running_var = rng.uniform(0.1, 5, size=features)
    return x, gamma, beta, eps, momentum, running_mean, running_var


def torch_bn(gamma, beta, eps, momentum, running_mean, running_var):
    bn = torch.nn.BatchNorm1d(len(gamma), eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
        bn.running_mean.copy_(torch.from_numpy(running_mean))
        bn.running_var.copy_(torch.from_numpy(running_var))
    return bn


def max_err(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b, dtype=np.float64))))


def assert_close(ours, torchs):
    """Max abs error <= TOL for quantities of order 1 (y, x_hat, y_eval, running_mean).

    Quantities that grow with the data (running_var ~ scale**2, dx ~ gamma * grad_y / std) carry
    float64 round-off proportional to their size, so above 1 the bound is relative to that size.
    """
    size = max(1.0, float(np.max(np.abs(np.asarray(torchs)))))
    assert max_err(ours, torchs) <= TOL * size, (max_err(ours, torchs), size)


@settings(max_examples=40, deadline=None)
@given(bn_inputs())
def test_train_update_and_eval_match_torch(inputs):
    x, gamma, beta, eps, momentum, rm, rv = inputs
    s = batchnorm_steps(x, gamma, beta, eps, momentum, rm, rv)
    bn = torch_bn(gamma, beta, eps, momentum, rm, rv).train()
    with torch.no_grad():
        y_train = bn(torch.from_numpy(x)).numpy()
        assert max_err(s.y, y_train) <= TOL
        assert_close(s.running_mean, bn.running_mean.numpy())
        assert_close(s.running_var, bn.running_var.numpy())
        y_eval = bn.eval()(torch.from_numpy(x)).numpy()
        assert max_err(s.y_eval, y_eval) <= TOL


@settings(max_examples=30, deadline=None)
@given(bn_inputs(min_batch=1))
def test_eval_steps_match_torch_eval_without_update(inputs):
    x, gamma, beta, eps, _, rm, rv = inputs
    s = batchnorm_eval_steps(x, gamma, beta, eps, rm, rv)
    bn = torch_bn(gamma, beta, eps, 0.1, rm, rv).eval()
    with torch.no_grad():
        assert max_err(s.y, bn(torch.from_numpy(x)).numpy()) <= TOL
    np.testing.assert_array_equal(bn.running_mean.numpy(), rm)  # eval never updates
    np.testing.assert_array_equal(s.mean, rm)


@settings(max_examples=30, deadline=None)
@given(bn_inputs())
def test_intermediates_are_the_formulas(inputs):
    x, gamma, beta, eps, momentum, rm, rv = inputs
    s = batchnorm_steps(x, gamma, beta, eps, momentum, rm, rv)
    m = x.shape[0]
    xt = torch.from_numpy(x)
    assert max_err(s.mean, xt.mean(0)) <= TOL * max(1.0, np.abs(x).max())
    var_biased = xt.var(0, unbiased=False).numpy()
    assert np.allclose(s.var, var_biased, rtol=1e-9, atol=0)
    assert np.allclose(s.var_unbiased, xt.var(0, unbiased=True).numpy(), rtol=1e-9, atol=0)
    assert np.allclose(s.var_unbiased, s.var * m / (m - 1), rtol=1e-12)
    assert max_err(s.scaled, gamma * s.x_hat) == 0
    assert max_err(s.y, s.scaled + beta) == 0
    # x_hat: per feature mean 0 and variance var/(var+eps), i.e. 1 up to the share of eps.
    assert np.allclose(s.x_hat.mean(0), 0.0, atol=1e-9)
    assert np.allclose(s.x_hat.var(0), s.var / (s.var + eps), rtol=1e-9)


def test_worked_example_to_four_decimals():
    s = batchnorm_steps(EXAMPLE)
    np.testing.assert_array_equal(np.round(s.y, 4), np.array(EXAMPLE_Y))
    with torch.no_grad():
        y_torch = torch.nn.BatchNorm1d(3, dtype=torch.float64)(torch.tensor(EXAMPLE).double())
    np.testing.assert_array_equal(np.round(y_torch.numpy(), 4), np.array(EXAMPLE_Y))
    np.testing.assert_array_equal(np.round(s.running_mean, 4), [0.0108, 0.0067, 0.0827])
    np.testing.assert_array_equal(np.round(s.running_var, 4), [0.9501, 0.9345, 0.9388])


def test_defaults_are_torch_defaults():
    s = batchnorm_steps([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_array_equal(s.gamma, [1, 1])
    np.testing.assert_array_equal(s.beta, [0, 0])
    np.testing.assert_array_equal(s.running_mean_before, [0, 0])
    np.testing.assert_array_equal(s.running_var_before, [1, 1])
    assert s.eps == 1e-5 and s.momentum == 0.1


def test_constant_column_is_valid_and_eps_decides():
    x = np.array([[2.5, 1.0], [2.5, 2.0], [2.5, 4.0]])
    s = batchnorm_steps(x, beta=[0.7, 0.0])
    assert s.var[0] == 0
    assert s.std[0] == pytest.approx(np.sqrt(1e-5))
    np.testing.assert_allclose(s.x_hat[:, 0], 0.0, atol=1e-9)
    np.testing.assert_allclose(s.y[:, 0], 0.7, atol=1e-9)  # a constant feature leaves only beta
    with torch.no_grad():
        bn = torch_bn(np.ones(2), np.array([0.7, 0.0]), 1e-5, 0.1, np.zeros(2), np.ones(2))
        assert max_err(s.y, bn(torch.from_numpy(x)).numpy()) <= TOL


def test_results_are_read_only_copies():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    s = batchnorm_steps(x)
    x[0, 0] = 100.0
    assert s.x[0, 0] == 1.0
    with pytest.raises(ValueError):
        s.y[0, 0] = 1.0  # numpy: assignment destination is read-only


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"x": []}, "empty"),
        ({"x": [[]]}, "empty"),
        ({"x": np.zeros((0, 3))}, "empty"),
        ({"x": [[1.0, float("nan")], [2.0, 3.0]]}, "finite"),
        ({"x": [[1.0, float("inf")], [2.0, 3.0]]}, "finite"),
        ({"x": np.array([[1.0, -np.inf], [2.0, 3.0]])}, "row 1, feature 2"),
        ({"x": [[1.0, 2.0, 3.0]]}, "batch of 1"),
        ({"x": [[1.0, 2.0], [3.0]]}, "Row 2 has 1 values"),
        ({"x": [[1.0, "abc"], [2.0, 3.0]]}, "not a number"),
        ({"x": [1.0, 2.0, 3.0]}, "table (batch, features)"),
        ({"x": np.ones((2, 2, 2))}, "2-D"),
        ({"x": [[1.0], [2.0]], "eps": 0.0}, "eps is 0.0"),
        ({"x": [[1.0], [2.0]], "eps": -1e-5}, "greater than 0"),
        ({"x": [[1.0], [2.0]], "eps": float("nan")}, "greater than 0"),
        ({"x": [[1.0, 2.0], [2.0, 3.0]], "gamma": [1.0]}, "gamma has 1 values"),
        ({"x": [[1.0, 2.0], [2.0, 3.0]], "beta": [1.0, 2.0, 3.0]}, "beta has 3 values"),
        ({"x": [[1.0, 2.0], [2.0, 3.0]], "gamma": [1.0, np.nan]}, "gamma must be finite"),
        ({"x": [[1e300], [-1e300]]}, "too large for float64"),
        ({"x": [[1.7e308], [1.7e308]]}, "too large for float64"),
        ({"x": [[1.0], [2.0]], "momentum": 1.5}, "between 0 and 1"),
        ({"x": [[1.0], [2.0]], "running_var": [-1.0]}, "never negative"),
    ],
)
def test_bad_input_raises_a_sentence(kwargs, phrase):
    with pytest.raises(ValueError, match=None) as info:
        batchnorm_steps(**kwargs)
    message = str(info.value)
    assert phrase.lower() in message.lower(), message
    assert message.endswith("."), "a full sentence the page can show"


def test_torch_refuses_a_batch_of_one_too():
    with pytest.raises(ValueError):
        torch.nn.BatchNorm1d(2).train()(torch.ones(1, 2))


def test_eval_mode_accepts_a_batch_of_one():
    s = batchnorm_eval_steps([[1.0, 2.0]], running_mean=[0.5, 0.5], running_var=[4.0, 1.0])
    np.testing.assert_allclose(s.y, [[0.5 / np.sqrt(4 + 1e-5), 1.5 / np.sqrt(1 + 1e-5)]])


def test_huge_values_whose_variance_fits_are_fine():
    s = batchnorm_steps([[1e150], [-1e150]])
    np.testing.assert_allclose(s.y[:, 0], [1.0, -1.0])


def test_eps_above_one_is_refused_with_the_range():
    with pytest.raises(ValueError, match="at most 1"):
        batchnorm_steps([[1.0], [2.0]], eps=2.0)
    batchnorm_steps([[1.0], [2.0]], eps=1.0)  # the bound itself is fine


def test_every_intermediate_is_checked_not_only_the_output():
    # One outlier among 100 gives x_hat ≈ 9.95, which fits; gamma * x_hat overflows. The message
    # names the step that broke.
    x = [[0.0]] * 99 + [[1.0]]
    with pytest.raises(ValueError, match="scaled overflows"):
        batchnorm_steps(x, gamma=[1e308])
