"""The written-out twins against torch.nn + autograd (torch is the oracle)."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.train.activations import ACTIVATIONS
from bnviz.train.inits import INITS, initial_weights
from bnviz.train.model import Twin, build_twins
from bnviz.train.noise import NOISE_SCALE, NOISE_SHIFT, Noise, draw_noise
from bnviz.train.seeds import NOISE_STREAM, child_seed
from bnviz.train.variants import TWINS, VARIANTS

DIMS = [12, 9, 7, 4]  # input, two hidden layers, classes: small enough for exact comparisons


def _batch(seed: int, n: int = 10, d: int = DIMS[0], classes: int = DIMS[-1]):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g) * 2.0, torch.randint(0, classes, (n,), generator=g)


def _twins(
    activation: str = "sigmoid",
    seed: int = 0,
    std: float = 0.5,
    variants=TWINS,
    dims=DIMS,
    groups: int = 1,
):
    return build_twins(
        dims,
        activation,
        "gaussian",
        std,
        seed,
        bn_momentum=0.2,
        bn_eps=1e-3,
        variants=variants,
        groups=groups,
    )


def _with_noise(oracle: torch.nn.Sequential, noise: list[tuple[torch.Tensor, torch.Tensor]]):
    """Put one step's noise, layer by layer, into the oracle's Noise modules."""
    modules = [m for m in oracle if isinstance(m, Noise)]
    assert len(modules) == len(noise)
    for module, (scale, shift) in zip(modules, noise, strict=True):
        module.scale.copy_(scale)
        module.shift.copy_(shift)
    return oracle


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("kind", ["plain", "bn"])
def test_train_step_matches_autograd(activation, kind):
    twin = _twins(activation)[kind]
    oracle = twin.to_module().train()
    x, y = _batch(1)

    loss = twin.train_step(x, y)
    expected = F.cross_entropy(oracle(x), y)
    expected.backward()

    torch.testing.assert_close(loss, expected.detach())
    grads = dict(oracle.named_parameters())
    for name, p in twin.named_parameters():
        torch.testing.assert_close(p.grad, grads[name].grad, msg=f"gradient of {name}")
    if kind == "bn":  # running stats updated like BatchNorm1d: unbiased variance, momentum 0.2
        bns = [m for m in oracle if isinstance(m, torch.nn.BatchNorm1d)]
        for layer, bn in zip(twin.layers, bns, strict=True):
            torch.testing.assert_close(layer.running_mean, bn.running_mean)
            torch.testing.assert_close(layer.running_var, bn.running_var)


@pytest.mark.parametrize("kind", ["plain", "bn"])
def test_several_sgd_steps_track_torch_training(kind):
    """Same optimizer on both sides for a few steps, changing batch sizes (buffers reallocated)."""
    twin = _twins("tanh")[kind]
    oracle = twin.to_module().train()
    opt_twin = torch.optim.SGD(twin.parameters(), lr=0.3, momentum=0.9)
    opt_oracle = torch.optim.SGD(oracle.parameters(), lr=0.3, momentum=0.9)
    for step in range(6):
        x, y = _batch(step, n=8 + step % 2)
        twin.train_step(x, y)
        opt_twin.step()
        opt_oracle.zero_grad()
        F.cross_entropy(oracle(x), y).backward()
        opt_oracle.step()
    params = dict(oracle.named_parameters())
    for name, p in twin.named_parameters():
        torch.testing.assert_close(p, params[name].detach(), msg=name)


def test_twins_start_from_identical_weight_matrices_in_separate_storage():
    twins = build_twins([784, 100, 100, 100, 10], "sigmoid", "gaussian", 0.01, seed=3)
    plain, bn = twins["plain"], twins["bn"]
    for lp, lb in zip(plain.layers, bn.layers, strict=True):
        assert torch.equal(lp.W, lb.W)
        assert lp.W.data_ptr() != lb.W.data_ptr()
        assert torch.equal(lp.b, torch.zeros_like(lp.b)) and lb.b is None
        assert torch.equal(lb.gamma, torch.ones_like(lb.gamma))
        assert torch.equal(lb.beta, torch.zeros_like(lb.beta))
    assert torch.equal(plain.W_out, bn.W_out)
    # and the layer recipes differ exactly as bnviz.train.variants describes them
    assert [type(m).__name__ for m in plain.to_module()] == [
        "Linear",
        "Sigmoid",
        "Linear",
        "Sigmoid",
        "Linear",
        "Sigmoid",
        "Linear",
    ]
    assert [type(m).__name__ for m in bn.to_module()][:3] == ["Linear", "BatchNorm1d", "Sigmoid"]
    assert bn.to_module()[0].bias is None


def test_seed_decides_the_weights():
    a = initial_weights(DIMS, "gaussian", 0.1, seed=1)
    b = initial_weights(DIMS, "gaussian", 0.1, seed=1)
    c = initial_weights(DIMS, "gaussian", 0.1, seed=2)
    assert all(torch.equal(p, q) for p, q in zip(a, b, strict=True))
    assert not torch.equal(a[0], c[0])


@pytest.mark.parametrize(
    ("init", "expected_std"),
    [("gaussian", 0.05), ("xavier", math.sqrt(2 / (400 + 300))), ("he", math.sqrt(2 / 400))],
)
def test_init_std(init, expected_std):
    (W, _) = initial_weights([400, 300, 2], init, 0.05, seed=0)
    assert W.shape == (300, 400)
    assert abs(float(W.std()) / expected_std - 1) < 0.02
    assert abs(float(W.mean())) < 0.01 * expected_std * 10
    assert set(INITS) == {"gaussian", "xavier", "he"}


def test_saturation_rules_on_hand_made_values():
    z = torch.tensor([-5.0, -3.0, 0.0, 3.0, 3.95, 5.0])
    sig = ACTIVATIONS["sigmoid"]
    assert sig.saturated(z, torch.sigmoid(z)).tolist() == [True, False, False, False, True, True]
    tanh = ACTIVATIONS["tanh"]
    z = torch.tensor([-2.0, -1.9, 0.0, 1.9, 2.0])
    assert tanh.saturated(z, torch.tanh(z)).tolist() == [True, False, False, False, True]
    relu = ACTIVATIONS["relu"]
    z = torch.tensor([-1.0, 0.0, 1e-6, 2.0])
    assert relu.saturated(z, torch.relu(z)).tolist() == [True, True, False, False]


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    batch=st.integers(2, 16),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    bn=st.booleans(),
)
def test_gradients_match_autograd_property(seed, batch, activation, bn):
    weights = initial_weights(DIMS, "xavier", 0.0, seed)
    twin = Twin("t", weights, activation, batch_norm=bn)
    oracle = twin.to_module().train()
    x, y = _batch(seed, n=batch)
    loss = twin.train_step(x, y)
    expected = F.cross_entropy(oracle(x), y)
    expected.backward()
    torch.testing.assert_close(loss, expected.detach(), rtol=1e-4, atol=1e-5)
    grads = dict(oracle.named_parameters())
    for name, p in twin.named_parameters():
        torch.testing.assert_close(p.grad, grads[name].grad, rtol=1e-3, atol=1e-5)


def test_noisy_bn_draws_its_noise_per_unit_and_per_step_from_the_seed():
    twin = _twins(seed=5, variants=("noisy_bn",))["noisy_bn"]
    replay = torch.Generator().manual_seed(child_seed(5, NOISE_STREAM))
    widths = DIMS[1:-1]
    drawn = []
    for step in range(3):
        expected = [draw_noise(replay, w) for w in widths]  # layer by layer: scale, then shift
        twin.train_step(*_batch(step))
        for layer, (scale, shift) in zip(twin.layers, expected, strict=True):
            assert torch.equal(layer.noise_scale, scale) and torch.equal(layer.noise_shift, shift)
        drawn.append(expected)
    scales = torch.stack([s for step in drawn for s, _ in step[:1]])  # layer 1, (steps, width)
    shifts = torch.stack([m for step in drawn for _, m in step[:1]])
    lo, hi = NOISE_SCALE
    assert ((scales >= lo) & (scales <= hi)).all() and (shifts.abs() <= NOISE_SHIFT).all()
    assert len(set(scales[0].tolist())) == widths[0]  # a different scale for every unit
    assert not torch.equal(scales[0], scales[1]) and not torch.equal(shifts[1], shifts[2])


def test_noisy_bn_train_step_matches_autograd_with_that_steps_noise():
    twin = _twins("tanh", seed=2, variants=("noisy_bn",))["noisy_bn"]
    replay = torch.Generator().manual_seed(child_seed(2, NOISE_STREAM))
    x, y = _batch(4)
    oracle = _with_noise(twin.to_module().train(), [draw_noise(replay, w) for w in DIMS[1:-1]])
    loss = twin.train_step(x, y)
    expected = F.cross_entropy(oracle(x), y)
    expected.backward()
    torch.testing.assert_close(loss, expected.detach())
    grads = dict(oracle.named_parameters())
    for name, p in twin.named_parameters():
        torch.testing.assert_close(p.grad, grads[name].grad, msg=f"gradient of {name}")
    # at inference the noise is gone: the eval-mode network is plain BN with the same weights
    noisy_eval = twin.to_module().eval()
    without = torch.nn.Sequential(*[m for m in noisy_eval if not isinstance(m, Noise)])
    torch.testing.assert_close(noisy_eval(x), without(x))


def test_variants_share_weights_and_unknown_ones_are_refused():
    nets = _twins(variants=tuple(VARIANTS), dims=GN_DIMS, groups=2)
    assert list(nets) == list(VARIANTS)
    for net in nets.values():
        assert torch.equal(net.layers[0].W, nets["plain"].layers[0].W)
    assert nets["noisy_bn"].noise is not None and nets["bn"].noise is None
    with pytest.raises(ValueError, match="Choose variants"):
        _twins(variants=("plain", "groupnorm"))
    with pytest.raises(ValueError, match="batch_norm"):
        Twin("x", initial_weights(DIMS, "gaussian", 0.1, 0), "sigmoid", False, noise_seed=1)


# -- every variant, the new normalizations included ------------------------------------------------

GN_DIMS = [12, 8, 6, 4]  # hidden widths that split into 2 groups (of 4 and of 3 units)
EXACT = {"rtol": 1e-6, "atol": 1e-6}  # float32, these small nets: a few ulps of rounding at most
NEW = ["ln", "gn", "bn_after"]


def _check_step_against_autograd(twin, x, y):
    """One training step of ``twin`` and of its torch.nn copy: losses, every gradient and the
    running statistics agree to 1e-6."""
    oracle = twin.to_module().train()
    loss = twin.train_step(x, y)
    expected = F.cross_entropy(oracle(x), y)
    expected.backward()
    torch.testing.assert_close(loss, expected.detach(), **EXACT)
    grads = dict(oracle.named_parameters())
    assert [name for name, _ in twin.named_parameters()] == list(grads)  # same names, same order
    for name, p in twin.named_parameters():
        torch.testing.assert_close(p.grad, grads[name].grad, **EXACT, msg=f"gradient of {name}")
    bns = [m for m in oracle if isinstance(m, torch.nn.BatchNorm1d)]
    stats = [layer for layer in twin.layers if layer.running_mean is not None]
    assert len(bns) == len(stats)
    for layer, bn in zip(stats, bns, strict=True):
        torch.testing.assert_close(layer.running_mean, bn.running_mean, **EXACT)
        torch.testing.assert_close(layer.running_var, bn.running_var, **EXACT)


@pytest.mark.parametrize("batch", [2, 3, 10])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("kind", [name for name in VARIANTS if name != "noisy_bn"])
def test_every_variant_matches_autograd(kind, activation, batch):
    twin = _twins(activation, seed=3, variants=(kind,), dims=GN_DIMS, groups=2)[kind]
    _check_step_against_autograd(twin, *_batch(batch, n=batch, d=GN_DIMS[0]))


# Not 6: one unit per group outputs β whatever its input, and both sides' W gradients (exactly 0 in
# exact arithmetic) are rounding noise of ~1e-5.
@pytest.mark.parametrize("groups", [1, 2, 3])
def test_group_norm_with_any_group_count_that_divides_the_widths(groups):
    dims = [12, 6, 12, 4]
    twin = _twins("tanh", variants=("gn",), dims=dims, groups=groups)["gn"]
    assert [m.num_groups for m in twin.to_module() if isinstance(m, torch.nn.GroupNorm)] == [
        groups,
        groups,
    ]
    _check_step_against_autograd(twin, *_batch(5, n=7))
    with pytest.raises(ValueError, match="4 groups do not divide 6 units"):
        _twins(variants=("gn",), dims=dims, groups=4)


@pytest.mark.parametrize("kind", NEW)
def test_new_variants_track_torch_training_over_several_steps(kind):
    """Same optimizer on both sides, changing batch sizes: parameters and running stats agree."""
    twin = _twins("sigmoid", seed=1, variants=(kind,), dims=GN_DIMS, groups=2)[kind]
    oracle = twin.to_module().train()
    opt_twin = torch.optim.SGD(twin.parameters(), lr=0.3, momentum=0.9)
    opt_oracle = torch.optim.SGD(oracle.parameters(), lr=0.3, momentum=0.9)
    for step in range(6):
        x, y = _batch(step, n=2 + 3 * (step % 3), d=GN_DIMS[0])
        twin.train_step(x, y)
        opt_twin.step()
        opt_oracle.zero_grad()
        F.cross_entropy(oracle(x), y).backward()
        opt_oracle.step()
    params = dict(oracle.named_parameters())
    for name, p in twin.named_parameters():
        torch.testing.assert_close(p, params[name].detach(), rtol=1e-5, atol=1e-6, msg=name)
    if kind == "bn_after":
        bn = oracle[2]  # Linear, Sigmoid, then the first layer's BN
        torch.testing.assert_close(twin.layers[0].running_var, bn.running_var, **EXACT)


def test_new_variants_are_built_as_the_registry_describes():
    nets = _twins(variants=("ln", "gn", "bn_after"), dims=GN_DIMS, groups=2)
    kinds = {name: [type(m).__name__ for m in net.to_module()][:4] for name, net in nets.items()}
    assert kinds == {
        "ln": ["Linear", "LayerNorm", "Sigmoid", "Linear"],
        "gn": ["Linear", "GroupNorm", "Sigmoid", "Linear"],
        "bn_after": ["Linear", "Sigmoid", "BatchNorm1d", "Linear"],
    }
    for name, net in nets.items():
        first = net.layers[0]
        assert (first.b is not None) == (name == "bn_after")  # the bias only where nothing follows
        assert torch.equal(first.gamma, torch.ones(8)) and torch.equal(first.beta, torch.zeros(8))
        assert (first.running_mean is not None) == (name == "bn_after")  # LN, GN: no running stats
        assert torch.equal(first.W, nets["ln"].layers[0].W)


def test_every_registered_variant_has_a_distinct_okabe_ito_colour_and_a_formula():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    colours = [v.color for v in VARIANTS.values()]
    assert set(colours) <= okabe_ito and len(set(colours)) == len(colours)
    assert len({v.label for v in VARIANTS.values()}) == len(VARIANTS)
    assert all(v.formula.startswith("h = ") for v in VARIANTS.values())
