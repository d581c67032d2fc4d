"""The message catalogs and the core's side of translation (bnviz.i18n).

- the Korean ``.po`` holds exactly the msgids the sources mark (nothing missing, nothing unused),
  each translated, none fuzzy, with the same placeholders as its msgid; the committed ``.mo`` says
  what the ``.po`` says;
- the glossary's terms are used for their English counterparts, and no translation restates batch
  norm wrongly (mean 1 / variance 0, the variance divided by m − 1);
- language negotiation, messages and errors render in either language.
"""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bnviz.i18n import (
    DOMAIN,
    ENGLISH,
    LANGUAGES,
    LOCALE_DIR,
    Message,
    UserError,
    error_text,
    negotiate,
    translator,
)
from bnviz.style import VARIANT_LABELS
from tests.conftest import ROOT

PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
_PLACEHOLDER_NAME = re.compile(r"^[A-Za-z_]\w*$")  # \text{eval mode: ...} in KaTeX is no field

# (English, Korean): a msgid holding the English term (lowercase match) must hold the Korean one.
GLOSSARY = [
    ("batch normalization", "배치 정규화"),
    ("batch norm ", "배치 정규화"),
    ("internal covariate shift", "내부 공변량 변화"),
    ("learning rate", "학습률"),
    ("mini-batch", "미니배치"),
    ("running average", "이동 평균"),
    ("running statistics", "이동 통계량"),
    ("inference mode", "추론 모드"),
    ("eval mode", "평가 모드"),
    ("train mode", "학습 모드"),
    ("percentile", "백분위수"),
    ("sigmoid", "시그모이드"),
    ("hidden layer", "은닉층"),
    ("loss landscape", "손실 지형"),
    ("gradient", "그래디언트"),
    ("variance", "분산"),
    ("seed", "시드"),
    ("plateau", "정체 구간"),
    ("layer norm", "층 정규화"),
    ("group norm", "그룹 정규화"),
    ("instance norm", "인스턴스 정규화"),
    ("channel", "채널"),
]
# (English, Korean) statements of the arithmetic that a translation must keep.
SCIENCE = [
    ("mean 0 and variance 1", "평균 0, 분산 1"),
    ("mean 0, variance 1", "평균 0, 분산 1"),
    ("(not m − 1)", "m − 1이 아니라 m으로"),
    ("*biased* variance, divided by $m$", "$m$으로 나눈"),
    ("unbiased", "불편"),
]
# Wrong restatements that tutorials make; none may appear in either language.
WRONG = [
    re.compile(r"mean 1\b[^.]{0,20}variance 0"),
    re.compile(r"평균\s*1[^.]{0,10}분산\s*0"),
    re.compile(r"divid\w* by \$?m\s*[−-]\s*1\$?[^.]{0,30}(normaliz|x̂|hat)"),
]


def catalog():
    with PO.open("rb") as f:
        return read_po(f)


def translated() -> dict[str, str]:
    return {m.id: m.string for m in catalog() if m.id}


def fields(text: str) -> set[tuple[str, str, str | None]]:
    return {
        (name, spec, conv)
        for _, name, spec, conv in string.Formatter().parse(text)
        if name is not None and _PLACEHOLDER_NAME.match(name)
    }


def source_msgids() -> set[str]:
    """What ``make messages`` would extract from the sources now (babel.cfg's map)."""
    method_map = [
        ("app.py", "python"),
        ("pages/**.py", "python"),
        ("ui/**.py", "python"),
        ("bnviz/**.py", "python"),
    ]
    config = Path(ROOT / "babel.cfg").read_text()
    for pattern, _ in method_map:
        assert f"[python: {pattern}]" in config  # the test extracts what make messages extracts
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_the_catalog_holds_exactly_the_marked_strings():
    po = set(translated())
    extracted = source_msgids()
    assert not extracted - po, f"not in the .po (run make messages): {sorted(extracted - po)[:5]}"
    assert not po - extracted, (
        f"unused in the .po (run make messages): {sorted(po - extracted)[:5]}"
    )


def test_every_message_is_translated_and_none_is_fuzzy():
    cat = catalog()
    assert cat.locale.language == "ko"
    assert not cat.obsolete
    for message in cat:
        if not message.id:
            continue
        assert message.string.strip(), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"


def test_translations_keep_the_placeholders_of_their_msgid():
    for msgid, text in translated().items():
        assert fields(text) == fields(msgid), f"{msgid!r} -> {text!r}"
        # The sentence formats with the msgid's own parameters.
        params = {name: 1 for name, _, _ in fields(msgid)}
        if params:
            text.format(**params)


def test_the_committed_mo_matches_the_po():
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    for msgid, text in translated().items():
        assert mo.gettext(msgid) == text, f"stale .mo (run make messages): {msgid!r}"
    assert len(mo._catalog) == len(translated()) + 1  # + the header entry  # noqa: SLF001


