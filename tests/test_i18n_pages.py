"""AppTest: the translated pages in Korean and English, the language's sources and its selector.

Every translated page renders in both languages without exception; in Korean it shows no English
word outside formulas, code and an allow-list of names and symbols (charts included); the
language comes from ?lang=, then the session, then the browser, then the default; the sidebar
selector switches it and keeps the page's other URL parameters; and the guards against restating
batch norm wrongly hold in both languages.
"""

from __future__ import annotations

import json
import os

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, shown
from tests.english_words import english_words
from tests.sessions import release_sessions

# url path -> a word of its title in (Korean, English)
PAGES = {
    "home": ("눈으로 보는 배치 정규화", "made visible"),
    "bn-arithmetic": ("한 단계씩", "one step at a time"),
    "paper-figure1": ("논문 Figure 1", "Paper Figure 1"),
    "does-bn-reduce-ics": ("내부 공변량 변화", "internal covariate shift"),
    "which-axis": ("어느 축인가?", "Which axis?"),
    "live-lab": ("라이브 실험실", "Live lab"),
    "lr-and-init": ("더 높은 학습률", "Higher learning rates"),
}


@pytest.fixture(autouse=True)
def clean_registry():
    yield
    release_sessions()


def open_page(path: str, lang: str | None, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("BNVIZ_DEFAULT_PAGE", path)
    at = AppTest.from_file(APP, default_timeout=90)
    if lang:
        at.query_params["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def shown_text(at: AppTest) -> list[str]:
    """Every sentence the page shows: text elements, widget labels, and the charts' words."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning"):
        out += [e.value for e in getattr(at, kind)]
    out += [e.value for e in at.success] + [e.value for e in at.error]
    for kind in ("button", "toggle", "selectbox", "select_slider", "segmented_control", "radio"):
        out += [e.label for e in getattr(at, kind)]
    for kind in ("multiselect", "number_input", "slider", "text_input"):
        out += [e.label for e in at.get(kind)]
    for radio in at.radio:
        out += [radio.label, *radio.options]
    out += [e.label for e in at.expander] + [t.label for t in at.tabs]
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        out += [a.get("text", "") for a in layout.get("annotations", [])]
        out += [
            v["title"]["text"]
            for k, v in layout.items()
            if k.startswith(("xaxis", "yaxis")) and isinstance(v.get("title"), dict)
        ]
    return out


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_translated_page_renders_in_both_languages(path, lang, monkeypatch):
    at = open_page(path, lang, monkeypatch)
    assert not at.exception
    korean, english = PAGES[path]
    assert (korean if lang == "ko" else english) in at.title[0].value
    assert at.query_params["lang"] == lang
    if lang == "ko":
        leftovers = {t: english_words(t) for t in shown_text(at)}
        leftovers = {t[:80]: w for t, w in leftovers.items() if w}
        assert not leftovers, leftovers


def test_the_bn_arithmetic_tabs_and_errors_are_korean(monkeypatch):
    at = open_page("bn-arithmetic", "ko", monkeypatch)
    for label in ("어느 축인가?", "역전파"):
        at.session_state["bn_tab"] = label  # what a click on the tab sends
        at.run()
        assert not at.exception
        assert not [w for t in shown_text(at) for w in english_words(t)], label
    at.session_state["bn_eps"] = 0.0
    at.run()
    error = shown(" ".join(e.value for e in at.error))
    assert "eps가 0.0인데, 0보다 커야 합니다" in error and "평가" not in error


def test_every_norm_of_which_axis_and_its_refusal_are_korean(monkeypatch):
    at = open_page("which-axis", "ko", monkeypatch)
    for kind in ("layer", "instance", "group", "batch"):
        at.radio(key="ax_kind").set_value(kind).run()
        assert not at.exception and not at.error
        assert not [w for t in shown_text(at) for w in english_words(t)], kind
        assert "일치합니다" in at.success[0].value
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "샘플 1, 채널 1, 위치 (1, 1)" in json.dumps(figure["data"], ensure_ascii=False)  # hover
    assert figure["layout"]["yaxis"]["ticktext"][0] == "채널 1"
    for key in ("ax_h", "ax_w"):  # a (batch, features) table: instance norm has one value per set
        at.number_input(key=key).set_value(1).run()
    at.radio(key="ax_kind").set_value("instance").run()
    error = shown(" ".join(e.value for e in at.error))
    assert "torch.nn.InstanceNorm2d도 받아들이지 않습니다" in error
    assert "마지막으로 유효했던 입력을 계속 보여 줍니다: 2 × 4 × 1 × 1 텐서의 배치 정규화" in error
    assert not [w for t in shown_text(at) for w in english_words(t)]


def test_the_language_follows_the_browser_then_the_default(monkeypatch):
    from ui import i18n

    monkeypatch.setattr(i18n, "_browser_language", lambda: "ko")
    at = open_page("home", None, monkeypatch)
    assert "배치 정규화" in at.title[0].value and at.query_params["lang"] == "ko"
    monkeypatch.setenv(i18n.ENV, "ko")
    monkeypatch.setattr(
        i18n, "_browser_language", lambda: i18n.negotiate("", i18n.default_language())
    )
    assert i18n.default_language() == "ko"
    monkeypatch.setenv(i18n.ENV, "xx")
    assert i18n.default_language() == "ko"  # an unknown setting is the built-in default
    assert os.environ[i18n.ENV] == "xx"


def test_the_selector_switches_the_language_and_keeps_other_parameters(monkeypatch):
    at = open_page("paper-figure1", "ko", monkeypatch, f1_note="kept")
    assert at.title[0].value.startswith("논문 Figure 1")
    at.segmented_control(key="bnviz_lang_selector").set_value("en").run()
    assert not at.exception
    assert at.title[0].value.startswith("Paper Figure 1")
    assert at.query_params["lang"] == "en" and at.query_params["f1_note"] == "kept"
    # The choice outlives a URL without the parameter (a page switch drops the URL's parameters).
    del at.query_params["lang"]
    at.run()
    assert at.title[0].value.startswith("Paper Figure 1") and at.query_params["lang"] == "en"


@pytest.mark.parametrize(
    ("lang", "right", "wrong"),
    [("en", "mean 0 and variance 1", "mean 1"), ("ko", "평균 0, 분산 1", "평균 1")],
)
def test_home_and_figure1_state_bn_correctly_in_both_languages(lang, right, wrong, monkeypatch):
    at = open_page("home", lang, monkeypatch)
    text = " ".join(m.value for m in at.markdown)
    assert right in text and wrong not in text
    unbiased = "m/(m−1)·σ²_B"
    assert unbiased in " ".join(c.value for c in at.caption)
    at = open_page("paper-figure1", lang, monkeypatch)
    how = " ".join(e.body for e in at.expander[0].markdown)
    assert right in how and wrong not in how


# ----------------------------------------------------------------------------- the live lab


def _only_run():
    from ui.session_runs import registry

    (entry,) = [registry().get(sid) for sid in list(registry()._sessions)]  # noqa: SLF001
    return entry


def test_switching_the_language_keeps_the_training_run(monkeypatch):
    import time

    at = open_page(
        "live-lab", "ko", monkeypatch, dataset="moons", hidden="8,8", variants="plain,bn,ln"
    )
    # Choices whose options the page shows translated (the browser sends back the shown label).
    chosen = {
        "lab_pooled": "all units of the layer",
        "lab_view": "Side by side",
        "lab_shown": "ln",
        "lab_speed": "max",
        "cfg_dataset": "moons",
        "cfg_variants": ["plain", "bn", "ln"],
    }
    at.radio(key="lab_pooled").set_value(chosen["lab_pooled"])
    at.button_group(key="lab_view").set_value(chosen["lab_view"])
    at.button_group(key="lab_shown").set_value(chosen["lab_shown"]).run()
    at.button(key="lab_play").click().run()
    assert at.button(key="lab_play").label == "일시정지"
    entry = _only_run()
    runner = entry.runner
    assert entry.training
    at.segmented_control(key="bnviz_lang_selector").set_value("en").run()
    assert not at.exception and at.query_params["lang"] == "en"
    assert at.title[0].value.startswith("Live lab") and at.button(key="lab_play").label == "Pause"
    entry = _only_run()
    assert entry.runner is runner and entry.training  # the same run, still training
    assert {key: at.session_state[key] for key in chosen} == chosen  # every choice kept
    assert not at.sidebar.warning  # no "new run" prompt: the settings did not change
    step = runner.snapshot().step
    deadline = time.monotonic() + 60
    while runner.snapshot().step <= step:
        assert time.monotonic() < deadline, "the run stopped training after the switch"
        time.sleep(0.1)
    at.segmented_control(key="bnviz_lang_selector").set_value("ko").run()
    assert _only_run().runner is runner and at.title[0].value.startswith("라이브 실험실")


def test_a_new_run_keeps_the_language_in_the_url(monkeypatch):
    at = open_page("live-lab", "ko", monkeypatch, dataset="moons", hidden="8,8")
    at.multiselect(key="cfg_variants").select("ln").run()  # a fresh run: applied at once
    assert not at.exception
    assert at.session_state["lab_cfg"].variants == ("plain", "bn", "ln")
    assert at.query_params["variants"] == "plain,bn,ln" and at.query_params["lang"] == "ko"
    assert at.title[0].value.startswith("라이브 실험실")


def test_the_live_lab_with_data_has_no_english_left_in_korean(monkeypatch):
    """Three variants, stepped, side by side, test-time view and Wu on: every caption, the
    formulas' notes, the charts' words, the status line."""
    at = open_page("live-lab", "ko", monkeypatch, variants="plain,bn,gn", hidden="8,8", groups="2")
    at.button(key="lab_step").click().run()
    at.button_group(key="lab_view").set_value("Side by side").run()
    at.toggle(key="lab_inference").set_value(True).run()
    at.toggle(key="lab_pre_bn").set_value(True).run()
    assert not at.exception
    text = shown_text(at)
    assert not {t[:80]: w for t in text if (w := english_words(t))}
    joined = " ".join(text)
    assert "**스텝 10**" in joined and "여기서는 층마다 그룹 2개." in joined
    assert "그룹 정규화" in joined and "이동 평균" in joined


def test_the_live_labs_url_warnings_and_errors_are_korean(monkeypatch):
    at = open_page("live-lab", "ko", monkeypatch, lr="banana", present="maybe")
    assert not at.exception
    warnings = [shown(w.value) for w in at.warning]
    assert any("URL 매개변수 lr='banana'" in w for w in warnings)
    assert any("'present=maybe'을(를) 무시했습니다" in w for w in warnings)
    at.number_input(key="cfg_width").set_value(1000).run()  # 3 × 1000 units x 2: too big
    at.number_input(key="cfg_batch_size").set_value(1000).run()
    errors = " ".join(shown(e.value) for e in at.sidebar.error)
    assert "서버는" in errors and "This network" not in errors


# ----------------------------------------------------------------------------- the sweeps


def test_the_sweeps_refusal_is_korean(monkeypatch):
    at = open_page("lr-and-init", "ko", monkeypatch)
    at.multiselect(key="sweep_values").set_value([]).run()
    at.button(key="sweep_run").click().run()
    assert not at.exception
    assert any("격자 값을 1~2개 고르세요. 받은 값: 0개." in shown(w.value) for w in at.warning)


def test_the_sweep_verdict_is_computed_in_both_languages(monkeypatch):
    from bnviz.sweep import findings
    from ui.sweep_view import shipped_result

    result = shipped_result("lr")
    if result is None:
        pytest.skip("no shipped learning-rate sweep")
    plain, bn = (findings.largest_stable(result, v) for v in ("plain", "bn"))
    at = open_page("lr-and-init", "ko", monkeypatch)
    text = " ".join(m.value for m in at.markdown)
    assert "안정적인 최대 학습률: **BN 없음: " in text and f"**BN 있음: {bn}" in text
    at = open_page("lr-and-init", "en", monkeypatch)
    text = " ".join(m.value for m in at.markdown)
    assert f"**{plain} without BN**" in text and f"**{bn} with BN**" in text


def test_presenter_mode_and_the_queue_are_korean(monkeypatch):
    import streamlit as st

    from tests.train.test_sessions import FakeRunner
    from ui.session_runs import registry

    st.cache_resource.clear()  # a fresh registry that reads the cap below
    monkeypatch.setenv("BNVIZ_MAX_TRAINING_RUNS", "1")
    at = open_page("live-lab", "ko", monkeypatch, present="1", dataset="moons", hidden="8,8")
    assert not at.exception and at.toggle(key="lab_present").value
    assert not [w for t in shown_text(at) for w in english_words(t)]
    registry().get_or_create("another-student", FakeRunner)
    assert registry().play("another-student")  # takes the only slot
    at.button(key="lab_play").click().run()
    assert not at.exception
    assert any("학습 슬롯 1개가 모두 사용 중입니다" in i.value for i in at.info)
    assert any("빈 슬롯을 기다리는 중" in m.value for m in at.markdown)
    assert not [w for t in shown_text(at) for w in english_words(t)]
