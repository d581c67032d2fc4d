"""The page's words come from the result: BN ahead, BN not ahead, partial runs, the init sweep."""

from bnviz.sweep import findings
from bnviz.sweep.captions import captions, method_notes, verdict
from tests.sweep.fakes import fake_result


def test_bn_reaching_a_higher_learning_rate_is_said_with_the_numbers():
    result = fake_result({"plain": 2, "bn": 3}, {"plain": 4})
    assert findings.largest_stable(result, "plain") == "1"
    assert findings.largest_stable(result, "bn") == "10"
    text = verdict(result)
    assert "**1 without BN**" in text and "**10 with BN**" in text
    assert "BN allows a 10× larger learning rate" in text
    assert "does not" not in text
    assert findings.summary(result).startswith("largest stable LR: without BN 1, with BN 10")


def test_bn_not_reaching_a_higher_learning_rate_is_said_plainly():
    same = verdict(fake_result({"plain": 3, "bn": 3}))
    assert "**In this run BN does not allow a higher learning rate**: both are stable" in same
    lower = verdict(fake_result({"plain": 3, "bn": 1}))
    assert "**In this run BN does not allow a higher learning rate**: it is stable only" in lower
    none = verdict(fake_result({"plain": 3, "bn": -1}))
    assert "it is stable at none" in none and "**none with BN**" in none


def test_the_top_of_the_grid_is_a_lower_bound():
    text = verdict(fake_result({"plain": 1, "bn": 4}))
    assert "at least 100 (the largest tried)" in text and "or more: the grid ends there" in text


def test_divergence_and_stuck_runs_are_counted_in_the_captions():
    result = fake_result({"plain": 1, "bn": 3}, {"plain": 3})
    notes = captions(result)
    assert (
        "Runs whose loss became non-finite: 6 of 15 without BN, 0 of 15 with BN."
        in notes["stability"]
    )
    assert "3 seeds per cell" in notes["heatmap"]
    assert "Largest stable LR: without BN 0.1, with BN 10" in notes["stability"]
    # plain at LR 1 finished at 30%: not stable, but not near chance either
    assert "Near chance" not in notes["heatmap"]
    assert "with BN fastest at LR 0.01 (step 300)" in notes["steps"]


def test_a_partial_result_says_how_far_it_is():
    import dataclasses

    import numpy as np

    result = fake_result({"plain": 1, "bn": 3}, seeds=1)
    done = np.ones_like(result.done)
    done[1, 4, 0] = False
    partial = dataclasses.replace(result, done=done)
    assert verdict(partial).startswith("**9 of 10 runs done so far.**")
    assert findings.largest_stable(partial, "bn") == "10"  # a cell not done is not stable
    assert "One seed per cell: an anecdote" in captions(partial)["heatmap"]


def test_init_sweep_verdicts_both_ways():
    values = ("0.01", "0.1", "1", "xavier", "he")
    forgiving = verdict(fake_result({"plain": 1, "bn": 4}, sweep="init", values=values))
    assert "plain net" not in forgiving.split("Stable inits")[0]
    assert "without BN 2 of 5 (std 0.01, std 0.1)" in forgiving
    assert "with BN 5 of 5" in forgiving and "less care with initialization" in forgiving
    same = verdict(fake_result({"plain": 2, "bn": 2}, sweep="init", values=values))
    assert "**In this run BN does not train from more inits than the plain net.**" in same


def test_method_notes_name_the_optimizer_and_the_setup():
    notes = " ".join(method_notes(fake_result({"plain": 1, "bn": 3})))
    assert "plain SGD (no momentum)" in notes and "synthetic" in notes and "seeds 0, 1, 2" in notes


def test_the_shipped_setup_lines_are_what_the_korean_page_rebuilds():
    """The Korean page rebuilds "Fixed: ..." from RunConfig's defaults (without torch); the
    English page shows the line a result was shipped with. They must describe the same setup."""
    import pytest

    from bnviz.i18n import translator
    from bnviz.sweep.grid import SWEEPS
    from bnviz.sweep.result import SweepResult, result_path

    for sweep in ("lr", "init"):  # the batch sweep's file is a BatchResult, tested on its own
        try:
            result = SweepResult.load(result_path(sweep))
        except (OSError, ValueError):
            pytest.skip(f"no shipped {sweep} sweep")
        assert result.meta["summary"] == SWEEPS[sweep].fixed(result.meta["dataset"])
        korean = method_notes(result, translator("ko"))[0]
        assert korean.startswith("고정: `mnist` · 3×100 `sigmoid`")
        if sweep == "lr":  # the axis title keeps its capitals: "학습률 (순수 SGD)"
            assert "바꾼 것: 학습률 (순수 SGD)" in korean