def test_every_variant_label_is_in_the_catalog():
    assert set(VARIANT_LABELS.values()) <= source_msgids()  # marked with N_ in the registry
    ko = translator("ko")
    assert all(ko(label) != label for label in VARIANT_LABELS.values())


@pytest.mark.parametrize(("english", "korean"), GLOSSARY)
def test_glossary_terms_are_used_consistently(english, korean):
    missing = [
        msgid
        for msgid, text in translated().items()
        if english in msgid.lower() and korean not in text
    ]
    assert not missing, f"{english!r} without {korean!r}: {missing[:3]}"


@pytest.mark.parametrize(("english", "korean"), SCIENCE)
def test_translations_keep_the_arithmetic(english, korean):
    hits = [(m, t) for m, t in translated().items() if english in m]
    assert hits, f"no msgid says {english!r} any more: update this guard"
    for msgid, text in hits:
        assert korean in text, f"{msgid!r} -> {text!r}"


def test_no_text_restates_batch_norm_wrongly():
    for msgid, text in translated().items():
        for wrong in WRONG:
            assert not wrong.search(msgid), msgid
            assert not wrong.search(text), text


# ----------------------------------------------------------------------------- the core's side


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", "en"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("de-DE,ko;q=0.2,en;q=0.5", "en"),
        ("ko;q=0,en;q=0.1", "en"),
        ("fr", "ko"),
        ("", "ko"),
        (None, "ko"),
        ("en_US", "en"),
        ("ko;q=abc, en;q=0.5", "en"),
    ],
)
def test_negotiate_picks_the_best_language_we_have(header, expected):
    assert negotiate(header) == expected


def test_negotiate_falls_back_to_the_given_default():
    assert negotiate("fr-FR", default="en") == "en"


def test_translator_knows_only_the_registered_languages():
    assert set(LANGUAGES) == {"ko", "en"}
    assert translator("en") is ENGLISH
    assert translator("ko")("Step by step") == "단계별로"
    assert translator("ko").ngettext("one unknown", "{n} unknowns", 3) == "{n} unknowns"
    with pytest.raises(ValueError, match="Unknown language 'fr'"):
        translator("fr")


def test_a_message_is_english_text_and_renders_in_korean():
    where = Message("row {row}, feature {feature}", {"row": 2, "feature": 3})
    message = Message("The cell at {where} is empty: type a number there.", {"where": where})
    assert message == "The cell at row 2, feature 3 is empty: type a number there."
    assert message.render(translator("ko")) == "2행, 특성 3 칸이 비어 있습니다: 숫자를 입력하세요."


def test_a_user_error_is_a_value_error_in_either_language():
    from bnviz.arith.tensor_input import parse_tensor

    with pytest.raises(ValueError, match="row 2, feature 1 holds 'abc'") as info:
        parse_tensor([["1"], ["abc"]])
    assert isinstance(info.value, UserError)
    ko = error_text(info.value, translator("ko"))
    assert (
        ko
        == "2행, 특성 1 칸에 'abc'이(가) 들어 있는데, 숫자가 아닙니다: 0.5나 -1.2e-3 같은 숫자를 입력하세요."
    )
    assert error_text(RuntimeError("plain"), translator("ko")) == "plain"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko_KR.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_command_lines_take_their_language_from_the_locale(environ, expected):
    from bnviz.i18n import environment_language

    assert environment_language(environ) == expected


def test_the_which_axis_core_speaks_korean():
    import numpy as np

    from bnviz.arith.axes import axes_steps
    from bnviz.arith.element_steps import element_steps
    from bnviz.arith.nchw import parse_rows, row_labels

    ko = translator("ko")
    s = axes_steps(np.arange(24.0).reshape(2, 4, 3, 1), "group", groups=2)
    assert (
        s.stat_labels[3] == "example 2, group 2" and s.stat_labels[3].render(ko) == "샘플 2, 그룹 2"
    )
    sentence = element_steps(s, (1, 2, 0, 0), _=ko).sentence
    assert sentence == "샘플 2, 그룹 2의 μ와 σ²는 그 값 6개로 구합니다: 채널 3–4 × 위치 3개."
    assert row_labels(1, 2, ko) == ["샘플 1 · 채널 1", "샘플 1 · 채널 2"]
    with pytest.raises(
        ValueError, match=r"example 1, channel 1, position \(1, 2\) holds 'abc'"
    ) as info:
        parse_rows([["1", "abc"]], (1, 1, 1, 2))
    assert error_text(info.value, ko).startswith("샘플 1, 채널 1, 위치 (1, 2) 칸에 'abc'이(가)")
    with pytest.raises(ValueError) as info:
        axes_steps(np.ones((2, 3, 1, 1)), "group", groups=2)
    assert error_text(info.value, ko) == (
        "G = 2로는 C = 3개 채널을 같은 크기의 그룹으로 나눌 수 없습니다: 3의 약수 중에서 G를 "
        "고르세요: 1, 3."
    )
