"""The sweeps' grids: values applied to the paper's config, and every bad input refused with a
sentence."""

import pytest

from bnviz.sweep.grid import MAX_RUNS, SWEEPS, make_grid
from bnviz.train import variants


def test_lr_values_set_the_learning_rate_and_keep_the_paper_setup():
    cfg = SWEEPS["lr"].config("30", seed=2)
    assert (cfg.lr, cfg.seed, cfg.init, cfg.init_std, cfg.optimizer) == (
        30.0,
        2,
        "gaussian",
        0.05,
        "sgd",
    )


def test_init_values_are_stds_or_named_inits():
    sweep = SWEEPS["init"]
    assert (sweep.config("0.3").init, sweep.config("0.3").init_std) == ("gaussian", 0.3)
    assert sweep.config("xavier").init == "xavier" and sweep.config("he").init == "he"
    assert sweep.config("he").lr == 0.5


def test_grid_is_variant_value_seed_in_order():
    grid = make_grid("lr", "plain,bn", "0.1, 1", seeds=2, steps=20)
    specs = grid.specs()
    assert grid.runs == len(specs) == 8
    assert [(s.variant, s.value, s.seed) for s in specs[:3]] == [
        ("plain", "0.1", 0), ("plain", "0.1", 1), ("plain", "1", 0)
    ]  # fmt: skip
    assert specs[0].config().eval_every == 20  # a run shorter than the eval cadence: its end


def test_a_variant_registered_later_is_accepted_by_name(monkeypatch):
    extra = variants.Variant("ln_test", "layer norm", "#CC79A7", r"h = f(x)", "", norm="ln")
    monkeypatch.setitem(variants.VARIANTS, "ln_test", extra)
    assert make_grid("lr", "plain,ln_test", seeds=1).variants == ("plain", "ln_test")
    assert make_grid("lr", "ln,gn,bn_after", seeds=1).variants == ("ln", "gn", "bn_after")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sweep": "momentum"}, "Unknown sweep 'momentum'"),
        ({"variants": "plain,bogus"}, "Unknown variant(s) bogus"),
        ({"variants": ""}, "Name at least one variant among: plain, bn"),
        ({"variants": "bn,bn"}, "Each variant may appear once"),
        ({"values": "0.1,0.1"}, "Each value may appear once"),
        ({"values": "fast"}, "'fast' is not a learning rate"),
        ({"values": "inf"}, "is not a learning rate"),
        ({"values": "5000"}, "The learning rate must be"),
        ({"seeds": 0}, "between 1 and 20 seeds"),
        ({"steps": 0}, "between 1 and 100,000 steps"),
        ({"steps": 2.5}, "whole number"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(kwargs, message):
    args = {"sweep": "lr", **kwargs}
    with pytest.raises(ValueError, match=None) as info:
        make_grid(**args)
    assert message in str(info.value)


def test_bad_init_values_are_refused():
    with pytest.raises(ValueError, match="init std"):
        make_grid("init", values="0.1,orthogonal")
    with pytest.raises(ValueError, match="init std must be"):
        make_grid("init", values="0")
    with pytest.raises(ValueError, match="as its std"):
        make_grid("init", values="gaussian")


def test_the_run_budget_is_enforced(monkeypatch):
    from bnviz.sweep import grid

    assert MAX_RUNS >= 2 * 9 * 3  # the shipped sweeps fit
    monkeypatch.setattr(grid, "MAX_RUNS", 11)
    with pytest.raises(ValueError, match="12 runs is more than the 11 a sweep may have"):
        make_grid("lr", "plain,bn", seeds=2, values="0.1,1,10")


def test_fixed_says_what_the_sweep_varies():
    assert "lr varied" in SWEEPS["lr"].fixed() and "σ=0.05" in SWEEPS["lr"].fixed()
    assert "init varied" in SWEEPS["init"].fixed() and "lr 0.5" in SWEEPS["init"].fixed()
