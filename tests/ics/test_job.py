"""The bounded ICS job: noisy BN's bands move on a short run, measuring never changes training, the
job's controls, and (slow) the MNIST science of the shipped run."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from bnviz.ics.job import ICSJob, default_measure_every, ics_config
from bnviz.ics.result import ICS_VARIANTS
from bnviz.train.experiment import Experiment
from bnviz.train.sessions import SessionRegistry


def toy_config(steps: int, **changes):
    """The same machinery on the 2-D moons: milliseconds per step."""
    return ics_config(steps, dataset="moons", hidden=(16, 16), batch_size=32, **changes)


def test_config_is_the_papers_net_recording_a_hundred_times():
    cfg = ics_config(10_000)
    assert (cfg.dataset, cfg.hidden, cfg.activation, cfg.batch_size) == (
        "mnist",
        (100, 100, 100),
        "sigmoid",
        60,
    )
    assert (cfg.init_std, cfg.optimizer, cfg.lr) == (0.05, "sgd", 0.5)
    assert (cfg.record_every, cfg.eval_every) == (100, 100)
    assert default_measure_every(10_000) == 50 and default_measure_every(100) == 10


def test_job_refuses_what_it_cannot_measure():
    with pytest.raises(ValueError, match="SGD"):
        ICSJob(10, toy_config(10, optimizer="adam"))
    with pytest.raises(ValueError, match="2 or more hidden layers"):
        ICSJob(10, ics_config(10, dataset="moons", hidden=(16,)))
    with pytest.raises(ValueError, match="between 1 and"):
        ICSJob(0, toy_config(10))


def test_noisy_bns_bands_move_more_than_bns_while_it_trains_as_well():
    steps = 400
    result = ICSJob(
        steps, toy_config(steps, record_every=10, eval_every=10), measure_every=100
    ).run()
    assert result.complete and result.variants == ICS_VARIANTS
    # Its typical unit's band jumps with every step's fresh noise; BN's stays put.
    assert result.band_jump("noisy_bn") > 5 * result.band_jump("bn")
    assert result.band_range("noisy_bn") > 3 * result.band_range("bn")
    # ... and it still learns the moons as BN does.
    assert result.final_accuracy("noisy_bn") > 0.85 and result.final_accuracy("bn") > 0.85


def test_measurements_are_taken_on_their_cadence_for_every_variant():
    result = ICSJob(50, toy_config(50, record_every=10, eval_every=10), measure_every=20).run()
    np.testing.assert_array_equal(result.measure_steps, [0, 20, 40])
    np.testing.assert_array_equal(result.steps, [0, 10, 20, 30, 40, 50])
    assert result.layers == (1,)
    for v in ICS_VARIANTS:
        assert result.grad_diff[v].shape == (3, 1) and np.isfinite(result.grad_diff[v]).all()
        assert np.all(result.grad_cos[v] <= 1 + 1e-6) and np.all(result.beta[v] > 0)
        assert np.all(result.grad_change_min[v] <= result.grad_change_max[v])


def final_state(exp: Experiment) -> dict[str, torch.Tensor]:
    state = {}
    for name, twin in exp.twins.items():
        for param_name, p in twin.named_parameters():
            state[f"{name}.{param_name}"] = p.clone()
        for k, layer in enumerate(twin.layers):
            if layer.running_mean is not None:
                state[f"{name}.mean{k}"] = layer.running_mean.clone()
                state[f"{name}.var{k}"] = layer.running_var.clone()
        if twin.noise is not None:
            state[f"{name}.noise"] = twin.noise.get_state().clone()
    return state


def test_measuring_every_step_changes_nothing_in_training():
    steps = 12
    cfg = toy_config(steps, record_every=4, eval_every=4)
    job = ICSJob(steps, cfg, measure_every=1)
    job.run()
    alone = Experiment(cfg, variants=ICS_VARIANTS)
    alone.step(steps)
    measured, unmeasured = final_state(job.experiment), final_state(alone)
    assert measured.keys() == unmeasured.keys()
    for key in measured:
        assert torch.equal(measured[key], unmeasured[key]), key
    np.testing.assert_array_equal(
        job.result().accuracy["noisy_bn"],
        [a for s, a in zip(*_acc(alone, "noisy_bn"), strict=True) if s % 4 == 0],
    )


def _acc(exp: Experiment, v: str):
    twin = exp.snapshot().twins[v]
    return twin.acc_steps, twin.acc


def test_background_job_pauses_resumes_and_stops():
    # Chunks of 10 steps: pauses and progress land within milliseconds.
    job = ICSJob(100_000, toy_config(100_000, record_every=10, eval_every=10), measure_every=1_000)
    assert not job.is_running and job.result() is None
    job.start()
    try:
        _wait(lambda: job.steps_done > 0)
        assert job.is_running
        job.pause()
        _wait(lambda: not job.is_running)
        paused_at = job.steps_done
        threading.Event().wait(0.3)
        assert job.steps_done - paused_at <= job.chunk_steps  # at most the chunk in flight
        job.start()  # start resumes
        _wait(lambda: job.steps_done > paused_at + job.chunk_steps)
        partial = job.result()
        assert partial is not None and not partial.complete and len(partial.measure_steps) >= 1
    finally:
        job.stop()
    assert not job.is_running and not job.finished and job.error is None


def test_the_session_registry_drives_a_job():
    registry = SessionRegistry(max_training=1)
    job = ICSJob(200, toy_config(200), measure_every=50)
    registry.get_or_create("tab", lambda: job)
    assert registry.play("tab")
    _wait(lambda: job.finished)
    registry.shutdown()
    assert job.result().complete and job.eta_seconds == 0


def _wait(condition, timeout: float = 30.0) -> None:
    event = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        event.wait(0.02)
    raise AssertionError("timed out")


# -- the science on MNIST (if this fails, the setup is wrong, not the test) -----------------------

SCIENCE_STEPS = 2_000


@pytest.fixture(scope="module")
def mnist():
    return ICSJob(SCIENCE_STEPS, measure_every=100).run()


@pytest.mark.slow
def test_on_mnist_noisy_bn_moves_like_plain_and_trains_like_bn(mnist):
    assert mnist.band_range("noisy_bn") > 3 * mnist.band_range("bn")
    assert mnist.band_jump("noisy_bn") > mnist.band_jump("plain")
    assert mnist.final_accuracy("noisy_bn") > mnist.final_accuracy("plain") + 0.03
    assert abs(mnist.final_accuracy("noisy_bn") - mnist.final_accuracy("bn")) < 0.02


@pytest.mark.slow
def test_on_mnist_bn_does_not_reduce_gradient_change(mnist):
    last = mnist.layers[-1]
    since = mnist.settled
    bn = mnist.median("relative_grad_diff", "bn", last, since=since)
    noisy = mnist.median("relative_grad_diff", "noisy_bn", last, since=since)
    assert bn > 0.1 and noisy > 0.1  # the layers below move the gradient by a tenth or more
