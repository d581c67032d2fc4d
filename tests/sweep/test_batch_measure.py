"""The batch sweep's measurements against torch: training-mode accuracy is torch.nn in train mode on
each batch, inference accuracy torch.nn in eval mode, and the noise of BN's batch statistics is
computed from the batch mean and variance that torch.nn.BatchNorm1d itself computes."""

import copy

import numpy as np
import pytest
import torch

from bnviz.sweep.batch_measure import (
    mean_noise_theory,
    measure,
    noise,
    shuffled_batches,
    var_noise_theory,
)
from bnviz.train.model import build_twins

DIMS = [12, 9, 7, 4]
N = 46  # not a multiple of the batch sizes below: the leftover digits are left out


def _net(kind: str, steps: int = 40):
    """A sigmoid net trained for a few steps: running averages away from (0, 1)."""
    net = build_twins(DIMS, "sigmoid", "gaussian", 0.8, 0, bn_momentum=0.3, variants=(kind,))[kind]
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(10, DIMS[0], generator=g) * 2 + 1
        y = torch.randint(0, 4, (10,), generator=g)
        net.train_step(x, y)
        for p in net.parameters():
            p.sub_(0.5 * p.grad)
    return net


def _data(seed: int = 9):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(N, DIMS[0], generator=g) * 2 + 1, torch.randint(0, 4, (N,), generator=g)


def _bn_batch_stats(module: torch.nn.Sequential, batch: torch.Tensor):
    """Each BatchNorm1d's batch mean and biased variance on ``batch``, as torch computes them: with
    momentum 1 its running averages become the batch mean and the unbiased batch variance."""
    module = copy.deepcopy(module).train()
    bns = [m for m in module if isinstance(m, torch.nn.BatchNorm1d)]
    for bn in bns:
        bn.momentum = 1.0
    with torch.no_grad():
        logits = module(batch)
    m = batch.shape[0]
    return logits, [(bn.running_mean.clone(), bn.running_var * (m - 1) / m) for bn in bns]


@pytest.mark.parametrize("kind", ["bn", "bn_after"])
@pytest.mark.parametrize("m", [2, 5])
def test_accuracies_and_noise_match_torch(kind, m):
    net = _net(kind)
    x, y = _data()
    got = measure(net, x, y, m, seed=3)
    idx = shuffled_batches(N, m, 3)
    assert got.n_used == idx.numel() == N // m * m
    oracle = net.to_module()
    running = [
        (mod.running_mean.clone(), mod.running_var.clone())
        for mod in oracle
        if isinstance(mod, torch.nn.BatchNorm1d)
    ]
    correct, stats = 0, []
    for batch in idx.view(-1, m):
        logits, per_layer = _bn_batch_stats(oracle, x[batch])
        correct += int((logits.argmax(1) == y[batch]).sum())
        stats.append(per_layer)
    assert got.train_accuracy == pytest.approx(correct / idx.numel())
    with torch.no_grad():
        eval_logits = oracle.eval()(x[idx])
    assert got.infer_accuracy == pytest.approx(
        float((eval_logits.argmax(1) == y[idx]).double().mean())
    )
    for k, (rm, rv) in enumerate(running):
        mu = torch.stack([s[k][0] for s in stats]).double()  # (batches, d)
        var = torch.stack([s[k][1] for s in stats]).double()
        scale = rv.double() + 1e-5
        want_mean = ((mu - rm) / scale.sqrt()).std(dim=0).mean()
        want_var = (var / scale).std(dim=0).mean()
        assert got.mean_noise[k] == pytest.approx(float(want_mean), rel=1e-5, abs=1e-5)
        assert got.var_noise[k] == pytest.approx(float(want_var), rel=1e-5, abs=1e-5)
    assert got.train_accuracy != got.infer_accuracy or kind == "bn_after"  # could differ: it does


@pytest.mark.parametrize("kind", ["ln", "gn", "plain"])
def test_without_running_averages_both_modes_are_one_and_there_is_no_noise(kind):
    net = build_twins(DIMS, "sigmoid", "gaussian", 0.8, 0, variants=(kind,), groups=1)[kind]
    x, y = _data()
    got = measure(net, x, y, 4)
    assert got.train_accuracy == got.infer_accuracy
    with torch.no_grad():
        idx = shuffled_batches(N, 4, 0)
        want = float((net.to_module().eval()(x[idx]).argmax(1) == y[idx]).double().mean())
    assert got.infer_accuracy == pytest.approx(want)
    assert np.isnan(got.mean_noise).all() and np.isnan(got.var_noise).all()


@pytest.mark.parametrize("m", [2, 4, 16, 60])
def test_independent_gaussian_draws_follow_the_theory(m):
    g = torch.Generator().manual_seed(m)
    x = torch.randn(4_000 * m, 5, generator=g, dtype=torch.float64) * 3 + 2
    mean_noise, var_noise = noise(x, m, torch.full((5,), 2.0), torch.full((5,), 9.0), 0.0)
    # 4,000 batches: the std of a std estimate is ~1/sqrt(2 * 4000) = 1.1%; 5 units average it
    assert mean_noise == pytest.approx(float(mean_noise_theory(m)), rel=0.03)
    assert var_noise == pytest.approx(float(var_noise_theory(m)), rel=0.05)


def test_theory_values():
    assert float(mean_noise_theory(4)) == 0.5
    # m = 2: sigma_B^2 = (x1 - x2)^2 / 4, and (x1 - x2)^2 / 2 is chi-square(1) with variance 2
    assert float(var_noise_theory(2)) == pytest.approx(np.sqrt(2) / 2)
    assert float(var_noise_theory(60)) == pytest.approx(np.sqrt(2 * 59) / 60)


def test_bad_batches_are_refused():
    with pytest.raises(ValueError, match="one batch of 50"):
        shuffled_batches(46, 50, 0)
    with pytest.raises(ValueError, match="two or more batches"):
        noise(torch.zeros(6, 2), 6, torch.zeros(2), torch.ones(2), 1e-5)


def test_at_batch_two_a_deeper_layer_sees_the_same_batch_mean_every_time():
    # With m = 2, BN maps each unit's pair to about (-1, +1) x gamma + beta whatever the digits, so
    # the next layer's batch mean hardly moves: its examples are not independent draws any more.
    got = measure(_net("bn"), *_data(), 2)
    assert got.mean_noise[0] > 0.3 and got.mean_noise[1] < 1e-3
