"""Experiment: lockstep twins against a plain torch training loop, recording, LR, divergence, reset."""

import dataclasses
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bnviz.config import RunConfig
from bnviz.data import load_dataset
from bnviz.train import history
from bnviz.train.batches import BatchStream
from bnviz.train.experiment import Experiment, _rate, configure_torch_threads
from bnviz.train.forward import layer_values
from bnviz.train.seeds import BATCH_STREAM, child_seed
from bnviz.train.snapshot import LrEvent, Snapshot
from bnviz.train.variants import TWINS

# Small and fast: a 2-D toy set and two narrow layers.
SMALL = RunConfig(
    dataset="moons", hidden=(16, 16), batch_size=32, lr=0.5, record_every=10, eval_every=20
)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    configure_torch_threads(1)


def _spy(exp: Experiment) -> dict[str, list[tuple[torch.Tensor, torch.Tensor]]]:
    """Record the minibatches each twin trains on."""
    seen = {name: [] for name in exp.twins}
    for name, twin in exp.twins.items():
        original = twin.train_step

        def spy(x, y, _name=name, _original=original):
            seen[_name].append((x.clone(), y.clone()))
            return _original(x, y)

        twin.train_step = spy
    return seen


def test_twins_start_identical_and_see_identical_batches():
    exp = Experiment(SMALL)
    plain, bn = exp.twins["plain"], exp.twins["bn"]
    for lp, lb in zip(plain.layers, bn.layers, strict=True):
        assert torch.equal(lp.W, lb.W)
    assert torch.equal(plain.W_out, bn.W_out)

    seen = _spy(exp)
    exp.step(25)
    assert len(seen["plain"]) == len(seen["bn"]) == 25
    for (xp, yp), (xb, yb) in zip(seen["plain"], seen["bn"], strict=True):
        assert torch.equal(xp, xb) and torch.equal(yp, yb)
    assert not torch.equal(seen["plain"][0][0], seen["plain"][1][0])  # batches do change


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_each_twin_trains_exactly_like_a_torch_loop_on_the_same_batches(optimizer):
    """Torch as the oracle for the whole step: nn modules + autograd + torch.optim, same batches."""
    cfg = dataclasses.replace(SMALL, optimizer=optimizer, lr=0.05 if optimizer == "adam" else 0.5)
    exp = Experiment(cfg)
    oracles = {name: twin.to_module().train() for name, twin in exp.twins.items()}
    data = load_dataset(cfg.dataset)
    torch_opts = {
        "sgd": lambda ps: torch.optim.SGD(ps, lr=cfg.lr),
        "momentum": lambda ps: torch.optim.SGD(ps, lr=cfg.lr, momentum=0.9),
        "adam": lambda ps: torch.optim.Adam(ps, lr=cfg.lr),
    }[optimizer]
    seen = _spy(exp)
    exp.step(30)
    for name, net in oracles.items():
        opt = torch_opts(list(net.parameters()))
        for x, y in seen[name]:
            opt.zero_grad()
            F.cross_entropy(net(x), y).backward()
            opt.step()
        params = dict(net.named_parameters())
        for pname, p in exp.twins[name].named_parameters():
            torch.testing.assert_close(p, params[pname].detach(), rtol=1e-4, atol=1e-5)
    # and both twins saw exactly the batches of the documented stream, seeded from the run's seed
    rows = BatchStream(data.n_train, cfg.batch_size, child_seed(cfg.seed, BATCH_STREAM)).indices(
        0, 30
    )
    for name in TWINS:
        assert len(seen[name]) == 30
        for s, (x, y) in enumerate(seen[name]):
            assert torch.equal(x, data.x_train[rows[s]]) and torch.equal(y, data.y_train[rows[s]])


def test_parallel_and_sequential_give_bit_identical_twins():
    a, b = Experiment(SMALL, parallel=True), Experiment(SMALL, parallel=False)
    a.step(40)
    b.step(40)
    for name in TWINS:
        for (_, p), (_, q) in zip(
            a.twins[name].named_parameters(), b.twins[name].named_parameters(), strict=True
        ):
            assert torch.equal(p, q)
    np.testing.assert_array_equal(a.snapshot().twins["bn"].loss, b.snapshot().twins["bn"].loss)


