"""The page's words: numbers from the result, and verdicts that follow the numbers, not the paper."""

from __future__ import annotations

import dataclasses

import numpy as np

from bnviz.ics.captions import MARGIN, captions, compare, method_notes, setup_text
from bnviz.ics.result import ICS_VARIANTS
from tests.ics.fakes import fake_result


def constant(result, **values):
    """``result`` with each named measured series set to a constant per variant."""
    m, K = len(result.measure_steps), len(result.layers)
    changes = {}
    for name, per_variant in values.items():
        shape = (m, K) if name in ("grad_diff", "grad_norm", "grad_cos") else (m,)
        changes[name] = {v: np.full(shape, per_variant[v]) for v in ICS_VARIANTS}
    return dataclasses.replace(result, **changes)


def test_compare_needs_a_margin():
    assert compare(1.0, 1.0) == "about the same as"
    assert compare(MARGIN * 1.01, 1.0) == "larger than"
    assert compare(1.0, MARGIN * 1.01) == "smaller than"
    assert compare(float("nan"), 1.0) == "not comparable with"


def test_gradient_change_verdict_follows_the_numbers():
    base = fake_result()
    norm = {"grad_norm": {v: 1.0 for v in ICS_VARIANTS}}
    more = constant(base, grad_diff={"plain": 0.2, "bn": 0.5, "noisy_bn": 0.5}, **norm)
    text = captions(more)["gradient_change"]
    assert "0.200 without BN, 0.500 with BN" in text
    assert "does not reduce internal covariate shift here, it increases it" in text
    less = constant(base, grad_diff={"plain": 0.5, "bn": 0.2, "noisy_bn": 0.2}, **norm)
    assert (
        "batch norm does reduce internal covariate shift in this run"
        in (captions(less)["gradient_change"])
    )


def test_smoothness_verdict_counts_the_measures_that_agree_with_the_paper():
    base = fake_result()
    smaller = {"plain": 1.0, "bn": 0.5, "noisy_bn": 0.5}
    same = {v: 1.0 for v in ICS_VARIANTS}
    all_three = constant(base, loss_variation=smaller, grad_change_max=smaller, beta=smaller)
    assert "All three are smaller with BN" in captions(all_three)["smoothness"]
    two = constant(base, loss_variation=smaller, grad_change_max=smaller, beta=same)
    text = captions(two)["smoothness"]
    assert "2 of 3 are smaller with BN" in text and "effective β: 1.00 without BN" in text
    none = constant(base, loss_variation=same, grad_change_max=same, beta=same)
    assert "None is smaller with BN" in captions(none)["smoothness"]


def test_shift_caption_quotes_the_run_and_hedges():
    result = fake_result(eval_size=2000, probe_size=240)
    text = captions(result)["shift"]
    assert f"{result.final_accuracy('noisy_bn'):.1%} noisy BN" in text
    assert f"{result.band_jump('plain'):.2f} without BN" in text
    assert "unit 7" in text and "240 fixed test digits" in text
    for caption in captions(result).values():
        assert "One run, one seed" in caption


def test_shift_verdict_needs_moving_bands_and_bn_like_accuracy():
    result = fake_result(eval_size=2000)
    n = len(result.steps)
    still = np.zeros((n, 3)) + [-1.0, 0.0, 1.0]
    wild = still + np.where(np.arange(n) % 2, 2.0, -2.0)[:, None]
    drift = still + np.linspace(0, 1, n)[:, None]
    accuracy = {"plain": np.full(n, 0.90), "bn": np.full(n, 0.97), "noisy_bn": np.full(n, 0.97)}
    moving = dataclasses.replace(
        result, bands={"plain": drift, "bn": still, "noisy_bn": wild}, accuracy=accuracy
    )
    text = captions(moving)["shift"]
    assert "moves more than the plain net's" in text and "within noise of BN's" in text
    assert "did not take away batch norm's benefit" in text
    worse = dataclasses.replace(moving, accuracy={**accuracy, "noisy_bn": np.full(n, 0.90)})
    text = captions(worse)["shift"]
    assert "ends 7.0 points below BN" in text and "does not show the paper's finding" in text


def test_setup_and_method_notes_use_the_runs_settings():
    result = fake_result(
        init_std=0.05, lr=0.5, measure_every=50, noise_scale=[0.5, 2.0], noise_shift=1.0
    )
    assert "N(0, 0.05²)" in setup_text(result) and "learning rate 0.5" in setup_text(result)
    notes = " ".join(method_notes(result))
    assert "s ~ U(0.5, 2)" in notes and "m ~ U(−1, 1)" in notes and "every 50 steps" in notes
