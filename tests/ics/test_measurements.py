"""Gradient change and smoothness against a small net written out here with autograd (torch is the
oracle), and proof that measuring never touches the run."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bnviz.ics.gradient_change import gradient_change
from bnviz.ics.net import measured_net, upcoming_noise
from bnviz.ics.smoothness import eta_grid, smoothness
from bnviz.train.model import Twin, build_twins
from bnviz.train.optim import SGD

DIMS = [6, 8, 7, 5, 3]  # input, three hidden layers, classes: layers 2 and 3 have layers below
EPS = 1e-5
LR = 0.5
VARIANTS = ("plain", "bn", "noisy_bn")


def batch(seed: int, n: int = 16):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, DIMS[0], generator=g) * 2.0, torch.randint(0, DIMS[-1], (n,), generator=g)


def trained_twin(kind: str, steps: int = 5) -> Twin:
    """A twin a few SGD steps into training, so biases, γ and β are no longer 0 and 1."""
    twin = build_twins(DIMS, "sigmoid", "gaussian", 0.5, 3, bn_eps=EPS, variants=VARIANTS)[kind]
    opt = SGD(twin.parameters(), LR)
    for s in range(steps):
        twin.train_step(*batch(100 + s))
        opt.step()
    return twin


# -- the oracle: the same net, written out with tensors, differentiated by autograd ----------------


def oracle_params(twin: Twin) -> list[dict[str, torch.Tensor]]:
    """Per hidden layer, then the output layer, the twin's parameters as fresh float64 leaves."""
    layers = []
    for layer in twin.layers:
        p = {"W": layer.W}
        p.update(
            {"b": layer.b} if layer.b is not None else {"gamma": layer.gamma, "beta": layer.beta}
        )
        layers.append(p)
    layers.append({"W": twin.W_out, "b": twin.b_out})
    return [{k: v.detach().double().clone().requires_grad_() for k, v in p.items()} for p in layers]


def oracle_loss(params, x, y, noise=None):
    """Mean cross-entropy of the written-out net: BN with the batch's biased variance, then (noisy
    BN) z <- s z + m, then the sigmoid."""
    h = x.double()
    for k, p in enumerate(params[:-1]):
        u = h @ p["W"].T
        if "b" in p:
            z = u + p["b"]
        else:
            mu, var = u.mean(0), u.var(0, unbiased=False)
            z = (u - mu) / torch.sqrt(var + EPS) * p["gamma"] + p["beta"]
            if noise is not None:
                scale, shift = noise[k]
                z = z * scale.double() + shift.double()
        h = torch.sigmoid(z)
    logits = h @ params[-1]["W"].T + params[-1]["b"]
    return F.cross_entropy(logits, y)


def oracle_grads(params, x, y, noise):
    leaves = [t for p in params for t in p.values()]
    loss = oracle_loss(params, x, y, noise)
    grads = torch.autograd.grad(loss, leaves)
    out, i = [], 0
    for p in params:
        out.append({k: grads[i + j] for j, k in enumerate(p)})
        i += len(p)
    return float(loss.detach()), out


def step_noise(twin: Twin):
    """The noise the twin's next step really draws: take that step on a copy and read it back."""
    if twin.noise is None:
        return None
    probe = copy.deepcopy(twin)
    probe.train_step(*batch(0))
    return [(layer.noise_scale.clone(), layer.noise_shift.clone()) for layer in probe.layers]


def leaves(params):
    return [{k: v.detach().clone().requires_grad_() for k, v in p.items()} for p in params]


# -- gradient change --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", VARIANTS)
def test_gradient_change_matches_the_written_out_net(kind):
    twin = trained_twin(kind)
    x, y = batch(7)
    noise = step_noise(twin)
    params = oracle_params(twin)
    _, grads = oracle_grads(params, x, y, noise)
    measured = gradient_change(twin, x, y, LR)
    assert measured.layers == (1, 2)
    for i, k in enumerate(measured.layers):
        moved = leaves(params)
        with torch.no_grad():
            for j in range(k):  # the layers below k take their SGD step; k and above stay
                for name in moved[j]:
                    moved[j][name] -= LR * grads[j][name]
        _, grads_moved = oracle_grads(moved, x, y, noise)
        G, G_moved = grads[k]["W"], grads_moved[k]["W"]
        diff = (G - G_moved).norm().item()
        cos = (G * G_moved).sum().item() / (G.norm() * G_moved.norm()).item()
        assert diff > 1e-3 * G.norm().item()  # a real change, not a trivially equal pair
        assert measured.diff[i] == pytest.approx(diff, rel=1e-4)
        assert measured.norm[i] == pytest.approx(G.norm().item(), rel=1e-4)
        assert measured.cos[i] == pytest.approx(cos, abs=1e-5)
        assert measured.relative[i] == pytest.approx(diff / G.norm().item(), rel=1e-4)


