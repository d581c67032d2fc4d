"""AppTest for the live lab: renders, stable widget keys, bad URL parameters, controls."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import PAGES, shown

PAGE = str(PAGES / "live_lab.py")
WIDGET_KEYS = [
    "lab_play",
    "lab_step",
    "lab_reset",
    "lab_speed",
    "lab_lr",
    "lab_shown",
    "cfg_variants",
    "lab_view",
    "lab_layer",
    "lab_pooled",
    "lab_pre_bn",
    "lab_inference",
    "cfg_dataset",
    "cfg_activation",
    "cfg_depth",
    "cfg_width",
    "cfg_init",
    "cfg_optimizer",
    "cfg_batch_size",
    "cfg_seed",
]


@pytest.fixture(autouse=True)
def stop_runs():
    yield
    from ui.session_runs import registry

    registry().shutdown()
    st.cache_resource.clear()


def run(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def test_page_renders_with_stable_widget_keys():
    at = run()
    assert not at.exception
    keys = {
        w.key
        for kind in (
            "button",
            "select_slider",
            "toggle",
            "selectbox",
            "slider",
            "number_input",
            "radio",
            "button_group",
            "multiselect",
        )
        for w in getattr(at, kind, [])
    }
    missing = [k for k in WIDGET_KEYS if k not in keys]
    assert not missing, f"widgets missing: {missing}"
    assert any("Step 0" in m.value for m in at.markdown)


def test_widget_keys_are_the_pages_named_keys():
    from ui.live_lab_controls import Key

    named = {v for k, v in vars(Key).items() if k.isupper()}
    assert set(WIDGET_KEYS) <= named


def test_choices_show_the_registries_labels():
    from bnviz.data import DATASETS
    from bnviz.train.activations import ACTIVATIONS
    from bnviz.train.inits import INITS
    from bnviz.train.optim import OPTIMIZERS

    at = run({"dataset": "moons"})
    for key, registry in [
        ("cfg_dataset", DATASETS),
        ("cfg_activation", ACTIVATIONS),
        ("cfg_init", INITS),
        ("cfg_optimizer", OPTIMIZERS),
    ]:
        box = at.selectbox(key=key)
        assert box.options == [entry.label for entry in registry.values()]
    assert at.selectbox(key="cfg_dataset").value == "moons"  # the value is still the name
    assert any("2-D toy set 'moons'" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "query",
    [
        {"lr": "banana"},
        {"lr": "1e9", "hidden": "0,0"},
        {"batch_size": "1", "activation": "softsign", "nonsense": "1"},
        {"seed": "-3", "dataset": "imagenet", "hidden": "a,b"},
    ],
)
def test_bad_url_params_fall_back_to_defaults_with_a_warning(query):
    at = run(query)
    assert not at.exception
    assert len(at.warning) >= 1
    assert any("Step 0" in m.value for m in at.markdown)


def test_url_params_reproduce_a_run():
    at = run(
        {"lr": "0.1", "activation": "tanh", "hidden": "20,20", "dataset": "moons", "seed": "7"}
    )
    assert not at.exception and not at.warning
    assert at.selectbox(key="cfg_activation").value == "tanh"
    assert at.slider(key="cfg_depth").value == 2
    assert at.number_input(key="cfg_width").value == 20
    assert at.select_slider(key="lab_lr").value == 0.1
    # The registry names are code (`moons`), as in the URL.
    assert any("moons · 2×20 tanh" in c.value.replace("`", "") for c in at.caption)


def test_step_button_advances_a_paused_run():
    at = run({"dataset": "moons", "hidden": "8,8"})
    at.button(key="lab_step").click().run()
    assert not at.exception
    assert any("Step 10" in m.value for m in at.markdown)


def test_network_change_on_fresh_run_applies_at_once():
    at = run({"dataset": "moons", "hidden": "8,8"})
    at.selectbox(key="cfg_activation").select("relu").run()
    assert not at.exception
    assert any("relu" in c.value for c in at.caption)


def test_network_change_after_training_asks_first():
    at = run({"dataset": "moons", "hidden": "8,8"})
    at.button(key="lab_step").click().run()
    at.selectbox(key="cfg_activation").select("tanh").run()
    assert not at.exception
    assert any("new run" in w.value for w in at.warning)
    assert any("sigmoid" in c.value for c in at.caption)  # still the old run
    next(b for b in at.button if b.label == "Keep current").click().run()
    assert at.selectbox(key="cfg_activation").value == "sigmoid"
    assert not any("new run" in w.value for w in at.warning)


def test_play_over_the_server_cap_says_so_and_does_not_hang(monkeypatch):
    from tests.train.test_sessions import FakeRunner
    from ui.session_runs import registry

    st.cache_resource.clear()  # a fresh registry that reads the cap below
    monkeypatch.setenv("BNVIZ_MAX_TRAINING_RUNS", "1")
    at = run({"dataset": "moons", "hidden": "8,8"})
    reg = registry()  # the same process-wide registry the page uses
    reg.get_or_create("another-student", FakeRunner)
    assert reg.play("another-student")  # takes the only slot
    at.button(key="lab_play").click().run()
    assert not at.exception
    assert any("training slots on this server are in use" in i.value for i in at.info)
    assert any("waiting for a free slot" in m.value for m in at.markdown)
    # The other student pauses: this run gets the slot on its next poll.
    reg.pause("another-student")
    at.run()
    assert any("· training ·" in m.value for m in at.markdown)


def test_a_failed_run_shows_a_message_and_reset_starts_over():
    from ui.session_runs import registry

    at = run({"dataset": "moons", "hidden": "8,8"})
    at.button(key="lab_step").click().run()
    (entry,) = [registry().get(sid) for sid in list(registry()._sessions)]
    with entry.runner._cond:  # what the worker does when a step raises
        entry.runner._fail(RuntimeError("simulated worker failure"))
    at.run()
    assert not at.exception
    assert any("simulated worker failure" in shown(e.value) for e in at.error)
    at.button(key="lab_reset").click().run()
    assert not at.exception and not at.error
    assert any("Step 0" in m.value for m in at.markdown)
    at.button(key="lab_play").click().run()
    assert not at.exception


def _play_pause_twice():
    """Play, Play, Pause, Pause, as two duplicated clicks deliver them."""
    import streamlit as st

    from ui import live_lab_controls as view

    entry = view.session()
    view.set_playing(True)
    view.set_playing(True)
    st.write(f"after play, play: wants_to_train={entry.wants_to_train}")
    view.set_playing(False)
    view.set_playing(False)
    st.write(f"after pause, pause: wants_to_train={entry.wants_to_train}")


def test_a_click_delivered_twice_does_not_undo_itself():
    at = AppTest.from_function(_play_pause_twice, default_timeout=60)
    at.query_params["dataset"] = "moons"
    at.run()
    assert not at.exception
    assert [m.value for m in at.markdown] == [
        "after play, play: wants_to_train=True",
        "after pause, pause: wants_to_train=False",
    ]


def test_paused_status_shows_no_stale_rate():
    at = run({"dataset": "moons", "hidden": "8,8"})
    at.button(key="lab_play").click().run()
    assert any("· training · " in m.value and "steps/s" in m.value for m in at.markdown)
    at.button(key="lab_play").click().run()
    (status,) = [m.value for m in at.markdown if m.value.startswith("**Step")]
    assert "· paused ·" in status and "steps/s" not in status


def test_test_time_view_adds_the_inference_series_and_says_what_it_is():
    at = run({"dataset": "moons", "hidden": "8,8"})
    at.button(key="lab_step").click().run()
    at.toggle(key="lab_inference").set_value(True).run()
    assert not at.exception
    assert any("inference mode" in c.value and "test time" in c.value for c in at.caption)
    assert any("This run, step 0 → 10" in c.value for c in at.caption)


def test_the_oversized_link_is_refused_and_costs_little_memory():
    from pathlib import Path

    def rss_mb() -> float:
        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20

    run()  # warm: MNIST, torch, the page's modules
    before = rss_mb()
    hidden = ",".join(["1024"] * 8)
    at = run({"hidden": hidden, "batch_size": "1000", "optimizer": "adam"})
    assert not at.exception
    assert any("parameters" in shown(w.value) for w in at.warning)
    assert at.session_state["lab_cfg"].hidden == (100, 100, 100)  # the default network instead
    at.button(key="lab_step").click().run()
    assert not at.exception
    assert rss_mb() - before < 50, f"grew {rss_mb() - before:.0f} MB"


def test_a_network_too_big_for_the_server_keeps_the_current_run():
    at = run({"dataset": "moons"})
    at.slider(key="cfg_depth").set_value(8).run()  # 8 x 100 fits: a fresh run starts at once
    assert at.session_state["lab_cfg"].hidden == (100,) * 8
    at.number_input(key="cfg_width").set_value(1000).run()  # 8 x 1000 does not
    assert not at.exception
    assert any("parameters" in shown(e.value) for e in at.sidebar.error)
    assert at.session_state["lab_cfg"].hidden == (100,) * 8  # the last valid network runs on


PRESENTER_CONTROLS = {"lab_play", "lab_lr", "lab_shown", "lab_present"}


def widget_keys(at: AppTest) -> set[str]:
    kinds = ("button", "select_slider", "toggle", "selectbox", "slider", "number_input", "radio")
    return {
        w.key for kind in (*kinds, "button_group", "multiselect") for w in getattr(at, kind, [])
    }


def test_present_in_the_url_keeps_only_play_lr_and_show():
    at = run({"dataset": "moons", "hidden": "8,8", "present": "1"})
    assert not at.exception and not at.warning
    assert widget_keys(at) == PRESENTER_CONTROLS  # no lab_step, cfg_depth, lab_speed...
    assert at.toggle(key="lab_present").value
    assert at.query_params["present"] == "1"
    assert not any("runs on this server" in m.value for m in at.markdown)  # short status line


def test_a_bad_present_value_warns_and_shows_the_normal_page():
    at = run({"dataset": "moons", "present": "banana[x](https://example.org)"})
    assert not at.exception
    assert any("present" in shown(w.value) and "banana" in shown(w.value) for w in at.warning)
    assert all("](https" not in w.value for w in at.warning)  # escaped: no link on the page
    assert {"lab_step", "cfg_depth", "lab_speed"} <= widget_keys(at)
    assert not at.toggle(key="lab_present").value


def test_presenter_mode_on_and_off_keeps_the_run_and_the_settings():
    from ui.session_runs import registry

    at = run({"dataset": "moons", "hidden": "8,8"})
    at.button(key="lab_step").click().run()
    at.radio(key="lab_pooled").set_value("all units of the layer")
    at.select_slider(key="lab_speed").set_value("5/s").run()
    (runner,) = [registry().get(sid).runner for sid in list(registry()._sessions)]

    at.toggle(key="lab_present").set_value(True).run()
    assert not at.exception
    assert at.query_params.get("present") == "1"
    assert "lab_step" not in widget_keys(at)
    assert any("Step 10" in m.value for m in at.markdown)
    at.run()  # presenter mode survives a rerun
    assert at.toggle(key="lab_present").value and "cfg_depth" not in widget_keys(at)

    at.toggle(key="lab_present").set_value(False).run()
    assert not at.exception and not at.warning
    assert "present" not in at.query_params
    assert any("Step 10" in m.value for m in at.markdown)
    assert [registry().get(sid).runner for sid in list(registry()._sessions)] == [runner]
    assert at.radio(key="lab_pooled").value == "all units of the layer"  # nothing lost
    assert at.select_slider(key="lab_speed").value == "5/s"
    assert at.slider(key="cfg_depth").value == 2


def test_three_variants_from_the_url_train_side_by_side_with_their_formulas():
    from bnviz.train.variants import VARIANTS
    from ui.session_runs import registry

    at = run({"dataset": "moons", "hidden": "8,8", "variants": "plain,ln,bn_after"})
    assert not at.exception and not at.warning
    assert at.multiselect(key="cfg_variants").value == ["plain", "ln", "bn_after"]
    show = at.button_group(key="lab_shown")
    assert show.value == "bn_after"  # no bn in this run: the last variant is shown first
    latex = [e.value.strip("$\n") for e in at.latex]
    assert latex == [VARIANTS[n].formula for n in ("plain", "ln", "bn_after")]
    at.button(key="lab_step").click().run()
    assert not at.exception
    (entry,) = [registry().get(sid) for sid in list(registry()._sessions)]
    snap = entry.runner.snapshot()
    assert list(snap.twins) == ["plain", "ln", "bn_after"] and snap.step == 10
    at.button_group(key="lab_view").set_value("Side by side").run()
    at.toggle(key="lab_inference").set_value(True).run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Layer norm normalizes each example" in captions
    assert "BN after the nonlinearity" in captions and "Without normalization" in captions
    assert "No dashed lines for without BN, layer norm" in captions  # bn_after has running stats
    assert "layer norm: median" in captions and "This run, step 0 → 10" in captions


def test_choosing_variants_in_the_sidebar_starts_a_new_run_and_bad_choices_keep_the_old():
    at = run({"dataset": "moons", "hidden": "8,8"})
    at.multiselect(key="cfg_variants").select("gn").run()
    assert not at.exception
    assert at.session_state["lab_cfg"].variants == ("plain", "bn", "gn")  # fresh run: at once
    assert at.number_input(key="cfg_groups").value == 4
    at.number_input(key="cfg_groups").set_value(3).run()  # 3 does not divide 8 units
    assert any("3 does not divide 8 units" in shown(e.value) for e in at.sidebar.error)
    assert at.session_state["lab_cfg"].groups == 4
    at.number_input(key="cfg_groups").set_value(2).run()
    assert at.session_state["lab_cfg"].groups == 2 and not at.sidebar.error
    for name in ("plain", "bn"):
        at.multiselect(key="cfg_variants").unselect(name).run()
    assert any("between 2 and 4 variants" in shown(e.value) for e in at.sidebar.error)
    assert at.session_state["lab_cfg"].variants == ("bn", "gn")  # the last valid choice runs on
    assert not at.exception
    assert at.query_params["variants"] == "bn,gn"


def test_a_queued_run_shows_its_place_and_the_shared_run_instead_of_charts(monkeypatch):
    from tests.train.test_sessions import FakeRunner
    from ui.session_runs import registry
    from ui.watch import shares

    st.cache_resource.clear()
    monkeypatch.setenv("BNVIZ_MAX_TRAINING_RUNS", "1")
    at = run({"dataset": "moons", "hidden": "8,8"})
    reg = registry()
    reg.get_or_create("lecturer", FakeRunner)
    assert reg.play("lecturer")
    shares().share("lecturer", "Prof. Kim")
    at.button(key="lab_play").click().run()
    assert not at.exception
    assert any("number 1 in the queue" in i.value for i in at.info)
    assert any(
        "watch Prof. Kim's run" in shown(m.value) and "?watch=" in m.value for m in at.markdown
    )
    assert not at.get("bnviz_live_chart")  # waiting: no charts are built or sent


def test_a_full_server_says_so_with_a_retry_and_builds_nothing(monkeypatch):
    from tests.train.test_sessions import FakeRunner
    from ui.session_runs import registry

    st.cache_resource.clear()
    monkeypatch.setenv("BNVIZ_MAX_SESSIONS", "1")
    reg = registry()
    reg.get_or_create("another-student", FakeRunner)
    at = run({"dataset": "moons", "hidden": "8,8"})
    assert not at.exception
    assert any("The server is full" in shown(e.value) for e in at.error)
    assert at.button(key="server_full_retry")
    assert reg.session_count == 1  # no run was made for this page
    reg.pause("another-student")
    reg.release("another-student")
    reg.release_grace_s = 0
    reg.sweep()
    at.button(key="server_full_retry").click().run()  # a place freed up: the lab opens
    assert not at.exception and not at.error
    assert at.button(key="lab_play")