def test_lr_change_is_effective_at_the_next_step():
    exp = Experiment(SMALL)  # plain SGD: the update is exactly -lr * grad
    exp.step(3)
    exp.set_lr(0.05)
    W_before = {name: t.layers[0].W.clone() for name, t in exp.twins.items()}
    exp.step(1)
    for name, twin in exp.twins.items():
        update = twin.layers[0].W - W_before[name]
        torch.testing.assert_close(update, -0.05 * twin.layers[0].W.grad)  # not -0.5 * grad
    snap = exp.snapshot()
    assert snap.lr == 0.05 == exp.lr
    assert snap.events == (LrEvent(step=3, lr=0.05, previous=0.5),)
    exp.set_lr(0.05)  # no change, no event
    assert len(exp.snapshot().events) == 1
    with pytest.raises(ValueError, match="learning rate"):
        exp.set_lr(-1.0)


def test_recording_cadence_and_shapes():
    exp = Experiment(SMALL)
    exp.step(45)
    snap = exp.snapshot()
    assert isinstance(snap, Snapshot)
    assert snap.step == 45 and set(snap.twins) == {"plain", "bn"}
    assert snap.percentiles == (15.0, 50.0, 85.0)
    n_bins = len(snap.hist_edges) - 1
    assert np.all(np.diff(snap.hist_edges) > 0)
    for name, twin in snap.twins.items():
        assert twin.step == 45 and twin.diverged_at is None
        assert twin.loss_steps.tolist() == [10, 20, 30, 40]
        assert twin.acc_steps.tolist() == [0, 20, 40]
        assert ((twin.acc >= 0) & (twin.acc <= 1)).all()
        assert len(twin.layers) == 2
        for layer in twin.layers:
            assert layer.steps.tolist() == [0, 10, 20, 30, 40]
            assert layer.hist_z.shape == (5, n_bins)
            assert (layer.hist_z.sum(axis=1) == snap.probe_size * layer.width).all()
            assert (np.diff(layer.pct_z, axis=1) >= 0).all()  # 15th <= 50th <= 85th
            assert ((layer.saturated >= 0) & (layer.saturated <= 1)).all()
            assert np.isnan(layer.grad_norm[0]) and (layer.grad_norm[1:] > 0).all()
            assert (layer.update_ratio[1:] > 0).all()
            assert 0 <= layer.typical_unit < layer.width
            if name == "bn":
                assert layer.hist_wu.shape == layer.hist_z.shape and layer.pct_wu.shape == (5, 3)
            else:
                assert layer.hist_wu is None and layer.pct_wu is None


def test_recorded_statistics_are_those_of_the_probe_set_in_training_mode():
    exp = Experiment(SMALL)
    exp.step(30)
    snap = exp.snapshot()
    for name, twin in exp.twins.items():
        probes, _ = layer_values(twin, exp.probe_x, train_batch=SMALL.batch_size)
        inference, _ = layer_values(twin, exp.probe_x)
        for probe, eval_probe, layer in zip(
            probes, inference, snap.twins[name].layers, strict=True
        ):
            z = probe.z.double().numpy()
            np.testing.assert_allclose(layer.pct_z[-1], np.percentile(z, [15, 50, 85]))
            unit = layer.typical_unit
            np.testing.assert_allclose(
                layer.pct_z_unit[-1], np.percentile(z[:, unit], [15, 50, 85])
            )
            counts, _ = np.histogram(
                np.clip(z, snap.hist_edges[0], snap.hist_edges[-1]), bins=snap.hist_edges
            )
            assert layer.hist_z[-1].tolist() == counts.tolist()
            sat = twin.activation.saturated(probe.z, probe.h).double().mean().item()
            assert layer.saturated[-1] == pytest.approx(sat)
            if name == "bn":
                wu = probe.wu.double().numpy()
                np.testing.assert_allclose(layer.pct_wu[-1], np.percentile(wu, [15, 50, 85]))
                z_eval = eval_probe.z.double().numpy()
                np.testing.assert_allclose(
                    layer.pct_z_eval[-1], np.percentile(z_eval, [15, 50, 85])
                )
                assert not np.allclose(layer.pct_z_eval[-1], layer.pct_z[-1])  # two views
            else:
                assert layer.pct_z_eval is None and layer.hist_z_eval is None
        W = twin.layers[0].W.grad
        assert snap.twins[name].layers[0].grad_norm[-1] == pytest.approx(float(W.norm()))