@pytest.mark.parametrize("kind", VARIANTS)
def test_G_is_the_gradient_the_next_training_step_uses(kind):
    twin = trained_twin(kind)
    x, y = batch(8)
    net = measured_net(twin)
    _, grads = net.loss_and_grad(net.theta, x, y)
    stepped = copy.deepcopy(twin)
    stepped.train_step(x, y)  # the engine's own step (noisy BN: draws this step's noise)
    for k, layer in enumerate(stepped.layers):
        torch.testing.assert_close(grads[net.weights[k]], layer.W.grad, rtol=1e-4, atol=1e-6)


# -- smoothness -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", VARIANTS)
def test_smoothness_matches_the_written_out_net(kind):
    twin = trained_twin(kind)
    x, y = batch(9)
    noise = step_noise(twin)
    params = oracle_params(twin)
    loss_at, g = oracle_grads(params, x, y, noise)
    etas = eta_grid(LR)
    measured = smoothness(twin, x, y, etas)
    g_norm = math.sqrt(sum(t.square().sum().item() for p in g for t in p.values()))
    losses, diffs = [], []
    for eta in etas:
        moved = leaves(params)
        with torch.no_grad():
            for p, gp in zip(moved, g, strict=True):
                for name in p:
                    p[name] -= eta * gp[name]
        loss, g_eta = oracle_grads(moved, x, y, noise)
        losses.append(loss)
        diffs.append(
            math.sqrt(
                sum(
                    (gp[n] - ge[n]).square().sum().item()
                    for gp, ge in zip(g, g_eta, strict=True)
                    for n in gp
                )
            )
        )
    losses, diffs = np.array(losses), np.array(diffs)
    np.testing.assert_allclose(measured.etas, etas)
    assert measured.loss_at == pytest.approx(loss_at, rel=1e-5)
    assert measured.grad_norm == pytest.approx(g_norm, rel=1e-4)
    np.testing.assert_allclose(measured.loss, losses, rtol=1e-4)
    np.testing.assert_allclose(measured.grad_diff, diffs, rtol=1e-3, atol=1e-6)
    assert measured.loss_variation == pytest.approx(losses.max() - losses.min(), rel=1e-3)
    assert measured.grad_diff_max == pytest.approx(diffs.max(), rel=1e-3)
    assert measured.grad_diff_range == pytest.approx(diffs.max() - diffs.min(), rel=1e-3, abs=1e-6)
    assert measured.beta == pytest.approx((diffs / (etas * g_norm)).max(), rel=1e-3)


def test_the_step_size_grid_is_geometric_around_the_learning_rate():
    etas = eta_grid(0.5)
    assert len(etas) == 9 and etas[0] == pytest.approx(0.125) and etas[-1] == pytest.approx(2.0)
    assert etas[4] == pytest.approx(0.5)
    np.testing.assert_allclose(etas[1:] / etas[:-1], math.sqrt(2))


# -- measuring never touches the run ------------------------------------------------------------------


def state_of(twin: Twin) -> dict:
    state = {name: p.clone() for name, p in twin.named_parameters()}
    state.update({f"{name}.grad": p.grad.clone() for name, p in twin.named_parameters()})
    for k, layer in enumerate(twin.layers):
        if layer.running_mean is not None:
            state[f"mean{k}"] = layer.running_mean.clone()
            state[f"var{k}"] = layer.running_var.clone()
    if twin.noise is not None:
        state["noise"] = twin.noise.get_state().clone()
    return state


@pytest.mark.parametrize("kind", VARIANTS)
def test_measuring_leaves_parameters_running_stats_and_noise_untouched(kind):
    twin = trained_twin(kind)
    before = state_of(twin)
    x, y = batch(10)
    net = measured_net(twin)
    gradient_change(twin, x, y, LR, net)
    smoothness(twin, x, y, eta_grid(LR), net)
    gradient_change(twin, x, y, LR)
    after = state_of(twin)
    assert before.keys() == after.keys()
    for key in before:
        assert torch.equal(before[key], after[key]), key
    if kind == "noisy_bn":  # and the noise it measured with is the one the run draws next
        drawn = upcoming_noise(twin)
        for (scale, shift), (s2, m2) in zip(drawn, step_noise(twin), strict=True):
            assert torch.equal(scale, s2) and torch.equal(shift, m2)


def test_a_net_without_noise_has_no_upcoming_noise():
    assert upcoming_noise(trained_twin("bn", steps=0)) is None
