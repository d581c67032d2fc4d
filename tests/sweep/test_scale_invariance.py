"""BN's scale invariance, written out in numpy, against torch.nn.BatchNorm1d and autograd."""

import numpy as np
import pytest
import torch
from torch import nn

from bnviz.sweep.scale_invariance import EPS, digits, initial_weights, scale_invariance


def torch_net(weights, batch_norm: bool) -> nn.Sequential:
    """The same net as torch modules: Linear (no bias), [BatchNorm1d], Sigmoid, ..., Linear."""
    modules = []
    for W in weights[:-1]:
        linear = nn.Linear(W.shape[1], W.shape[0], bias=False).double()
        linear.weight.data = torch.tensor(W)
        modules.append(linear)
        if batch_norm:
            modules.append(nn.BatchNorm1d(W.shape[0], eps=EPS).double())
        modules.append(nn.Sigmoid())
    out = nn.Linear(weights[-1].shape[1], weights[-1].shape[0], bias=False).double()
    out.weight.data = torch.tensor(weights[-1])
    return nn.Sequential(*modules, out).train()


@pytest.mark.parametrize("c, layer", [(0.1, 1), (2.0, 2), (10.0, 3)])
def test_every_number_matches_autograd(c, layer):
    r = scale_invariance(c, layer)
    x, y = digits()
    base = initial_weights()
    for net, bn in (("bn", True), ("plain", False)):
        for k, scale in enumerate((1.0, c)):
            weights = list(base)
            weights[layer - 1] = scale * base[layer - 1]
            module = torch_net(weights, bn)
            logits = module(torch.tensor(x))
            nn.functional.cross_entropy(logits, torch.tensor(y)).backward()
            linears = [m for m in module if isinstance(m, nn.Linear)]
            np.testing.assert_allclose(r.logits[net][k], logits.detach().numpy(), atol=1e-12)
            grad = linears[layer - 1].weight.grad.numpy()
            np.testing.assert_allclose(r.grad[net][k], grad, atol=1e-14, rtol=1e-9)


def test_bn_output_is_invariant_and_its_gradient_scales_by_one_over_c():
    for c in (0.5, 2.0, 10.0):
        r = scale_invariance(c, 1)
        assert r.max_change("bn") < 1e-4 < 1e-2 < r.max_change("plain")
        assert r.grad_ratio("bn") == pytest.approx(1 / c, rel=1e-3)
        assert r.grad_deviation("bn") < 1e-3
        assert abs(r.grad_ratio("plain") - 1 / c) > 0.1  # the plain net's does not
        assert r.max_layer_change("plain") > 0.1 > 1e-3 > r.max_layer_change("bn")


def test_eps_is_what_keeps_it_from_exact(monkeypatch):
    import bnviz.sweep.scale_invariance as si

    x, y = digits()
    w = initial_weights()
    scaled = [3.0 * w[0], *w[1:]]
    with_eps = np.max(
        np.abs(
            si.forward_backward(scaled, x, y, True, 1)[0] - si.forward_backward(w, x, y, True, 1)[0]
        )
    )
    monkeypatch.setattr(si, "EPS", 0.0)
    before, after = (
        si.forward_backward(w, x, y, True, 1),
        si.forward_backward(scaled, x, y, True, 1),
    )
    assert np.max(np.abs(after[0] - before[0])) < 1e-12 < with_eps
    np.testing.assert_allclose(3.0 * after[1], before[1], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(
    "c, layer, message", [(0, 1, "factor c"), (1000, 1, "factor c"), (2, 4, "hidden layer")]
)
def test_bad_input_is_refused(c, layer, message):
    with pytest.raises(ValueError, match=message):
        scale_invariance(c, layer)
