"""bnviz.arith.backward (chain rule by hand) against torch autograd."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.arith.backward import batchnorm_backward
from tests.arith.test_batchnorm import assert_close, bn_inputs


def autograd(x, grad_y, gamma, beta, eps):
    bn = torch.nn.BatchNorm1d(x.shape[1], eps=eps, dtype=torch.float64).train()
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    bn(xt).backward(torch.from_numpy(grad_y))
    return xt.grad.numpy(), bn.weight.grad.numpy(), bn.bias.grad.numpy()


@settings(max_examples=30, deadline=None)
@given(bn_inputs(), st.integers(0, 2**32 - 1), st.floats(-2, 2))
def test_backward_matches_autograd(inputs, seed, log_grad_scale):
    x, gamma, beta, eps, *_ = inputs
    grad_y = np.random.default_rng(seed).standard_normal(x.shape) * 10.0**log_grad_scale
    g = batchnorm_backward(x, grad_y, gamma, eps)
    dx, dgamma, dbeta = autograd(x, grad_y, gamma, beta, eps)
    assert_close(g.dx, dx)
    assert_close(g.dgamma, dgamma)
    assert_close(g.dbeta, dbeta)


def test_worked_example_with_ones():
    from bnviz.arith.tensor_input import EXAMPLE

    x = np.array(EXAMPLE)
    g = batchnorm_backward(x, np.ones_like(x))
    # A constant upstream gradient moves every output equally: x_hat cannot follow, so dx = 0.
    np.testing.assert_allclose(g.dx, 0.0, atol=1e-12)
    np.testing.assert_allclose(g.dbeta, [3.0, 3.0, 3.0])
    np.testing.assert_allclose(g.dgamma, 0.0, atol=1e-12)  # x_hat sums to 0 per feature


def test_dx_sums_to_zero_per_feature():
    rng = np.random.default_rng(1)
    x, grad_y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    g = batchnorm_backward(x, grad_y, gamma=[2.0, -1.0, 0.5])
    np.testing.assert_allclose(g.dx.sum(0), 0.0, atol=1e-12)


@pytest.mark.parametrize(
    ("x", "grad_y", "phrase"),
    [
        ([[1.0, 2.0]], [[1.0, 1.0]], "batch of 1"),
        ([[1.0], [2.0]], [[1.0, 1.0], [1.0, 1.0]], "has shape (2, 2) but x has (2, 1)"),
        ([[1.0], [2.0]], [[1.0], ["x"]], "upstream gradient is not usable"),
    ],
)
def test_bad_input_raises_a_sentence(x, grad_y, phrase):
    with pytest.raises(ValueError) as info:
        batchnorm_backward(x, grad_y)
    assert phrase in str(info.value)
