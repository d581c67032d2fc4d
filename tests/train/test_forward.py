"""Probing forward passes: training mode is what a training step computes, inference mode is
torch.nn's eval mode, and neither changes the network (torch is the oracle)."""

import copy

import pytest
import torch

from bnviz.train.forward import layer_values, predict
from bnviz.train.model import build_twins

DIMS = [12, 9, 7, 4]


def _net(kind: str, activation: str = "relu", steps: int = 3):
    """A trained-for-a-few-steps network whose running stats are away from (0, 1)."""
    net = build_twins(DIMS, activation, "gaussian", 0.5, 0, bn_momentum=0.3, variants=(kind,))[kind]
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        net.train_step(
            torch.randn(10, DIMS[0], generator=g) * 2, torch.randint(0, 4, (10,), generator=g)
        )
    return net


def _inputs_of(oracle: torch.nn.Sequential, x: torch.Tensor, kinds) -> list[torch.Tensor]:
    """The inputs the oracle's modules of ``kinds`` receive on ``x``, in order."""
    seen = []
    hooks = [
        m.register_forward_hook(lambda m, i, o: seen.append(i[0]))
        for m in oracle
        if isinstance(m, kinds)
    ]
    with torch.no_grad():
        oracle(x)
    for hook in hooks:
        hook.remove()
    return seen


def _state(net) -> list[torch.Tensor]:
    stats = [
        t for layer in net.layers for t in (layer.running_mean, layer.running_var) if t is not None
    ]
    return [t.clone() for t in [*net.parameters(), *stats]]


@pytest.mark.parametrize("kind", ["plain", "bn", "noisy_bn"])
def test_inference_mode_is_torch_eval_mode_and_changes_nothing(kind):
    net = _net(kind)
    before = _state(net)
    x = torch.randn(25, DIMS[0], generator=torch.Generator().manual_seed(9))
    values, logits = layer_values(net, x)
    oracle = net.to_module().eval()
    torch.testing.assert_close(logits, oracle(x).detach())
    torch.testing.assert_close(predict(net, x), logits)
    relu_in = _inputs_of(oracle, x, torch.nn.ReLU)
    bn_in = _inputs_of(oracle, x, torch.nn.BatchNorm1d)
    for k, v in enumerate(values):
        torch.testing.assert_close(v.z, relu_in[k])
        torch.testing.assert_close(v.h, torch.relu(v.z))
        if kind == "plain":
            assert v.wu is None
        else:
            torch.testing.assert_close(v.wu, bn_in[k])
    assert all(torch.equal(a, b) for a, b in zip(before, _state(net), strict=True))


@pytest.mark.parametrize("kind", ["bn", "noisy_bn"])
def test_training_mode_is_what_a_training_step_sees_batch_by_batch(kind):
    net = _net(kind)
    before = _state(net)
    batch = 5
    x = torch.randn(4 * batch, DIMS[0], generator=torch.Generator().manual_seed(3))
    values, _ = layer_values(net, x, train_batch=batch)
    oracle = net.to_module().train()  # with the last step's noise, as the twin holds it
    for b in range(4):
        rows = slice(b * batch, (b + 1) * batch)
        fresh = copy.deepcopy(oracle)  # a train-mode call updates running stats: use a copy
        relu_in = _inputs_of(fresh, x[rows], torch.nn.ReLU)
        for k, v in enumerate(values):
            torch.testing.assert_close(v.z[rows], relu_in[k], rtol=1e-5, atol=1e-5)
    assert all(torch.equal(a, b) for a, b in zip(before, _state(net), strict=True))


def test_training_mode_normalizes_each_batch_to_mean_0_variance_1_before_gamma_beta():
    net = _net("bn", steps=0)  # γ = 1, β = 0: z is x̂
    x = torch.randn(60 * 4, DIMS[0], generator=torch.Generator().manual_seed(4)) * 3 + 1
    values, _ = layer_values(net, x, train_batch=60)
    z = values[0].z.view(4, 60, -1)
    torch.testing.assert_close(z.mean(dim=1), torch.zeros(4, DIMS[1]), atol=1e-5, rtol=0)
    torch.testing.assert_close(
        z.var(dim=1, unbiased=False), torch.ones(4, DIMS[1]), atol=1e-3, rtol=0
    )


