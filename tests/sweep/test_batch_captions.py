"""The batch-size page's words follow the numbers: synthetic results where BN breaks down at small
batches and LN/GN stay flat, and the reverse outcomes, each said plainly."""

import numpy as np

from bnviz.sweep import batch_findings
from bnviz.sweep.batch_captions import captions, method_notes
from bnviz.sweep.batch_plots import figures
from bnviz.sweep.batch_verdict import verdict
from tests.sweep.fakes import fake_batch_result

BREAKS = {
    "bn": [0.60, 0.85, 0.95, 0.96, 0.958],
    "ln": [0.95, 0.955, 0.95, 0.952, 0.949],
    "gn": [0.94, 0.945, 0.95, 0.948, 0.946],
}


def test_bn_breaking_down_and_flat_ln_gn_are_said_with_their_numbers():
    result = fake_batch_result(BREAKS, train={"bn": [0.80, 0.90, 0.955, 0.962, 0.961]})
    text = verdict(result)
    assert "**BN breaks down at small batches**" in text
    assert "falls from 96.0% at m = 60 to 60.0% at m = 2" in text
    assert "Layer norm stays flat: within 0.6 points (94.9% to 95.5%)" in text
    assert "Group norm stays flat" in text and "not flat" not in text
    assert "3 seeds per batch size" in text
    notes = captions(result)
    assert "BN at m = 2: 80.0% in training mode, 60.0% in inference mode" in notes["accuracy"]
    assert "BN's largest mismatch is at m = 2: +20.0 points" in notes["gap"]
    assert "Layer norm, group norm: 0 at every m" in notes["gap"]
    assert "training mode is the better of the two" in notes["gap"]
    assert "1.00 to 1.00 for the mean" in notes["noise"]


def test_ln_not_flat_and_bn_flat_are_said_plainly():
    infer = {
        "bn": [0.95, 0.955, 0.95, 0.952, 0.951],
        "ln": [0.80, 0.90, 0.95, 0.95, 0.95],
        "gn": [0.95, 0.95, 0.95, 0.95, 0.90],
    }
    text = verdict(fake_batch_result(infer, seeds=1))
    assert "**In this run BN's test accuracy does not fall at small batches**" in text
    assert "**Layer norm is not flat**: it varies by 15.0 points, from 80.0% at m = 2" in text
    assert "**Group norm is not flat**: it varies by 5.0 points" in text
    assert "One seed per batch size: an anecdote" in text


def test_bn_lowest_at_a_large_batch_is_not_called_a_small_batch_breakdown():
    infer = {"bn": [0.95, 0.95, 0.95, 0.95, 0.85], "ln": [0.95] * 5}
    text = verdict(fake_batch_result(infer))
    assert "not lowest at the smallest batch" in text and "breaks down" not in text


def test_noise_caption_reports_measured_over_theory_and_the_deeper_layers():
    note = captions(fake_batch_result(BREAKS, noise_factor=1.3))["noise"]
    assert "1.30 to 1.30 for the mean and 1.30 to 1.30 for the variance" in note
    assert "at m = 2, layer 2's batch mean strays by 0.092 against layer 1's 0.92" in note
    assert "At m = 256 there are only 39 test batches" in note
    ratio = batch_findings.noise_ratio(fake_batch_result(BREAKS, noise_factor=1.3))
    np.testing.assert_allclose(ratio["var"], 1.3)


def test_a_partial_live_result_says_how_many_runs_it_has_and_still_draws():
    result = fake_batch_result(BREAKS, done=7)
    assert verdict(result).startswith("**7 of 45 runs done so far.**")
    figs = figures(result)
    assert set(figs) == {"accuracy", "gap", "noise"}
    assert all(fig["data"] for fig in figs.values())
    assert any("m = 4" in n for n in method_notes(result))


def test_accuracy_figure_has_both_modes_for_bn_and_one_line_for_ln_gn():
    fig = figures(fake_batch_result(BREAKS))["accuracy"]
    names = [t["name"] for t in fig["data"]]
    assert names == [
        "with BN, inference mode", "with BN, training mode", "layer norm", "group norm"
    ]  # fmt: skip
    assert fig["layout"]["xaxis"]["type"] == "log"
    np.testing.assert_allclose(fig["data"][0]["y"], [60.0, 85.0, 95.0, 96.0, 95.8])


def test_every_variant_side_by_side_at_the_smallest_batch_and_the_plain_reference():
    infer = {**BREAKS, "plain": [0.30, 0.31, 0.25, 0.22, 0.28]}
    text = verdict(fake_batch_result(infer))
    assert "At m = 2: with BN 60.0%, layer norm 95.0%, group norm 94.0%, without BN 30.0%." in text
    assert (
        "Without BN (the reference), this network ends between 22.0% (m = 60) and 31.0% (m = 4)"
        in text
    )


def test_a_per_example_norm_falling_at_large_batches_is_said_with_its_small_batch_range():
    infer = {
        "bn": [0.60, 0.85, 0.95, 0.96, 0.958],
        "ln": [0.95, 0.951, 0.948, 0.90, 0.60],
        "gn": [0.95, 0.95, 0.95, 0.92, 0.62],
    }
    text = verdict(fake_batch_result(infer))
    assert "**Layer norm is not flat**: it varies by 35.1 points, from 60.0% at m = 256" in text
    assert "Below the paper's batch of 60 (m = 2 to 16) it stays within 0.3 points." in text
    assert text.count("At m = 256 a run takes only 234 steps") == 1  # said once for both