def test_at_step_0_the_bn_twin_sees_a_standard_normal_x_hat():
    exp = Experiment()  # the paper's net on MNIST: γ = 1, β = 0, so z = x̂ of each batch of 60
    bn = exp.snapshot().twins["bn"]
    for layer in bn.layers:
        low, _, high = layer.pct_z_unit[0]
        assert high - low == pytest.approx(2.07, abs=0.3)  # N(0, 1): 15th to 85th is ±1.04
        low, median, high = layer.pct_z[0]
        assert high - low == pytest.approx(2.07, abs=0.3) and abs(median) < 0.2
    # recording changed nothing: the running statistics are still torch's initial 0 and 1
    for layer in exp.twins["bn"].layers:
        assert torch.equal(layer.running_mean, torch.zeros_like(layer.running_mean))
        assert torch.equal(layer.running_var, torch.ones_like(layer.running_var))
    # in inference mode those defaults pass the raw, tiny Wu straight through
    assert np.ptp(bn.layers[-1].pct_z_unit_eval[0]) < 0.5


def test_a_run_of_three_variants_shares_weights_batches_and_records_each():
    exp = Experiment(SMALL, variants=("plain", "bn", "noisy_bn"))
    seen = _spy(exp)
    exp.step(12)
    snap = exp.snapshot()
    assert list(snap.twins) == ["plain", "bn", "noisy_bn"] and snap.step == 12
    for name in ("bn", "noisy_bn"):
        for (x, y), (x0, y0) in zip(seen[name], seen["plain"], strict=True):
            assert torch.equal(x, x0) and torch.equal(y, y0)
    # noisy BN's noise moves the distribution the next layer sees; BN's stays normalized
    noisy, bn = snap.twins["noisy_bn"].layers[0], snap.twins["bn"].layers[0]
    assert np.ptp(noisy.pct_z[:, 1]) > np.ptp(bn.pct_z[:, 1])


def test_record_last_adds_an_off_cadence_record():
    exp = Experiment(SMALL)
    exp.step(3, record_last=True)
    layer = exp.snapshot().twins["plain"].layers[0]
    assert layer.steps.tolist() == [0, 3]
    assert exp.snapshot().twins["plain"].loss_steps.tolist() == [3]


def test_divergence_at_a_huge_lr_stops_only_that_twin():
    cfg = RunConfig(
        dataset="moons",
        hidden=(16, 16),
        activation="relu",
        init="he",
        lr=1000.0,
        batch_size=32,
        record_every=10,
        eval_every=50,
    )
    exp = Experiment(cfg)
    exp.step(60)
    snap = exp.snapshot()
    plain, bn = snap.twins["plain"], snap.twins["bn"]
    assert plain.diverged_at is not None and plain.diverged_at <= 60
    assert plain.step == plain.diverged_at - 1  # it took no step after the non-finite loss
    assert bn.diverged_at is None and bn.step == 60  # the other twin carried on
    assert np.isfinite(bn.loss).all() and bn.loss_steps[-1] == 60
    assert snap.step == 60
    exp.step(20)
    assert exp.snapshot().twins["bn"].step == 80
    assert exp.snapshot().twins["plain"].step == plain.step  # still stopped

    exp.reset()  # recovers: fresh twins, same config (and the current LR)
    snap = exp.snapshot()
    assert snap.step == 0 and exp.step_count == 0
    assert all(t.diverged_at is None and t.step == 0 for t in snap.twins.values())
    fresh = Experiment(cfg)
    assert torch.equal(exp.twins["plain"].layers[0].W, fresh.twins["plain"].layers[0].W)
    exp.set_lr(0.1)
    exp.step(20)
    assert exp.snapshot().twins["plain"].diverged_at is None


def test_reset_keeps_the_current_lr_or_takes_a_new_config():
    exp = Experiment(SMALL)
    exp.step(10)
    exp.set_lr(0.2)
    exp.reset()
    assert exp.lr == 0.2 and exp.cfg.lr == 0.2 and exp.snapshot().events == ()
    new = dataclasses.replace(SMALL, hidden=(8,), activation="tanh", dataset="blobs")
    exp.reset(new)
    snap = exp.snapshot()
    assert exp.cfg == new and snap.config == new and snap.activation == "tanh"
    assert [layer.width for layer in snap.twins["bn"].layers] == [8]


def test_steps_are_validated_and_zero_is_a_no_op():
    exp = Experiment(SMALL)
    assert exp.step(0) == 0
    with pytest.raises(ValueError, match="negative"):
        exp.step(-1)


def test_history_stays_within_budget_over_many_steps(monkeypatch):
    monkeypatch.setattr(history, "MAX_POINTS", 12)
    monkeypatch.setattr(history, "MAX_HISTOGRAMS", 6)
    cfg = dataclasses.replace(SMALL, hidden=(4,), record_every=1, eval_every=2)
    exp = Experiment(cfg)
    for _ in range(10):
        exp.step(30)
        for twin in exp.snapshot().twins.values():
            assert len(twin.loss) <= 12 and len(twin.acc) <= 12
            for layer in twin.layers:
                assert len(layer.steps) <= 12 and len(layer.hist_steps) <= 6
    twin = exp.snapshot().twins["bn"]
    assert twin.layers[0].steps[-1] == twin.loss_steps[-1] == twin.acc_steps[-1] == 300  # newest


