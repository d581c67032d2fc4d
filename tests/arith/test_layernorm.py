"""bnviz.arith.layernorm against torch.nn.LayerNorm."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from bnviz.arith.batchnorm import batchnorm_steps
from bnviz.arith.layernorm import layernorm_steps
from tests.arith.test_batchnorm import TOL, bn_inputs, max_err


@settings(max_examples=30, deadline=None)
@given(bn_inputs(min_batch=1))
def test_layernorm_matches_torch(inputs):
    x, gamma, beta, eps, *_ = inputs
    s = layernorm_steps(x, gamma, beta, eps)
    ln = torch.nn.LayerNorm(x.shape[1], eps=eps, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(gamma))
        ln.bias.copy_(torch.from_numpy(beta))
        assert max_err(s.y, ln(torch.from_numpy(x)).numpy()) <= TOL
    assert s.mean.shape == (x.shape[0],) and s.var.shape == (x.shape[0],)  # one per row


def test_layernorm_is_batchnorm_of_the_transpose():
    # Same arithmetic, other axis: LN of x equals BN (no affine) of x transposed.
    x = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    ln = layernorm_steps(x)
    bn = batchnorm_steps(x.T)
    np.testing.assert_allclose(ln.x_hat, bn.x_hat.T, atol=1e-12)
    assert ln.axis == 1 and bn.axis == 0


def test_single_feature_gives_beta():
    s = layernorm_steps([[3.0], [5.0]], beta=[0.25])
    np.testing.assert_allclose(s.y, [[0.25], [0.25]])


@pytest.mark.parametrize(
    "bad", [{"x": []}, {"x": [[1.0, 2.0]], "eps": 0}, {"x": [[1.0]], "gamma": [1, 2]}]
)
def test_bad_input_raises(bad):
    with pytest.raises(ValueError):
        layernorm_steps(**bad)
