"""What the Figure 1 page says (bnviz.figure1.findings, bnviz.figure1.captions): the numbers come from
the result, and a claim is made only when the data carry it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bnviz.figure1 import captions, findings, notes
from bnviz.figure1.result import Figure1Result
from bnviz.train.variants import TWINS

EVAL = 9_760
STEPS = np.arange(0, 5_001, 500)  # 11 records


def make_result(
    plain: list[float],
    bn: list[float],
    band_end: float = 4.0,
    eval_size: int = EVAL,
    dataset: str = "mnist",
) -> Figure1Result:
    """Seeds whose accuracy climbs to the given final values; the plain twin sits at 11% at step
    500 and passes 50% at step 1,500; the bn twin's band goes from 2.08 to ``band_end`` wide."""
    n = len(STEPS)
    acc = {}
    for twin, finals in (("plain", plain), ("bn", bn)):
        rows = []
        for final in finals:
            curve = np.linspace(0.1, final, n)
            if twin == "plain":
                curve[1:4] = [0.11, 0.3, 0.6]  # steps 500, 1000: the plateau; out at 1,500
            else:
                curve[1:] = np.linspace(0.9, final, n - 1)
            rows.append(curve)
        acc[twin] = np.array(rows)
    s = len(plain)
    width = np.linspace(2.08, band_end, n)
    bn_p = np.stack([-width / 2, np.zeros(n), width / 2], axis=1)
    plain_median = np.r_[0.0, -1.8, -1.4, np.full(n - 3, -1.0)]
    plain_p = np.stack([plain_median - 0.5, plain_median, plain_median + 0.5], axis=1)
    inference = bn_p.copy()
    inference[0] = [-0.01, 0.0, 0.01]  # the raw Wu at step 0
    inference[1:] += 0.05
    return Figure1Result(
        steps=STEPS,
        seeds=tuple(range(s)),
        accuracy=acc,
        percentiles={"plain": np.stack([plain_p] * s), "bn": np.stack([bn_p] * s)},
        inference=np.stack([inference] * s),
        units=(42,) * s,
        total_steps=int(STEPS[-1]),
        meta={
            "eval_size": eval_size,
            "probe_size": 240,
            "batch_size": 60,
            "lr": 0.5,
            "init_std": 0.05,
            "config": {"dataset": dataset},
        },
    )


# -- the accuracy verdict ---------------------------------------------------------------------------


def test_a_gap_within_the_test_sets_noise_is_called_that():
    result = make_result(plain=[0.980, 0.979, 0.981], bn=[0.981, 0.980, 0.982])
    acc = findings.accuracy(result)
    # sqrt(p (1 - p) / n) for each twin, combined: about 0.2 points for the gap at n = 9,760.
    assert acc.noise == pytest.approx(math.sqrt((0.98 * 0.02 + 0.981 * 0.019) / EVAL), rel=1e-3)
    assert acc.gap == pytest.approx(0.001) and acc.verdict == "within noise"
    text = captions.captions(result)["accuracy"]
    assert "**within noise**" in text and "+0.10 points" in text
    assert "ahead" not in text and "higher" not in text


def test_a_gap_beyond_noise_in_every_seed_is_reported_with_its_spread():
    result = make_result(plain=[0.970, 0.972, 0.969], bn=[0.980, 0.984, 0.978])
    acc = findings.accuracy(result)
    assert acc.verdict == "bn ahead"
    text = captions.captions(result)["accuracy"]
    assert "**98.07%** with BN, **97.03%** without" in text
    assert "BN ends ahead by **1.03 points** (per seed +0.90 to +1.20)" in text
    assert "standard error of ±0.14 points" in text  # an accuracy near 98% on 9,760 digits
    assert "mean of 3 seeds (0, 1, 2)" in text
    assert "for these seeds, this init (N(0, 0.05²)) and this learning rate (0.5)" in text


def test_seeds_that_disagree_are_within_noise_even_with_a_large_mean_gap():
    result = make_result(plain=[0.960, 0.960, 0.975], bn=[0.975, 0.975, 0.972])
    acc = findings.accuracy(result)
    assert acc.gap > 2 * acc.noise and acc.gap_lo < 0
    assert acc.verdict == "within noise"


def test_one_seed_on_2000_digits_needs_a_larger_gap():
    result = make_result(plain=[0.977], bn=[0.980], eval_size=2_000)
    assert findings.accuracy(result).verdict == "within noise"  # 0.3 points < 2 x 0.46
    text = captions.captions(result)["accuracy"]
    assert "One seed (0)" in text and "on 2,000 digits" in text and "per seed" not in text
    wide = make_result(plain=[0.95], bn=[0.98], eval_size=2_000)
    assert findings.accuracy(wide).verdict == "bn ahead"


