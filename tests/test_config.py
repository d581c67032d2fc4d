"""RunConfig: the paper's defaults, validation messages, and the URL round trip."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.budget import MAX_PARAMETERS, MAX_WORK, check_size, parameters
from bnviz.config import LR_RANGE, RunConfig, check_lr
from bnviz.data import DATASETS
from bnviz.train.activations import ACTIVATIONS
from bnviz.train.inits import INITS
from bnviz.train.optim import OPTIMIZERS
from bnviz.train.variants import LAB_VARIANTS


def test_default_is_the_papers_setup():
    cfg = RunConfig()
    assert cfg.dataset == "mnist"
    assert cfg.hidden == (100, 100, 100)
    assert cfg.activation == "sigmoid"
    assert cfg.init == "gaussian" and 0 < cfg.init_std <= 0.1  # "small random Gaussian values"
    assert cfg.batch_size == 60


def test_config_is_frozen_and_hashable():
    cfg = RunConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lr = 1.0  # type: ignore[misc]
    assert hash(cfg) == hash(RunConfig())
    assert RunConfig(hidden=[16, 16]).hidden == (16, 16)  # a list is stored as a tuple


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"lr": 0.0}, "learning rate"),
        ({"lr": 1e9}, "learning rate"),
        ({"hidden": ()}, "hidden layers"),
        ({"hidden": (100, 0)}, "units"),
        ({"hidden": tuple([10] * 9)}, "hidden layers"),
        ({"activation": "swish"}, "sigmoid, tanh, relu"),
        ({"optimizer": "lbfgs"}, "choose one of"),
        ({"init": "orthogonal"}, "weight init"),
        ({"dataset": "cifar"}, "mnist"),
        ({"batch_size": 1}, "batch size"),
        ({"batch_size": 60.5}, "whole number"),
        ({"seed": -1}, "seed"),
        ({"bn_momentum": 0.0}, "BN momentum"),
        ({"bn_eps": 0.0}, "BN eps"),
        ({"init_std": -0.1}, "init std"),
        ({"record_every": 0}, "record_every"),
        ({"eval_every": True}, "whole number"),
    ],
)
def test_validation_names_the_problem(kwargs, words):
    with pytest.raises(ValueError, match=words):
        RunConfig(**kwargs)


def test_several_errors_are_reported_together():
    with pytest.raises(ValueError) as err:
        RunConfig(lr=-1.0, activation="x")
    assert "learning rate" in str(err.value) and "activation" in str(err.value)


def test_check_lr():
    assert check_lr(2) == 2.0
    with pytest.raises(ValueError, match="learning rate"):
        check_lr(LR_RANGE[1] * 10)


def test_round_trip_of_the_default_and_of_a_changed_config():
    for cfg in (
        RunConfig(),
        RunConfig(
            lr=0.1234567,
            hidden=(7, 300),
            activation="relu",
            optimizer="adam",
            seed=42,
            init="he",
            bn_eps=1e-3,
            dataset="moons",
            batch_size=128,
        ),
    ):
        params = cfg.to_query_params()
        assert all(isinstance(v, str) for v in params.values())
        assert RunConfig.from_query_params(params) == (cfg, [])


def test_only_changed_params_keep_urls_short():
    params = RunConfig(lr=0.1, seed=3).to_query_params(only_changed=True)
    assert params == {"lr": "0.1", "seed": "3"}
    assert RunConfig.from_query_params(params)[0] == RunConfig(lr=0.1, seed=3)


def test_bad_params_fall_back_to_defaults_with_one_warning_each():
    cfg, warnings = RunConfig.from_query_params(
        {
            "lr": "fast",  # garbage
            "hidden": "100,,x",  # garbage
            "batch_size": "0",  # out of range
            "activation": "<script>",  # unknown name
            "init_std": "inf",  # not finite
            "colour": "red",  # unknown key
            "seed": "7",  # fine
        }
    )
    default = RunConfig()
    assert cfg == dataclasses.replace(default, seed=7)
    assert len(warnings) == 6
    joined = " ".join(warnings)
    for word in ("lr", "hidden", "batch_size", "activation", "init_std", "colour"):
        assert word in joined
    assert "default" in warnings[0]


def test_lists_take_the_last_value_and_ignored_keys_are_silent():
    cfg, warnings = RunConfig.from_query_params(
        {"lr": ["0.1", "0.2"], "view": "bn"}, ignore=("view",)
    )
    assert cfg.lr == 0.2 and warnings == []


_size = st.tuples(
    st.lists(st.integers(1, 1024), min_size=1, max_size=8).map(tuple), st.integers(2, 1000)
).filter(lambda size: check_size(*size, 4) is None)  # within the budget, with 4 variants
_valid = _size.flatmap(
    lambda size: st.builds(
        RunConfig,
        variants=st.lists(st.sampled_from(LAB_VARIANTS), min_size=2, max_size=4, unique=True).map(
            tuple
        ),
        dataset=st.sampled_from(list(DATASETS)),
        hidden=st.just(size[0]),
        activation=st.sampled_from(sorted(ACTIVATIONS)),
        init=st.sampled_from(sorted(INITS)),
        init_std=st.floats(1e-4, 10.0),
        optimizer=st.sampled_from(sorted(OPTIMIZERS)),
        lr=st.floats(*LR_RANGE),
        batch_size=st.just(size[1]),
        seed=st.integers(0, 2**31 - 1),
        bn_momentum=st.floats(1e-3, 1.0),
        bn_eps=st.floats(1e-8, 1.0),
        groups=st.sampled_from([1, *(g for g in (2, 3, 4) if all(w % g == 0 for w in size[0]))]),
        record_every=st.integers(1, 10_000),
        eval_every=st.integers(1, 100_000),
    )
)


@settings(max_examples=60, deadline=None)
@given(cfg=_valid)
def test_round_trip_property(cfg):
    # A link carries everything but the measuring cadence, which stays the server's default.
    linked = dataclasses.replace(cfg, record_every=100, eval_every=500)
    assert RunConfig.from_query_params(cfg.to_query_params()) == (linked, [])


def test_a_link_cannot_set_the_measuring_cadence():
    cfg, warnings = RunConfig.from_query_params({"record_every": "1", "eval_every": "1"})
    assert (cfg.record_every, cfg.eval_every) == (100, 500)
    assert len(warnings) == 2 and all("a link cannot set it" in w for w in warnings)
    assert "record_every" not in RunConfig(record_every=7).to_query_params()


def test_echoed_url_values_are_cut():
    _, (warning,) = RunConfig.from_query_params({"lr": "x" * 5000})
    assert len(warning) < 200 and "xxx…'" in warning
    _, (warning,) = RunConfig.from_query_params({"k" * 5000: "1"})
    assert len(warning) < 100


@settings(max_examples=100, deadline=None)
@given(
    params=st.dictionaries(
        st.sampled_from([f.name for f in dataclasses.fields(RunConfig)] + ["junk", ""]),
        st.text(max_size=12),
        max_size=6,
    )
)
def test_arbitrary_params_never_raise(params):
    cfg, warnings = RunConfig.from_query_params(params)
    assert isinstance(cfg, RunConfig)
    assert len(warnings) <= len(params)


def test_parameters_count_weights_and_biases_on_the_largest_input():
    assert parameters((100, 100, 100)) == 784 * 100 + 100 + 2 * (100 * 100 + 100) + 100 * 10 + 10
    from bnviz.data import load_dataset
    from bnviz.train.model import build_twins

    net = build_twins([784, 100, 100, 100, 10], "sigmoid", "gaussian", 0.05, 0)["plain"]
    assert parameters((100, 100, 100)) == sum(p.numel() for p in net.parameters())
    mnist = load_dataset("mnist")  # the largest registered input, as the budget assumes
    assert (mnist.input_dim, mnist.n_classes) == (784, 10)


def test_the_run_size_budget_refuses_big_runs_with_a_reason():
    assert check_size(RunConfig().hidden, RunConfig().batch_size) is None  # the paper's net fits
    too_wide = check_size((1024,) * 8, 60)
    assert "8,161,290 parameters" in too_wide and f"{MAX_PARAMETERS:,}" in too_wide
    too_much = check_size((1024, 512), 1000)
    assert too_much and "batch 1,000" in too_much and f"{MAX_WORK:,}" in too_much
    with pytest.raises(ValueError, match="parameters"):
        RunConfig(hidden=(1024,) * 8)


def test_an_oversized_link_falls_back_to_the_default_network_with_a_warning():
    params = {"hidden": ",".join(["1024"] * 8), "batch_size": "1000", "optimizer": "adam"}
    cfg, warnings = RunConfig.from_query_params(params)
    assert cfg.hidden == RunConfig().hidden and cfg.batch_size == RunConfig().batch_size
    assert cfg.optimizer == "adam"  # what fits is kept
    assert len(warnings) == 1 and "Using the default network" in warnings[0]


@pytest.mark.parametrize(
    ("variants", "words"),
    [
        (("plain", "batchnorm"), "Unknown variant 'batchnorm'; choose 2 to 4 of: plain, bn, ln"),
        (("plain", "noisy_bn"), "Unknown variant 'noisy_bn'"),  # the ICS page's, not the lab's
        (("plain", "bn", "plain"), "'plain' is listed twice"),
        (("ln",), "between 2 and 4 variants"),
        (("plain", "bn", "ln", "gn", "bn_after"), "between 2 and 4 variants to compare, got 5"),
        ((), "between 2 and 4"),
        (("plain", 3), "list of names"),
    ],
)
def test_variants_are_validated_with_a_reason(variants, words):
    with pytest.raises(ValueError, match=words):
        RunConfig(variants=variants)


def test_variants_travel_in_the_url_and_bad_ones_fall_back_with_a_warning():
    cfg = RunConfig(variants=["plain", "bn", "ln"])
    assert cfg.variants == ("plain", "bn", "ln")  # a list is stored as a tuple
    assert cfg.to_query_params(only_changed=True) == {"variants": "plain,bn,ln"}
    assert RunConfig.from_query_params({"variants": "plain, bn,ln"}) == (cfg, [])
    assert RunConfig().variants == ("plain", "bn")
    for bad, words in [
        ("plain,plain", "listed twice"),
        ("bn", "between 2 and 4"),
        ("plain,bn,ln,gn,bn_after", "got 5"),
        ("plain,<b>x</b>", "Unknown variant '<b>x</b>'"),
    ]:
        fallback, warnings = RunConfig.from_query_params({"variants": bad, "lr": "0.1"})
        assert fallback == RunConfig(lr=0.1)  # the rest of the link is kept
        assert (
            len(warnings) == 1
            and words in warnings[0]
            and "Using the default plain,bn" in warnings[0]
        )


def test_groups_must_divide_every_width_when_group_norm_runs():
    assert RunConfig(variants=("plain", "gn"), hidden=(12, 6), groups=3).groups == 3
    assert RunConfig(hidden=(30,), groups=4).groups == 4  # no gn: nothing to split
    with pytest.raises(ValueError, match="4 does not divide 30, 50 units"):
        RunConfig(variants=("gn", "ln"), hidden=(30, 100, 50), groups=4)
    with pytest.raises(ValueError, match="groups"):
        RunConfig(groups=0)
    cfg, (warning,) = RunConfig.from_query_params({"variants": "plain,gn", "groups": "3"})
    assert cfg.groups == 4 and cfg.variants == ("plain", "gn")
    assert "3 does not divide 100 units" in warning and "default number of groups" in warning
    cfg, (warning,) = RunConfig.from_query_params({"variants": "plain,gn", "hidden": "30"})
    assert cfg.hidden == (100, 100, 100) and "default network" in warning


def test_the_budget_counts_the_variants():
    hidden, batch = (1000, 1000), 50  # 1,796,010 parameters: fits as 2 networks, not as 4
    assert check_size(hidden, batch, 2) is None and RunConfig(hidden=hidden, batch_size=batch)
    message = check_size(hidden, batch, 4)
    assert "7,184,040 for 4 variants" in message and "fewer variants" in message
    with pytest.raises(ValueError, match="4 variants"):
        RunConfig(hidden=hidden, batch_size=batch, variants=("plain", "bn", "ln", "gn"))
    work = check_size((100, 100, 100), 1000, 4)  # the paper's net: batch 1000 x 2 fits, x 4 not
    assert check_size((100, 100, 100), 1000, 2) is None and "× 4 variants" in work
    cfg, warnings = RunConfig.from_query_params(
        {"variants": "plain,bn,ln,gn", "batch_size": "1000", "hidden": "30"}
    )  # groups first (30 units), then the size: each fallback keeps the config valid
    assert (cfg.hidden, cfg.batch_size) == ((100, 100, 100), 60)
    assert cfg.variants == ("plain", "bn", "ln", "gn")
    assert len(warnings) == 2