def test_snapshot_is_immutable():
    exp = Experiment(SMALL)
    exp.step(20)
    snap = exp.snapshot()
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.step = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        snap.twins["bn"] = None  # type: ignore[index]
    with pytest.raises(ValueError):
        snap.twins["bn"].loss[0] = 0.0
    with pytest.raises(ValueError):
        snap.hist_edges[0] = 0.0
    before = snap.twins["plain"].layers[0].pct_z.copy()
    exp.step(20)
    np.testing.assert_array_equal(snap.twins["plain"].layers[0].pct_z, before)
    assert snap.step == 20 and exp.snapshot().step == 40


def test_mnist_default_runs_the_papers_net():
    exp = Experiment()  # the paper's setup on the embedded MNIST
    exp.step(5)
    snap = exp.snapshot()
    # the probe set is a whole number of training batches: 4 x 60 = 240 of the 256 asked for
    assert snap.config == RunConfig() and snap.probe_size == 240 and snap.eval_size == 2000
    assert [layer.width for layer in snap.twins["plain"].layers] == [100, 100, 100]
    assert exp.twins["bn"].layers[0].W.shape == (100, 784)


def test_steps_per_second_measures_recent_progress():
    now = time.perf_counter()
    assert _rate([]) == 0.0
    assert _rate([(now - 0.5, 100), (now - 0.1, 300)]) == pytest.approx(500.0)
    assert _rate([(now - 30.0, 0), (now - 0.5, 100), (now - 0.1, 300)]) == pytest.approx(500.0)
    assert _rate([(now - 5.0, 0), (now - 4.0, 100)]) == 0.0  # nothing moved lately: stopped
    exp = Experiment(SMALL)
    assert exp.snapshot().steps_per_second == 0.0
    exp.step(20)
    exp.step(20)
    assert exp.snapshot().steps_per_second > 0


def test_probe_and_eval_split_fit_a_small_test_set():
    snap = Experiment(SMALL).snapshot()  # moons: 1,000 test points, batches of 32
    assert snap.probe_size == 256 and snap.eval_size == 1000 - 256
    snap = Experiment(SMALL, eval_size=None).snapshot()  # every test point outside the probe set
    assert snap.eval_size == 1000 - 256
    big = dataclasses.replace(SMALL, batch_size=600)  # a batch larger than the probe set
    exp = Experiment(big)
    assert exp.snapshot().probe_size == 256 and exp._run.probe_batch == 256  # one batch of all
    odd = dataclasses.replace(SMALL, batch_size=60)  # 256 is not a multiple of 60
    assert Experiment(odd).snapshot().probe_size == 240  # four whole batches


def test_experiment_trains_the_configs_variants_in_lockstep_and_records_what_applies():
    four = dataclasses.replace(SMALL, variants=("plain", "ln", "gn", "bn_after"))
    exp = Experiment(four)
    assert exp.variants == four.variants == tuple(exp.twins)
    seen = _spy(exp)
    exp.step(20)
    batches = list(seen.values())
    assert all(len(b) == 20 for b in batches)
    for step in range(20):  # every variant trains on the same minibatch at every step
        assert all(torch.equal(b[step][0], batches[0][step][0]) for b in batches)
    snap = exp.snapshot()
    assert snap.step == 20 and list(snap.twins) == list(four.variants)
    for name, twin in snap.twins.items():
        layer = twin.layers[-1]
        assert (layer.pct_wu is not None) == (name in ("ln", "gn"))  # the norm's input, Wu
        assert (layer.pct_z_eval is not None) == (name == "bn_after")  # running averages
        assert np.isfinite(layer.pct_z).all() and len(layer.steps) == 3  # steps 0, 10, 20
    # a reset to another config's variants rebuilds them (and the worker threads) from it
    exp.reset(dataclasses.replace(SMALL, variants=("bn", "ln")))
    assert exp.variants == ("bn", "ln") and exp.step(5) == 5
    exp.close()


def test_explicit_variants_override_the_config():
    exp = Experiment(SMALL, variants=("plain", "bn", "noisy_bn"), parallel=False)
    assert exp.variants == ("plain", "bn", "noisy_bn")
    exp.reset(dataclasses.replace(SMALL, seed=3))
    assert exp.variants == ("plain", "bn", "noisy_bn")