def test_a_probe_that_does_not_split_into_batches_is_refused():
    with pytest.raises(ValueError, match="batches of 7"):
        layer_values(_net("bn"), torch.zeros(20, DIMS[0]), train_batch=7)


GN_DIMS = [12, 8, 6, 4]  # widths that split into 2 groups
NORMS = (torch.nn.BatchNorm1d, torch.nn.LayerNorm, torch.nn.GroupNorm)


def _new_net(kind: str, steps: int = 3):
    net = build_twins(
        GN_DIMS, "relu", "gaussian", 0.5, 0, bn_momentum=0.3, variants=(kind,), groups=2
    )[kind]
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        net.train_step(
            torch.randn(10, GN_DIMS[0], generator=g) * 2, torch.randint(0, 4, (10,), generator=g)
        )
    return net


def _outputs_of(oracle: torch.nn.Sequential, x: torch.Tensor, kinds) -> list[torch.Tensor]:
    seen = []
    hooks = [
        m.register_forward_hook(lambda m, i, o: seen.append(o))
        for m in oracle
        if isinstance(m, kinds)
    ]
    with torch.no_grad():
        oracle(x)
    for hook in hooks:
        hook.remove()
    return seen


@pytest.mark.parametrize("kind", ["ln", "gn", "bn_after"])
def test_new_variants_inference_mode_is_torch_eval_mode(kind):
    net = _new_net(kind)
    before = _state(net)
    x = torch.randn(25, GN_DIMS[0], generator=torch.Generator().manual_seed(9))
    values, logits = layer_values(net, x)
    oracle = net.to_module().eval()
    torch.testing.assert_close(logits, oracle(x).detach())
    relu_in = _inputs_of(oracle, x, torch.nn.ReLU)
    norm_in, norm_out = _inputs_of(oracle, x, NORMS), _outputs_of(oracle, x, NORMS)
    for k, v in enumerate(values):
        torch.testing.assert_close(v.z, relu_in[k])  # the nonlinearity's input, recorded as z
        torch.testing.assert_close(v.h, torch.relu(v.z))
        if kind == "bn_after":  # z = Wu + b; BN acts on h and the next layer sees its output
            assert v.wu is None
            torch.testing.assert_close(norm_in[k], v.h)
            torch.testing.assert_close(v.out, norm_out[k])
        else:  # the norm's input is Wu; the next layer sees h
            torch.testing.assert_close(v.wu, norm_in[k])
            assert v.out is v.h
    assert all(torch.equal(a, b) for a, b in zip(before, _state(net), strict=True))


def test_bn_after_training_mode_is_what_a_training_step_sees_batch_by_batch():
    net = _new_net("bn_after")
    before = _state(net)
    batch = 5
    x = torch.randn(4 * batch, GN_DIMS[0], generator=torch.Generator().manual_seed(3))
    values, _ = layer_values(net, x, train_batch=batch)
    oracle = net.to_module().train()
    for b in range(4):
        rows = slice(b * batch, (b + 1) * batch)
        fresh = copy.deepcopy(oracle)
        relu_in = _inputs_of(fresh, x[rows], torch.nn.ReLU)
        bn_out = _outputs_of(copy.deepcopy(oracle), x[rows], torch.nn.BatchNorm1d)
        for k, v in enumerate(values):
            torch.testing.assert_close(v.z[rows], relu_in[k], rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(v.out[rows], bn_out[k], rtol=1e-5, atol=1e-5)
    # the second layer's input comes through BN with batch statistics: training mode differs
    assert not torch.allclose(layer_values(net, x)[0][1].z, values[1].z)
    assert all(torch.equal(a, b) for a, b in zip(before, _state(net), strict=True))


@pytest.mark.parametrize("kind", ["ln", "gn"])
def test_layer_and_group_norm_see_the_same_in_training_and_inference_mode(kind):
    """No running statistics: each example is normalized on its own, whatever the batch."""
    net = _new_net(kind)
    x = torch.randn(20, GN_DIMS[0], generator=torch.Generator().manual_seed(5))
    trained, _ = layer_values(net, x, train_batch=5)
    inferred, _ = layer_values(net, x)
    for a, b in zip(trained, inferred, strict=True):
        assert torch.equal(a.z, b.z) and torch.equal(a.wu, b.wu)