def test_how_fast_each_twin_reaches_95_percent():
    result = make_result(plain=[0.96, 0.96], bn=[0.98, 0.98])
    acc = findings.accuracy(result)
    bn_at = int(STEPS[np.argmax(result.mean_accuracy("bn") >= 0.95)])
    plain_at = int(STEPS[np.argmax(result.mean_accuracy("plain") >= 0.95)])
    assert acc.reach == {"bn": bn_at, "plain": plain_at} and bn_at < plain_at
    assert (
        f"reaches 95% at step {bn_at:,} with BN, at step {plain_at:,} without"
        in (captions.captions(result)["accuracy"])
    )
    slow = make_result(plain=[0.9], bn=[0.94])
    assert "Neither twin has reached 95% yet" in captions.captions(slow)["accuracy"]


# -- the plateau and the percentiles ----------------------------------------------------------------


def test_the_plain_twins_plateau_is_measured_and_said():
    result = make_result(plain=[0.98, 0.98], bn=[0.98, 0.98])
    plateau = findings.plateau(result)
    assert (plateau.step, plateau.plain, plateau.exit_step) == (500, pytest.approx(0.11), 1_500)
    assert plateau.median_share == pytest.approx(1.0)  # its median's biggest move is at step 500
    text = captions.captions(result)["plain"]
    assert "plateau near chance: 11.0% test accuracy at step 500 (BN: 90.0%)" in text
    assert "above 50% only from step 1,500" in text
    assert "100% of the median's largest move happens on that plateau" in text
    assert "internal covariate shift" in text and "proxy" in text
    assert "over the 2 seeds, each following its own unit: 1.00 at step 0, 1.00 at the end" in text


def test_no_plateau_sentence_for_a_run_too_short_to_have_one():
    result = make_result(plain=[0.98], bn=[0.98])
    short = Figure1Result(
        steps=result.steps[:2] // 50,  # steps 0 and 10
        seeds=(0,),
        accuracy={t: result.accuracy[t][:, :2] for t in TWINS},
        percentiles={t: result.percentiles[t][:, :2] for t in TWINS},
        inference=result.inference[:, :2],
        units=(42,),
        total_steps=10,
        meta=result.meta,
    )
    assert findings.plateau(short) is None
    assert "plateau" not in captions.captions(short)["plain"]


def test_the_bn_band_is_said_to_widen_with_its_widths_from_the_data():
    result = make_result(plain=[0.98, 0.98], bn=[0.98, 0.98], band_end=4.47)
    spread = findings.spread(result, "bn")
    assert (spread.width_start, spread.width_end) == (pytest.approx(2.08), pytest.approx(4.47))
    text = captions.captions(result)["bn"]
    assert "a 15–85 band 2.08 wide (about ±1.04)" in text
    assert "the band widens: 4.47 wide at step 5,000, as the learned scale γ grows" in text
    assert "In every one of the 2 seeds it widens: from 2.08 to 4.47 wide." in text
    assert "stays put" not in text and "steady" not in text


def test_a_band_that_keeps_its_width_is_not_said_to_widen():
    text = captions.captions(make_result(plain=[0.98], bn=[0.98], band_end=2.1))["bn"]
    assert "the band stays about as wide: 2.10 wide at step 5,000" in text
    assert "widens" not in text
    narrow = captions.captions(make_result(plain=[0.98], bn=[0.98], band_end=1.0))["bn"]
    assert "narrows" in narrow and "γ grows" not in narrow


def test_the_test_time_view_is_explained_only_when_shown():
    result = make_result(plain=[0.98], bn=[0.98])
    assert "Dashed" not in captions.captions(result)["bn"]
    text = captions.captions(result, inference=True)["bn"]
    assert "Dashed" in text and "what the layer sees at test time" in text
    assert "the dashed band is the raw Wu's, 0.02 wide" in text
    assert findings.inference_gap(result) == pytest.approx(0.05)
    assert "From step 500 on the two views differ by at most 0.05" in text


# -- the disclosures --------------------------------------------------------------------------------


def test_setup_discloses_our_choices_and_the_grey_inputs():
    text = notes.setup_text(make_result(plain=[0.98], bn=[0.98]))
    assert "plain SGD without momentum, learning rate 0.5" in text and "N(0, 0.05²)" in text
    assert "with 0.1 there is little gap between the twins, with 0.01 mostly vanishing" in text
    assert "how much BN helps here depends on that choice" in text
    assert "the paper used *binary* 28×28 images" in text and "--binary" in text
    binary = notes.setup_text(make_result(plain=[0.98], bn=[0.98], dataset="mnist-binary"))
    assert "binary 28×28 images (ink where the grey level is above 0.5), as in the paper" in binary
    assert "grey levels" not in binary


def test_method_notes_describe_the_training_mode_probe():
    text = " ".join(notes.method_notes(make_result(plain=[0.98] * 3, bn=[0.98] * 3)))
    assert "as the layer sees them during training" in text
    assert "mean 0 and variance 1 within each batch" in text
    assert "the first point of (c) is x̂" in text and "not the raw Wu" in text
    assert "9,760 test digits" in text and "240 fixed test digits (the probe set, 4 batches" in text
    assert "Seeds 0, 1, 2" in text
