"""AppTest for ui/watch.py in Korean: the share panel, its link, the viewer page, a wrong link and
the server-full page speak the session's language, and every link they make keeps ``?lang=``."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PAGES, shown
from tests.english_words import english_words
from tests.sessions import Busy, release_sessions

PAGE = str(PAGES / "live_lab.py")


@pytest.fixture(autouse=True)
def clean_registry():
    yield
    release_sessions()


def run(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def watch_text(at: AppTest) -> list[str]:
    """What ui/watch.py draws on a viewer's page (the live lab's own sidebar is not translated yet)."""
    texts = [e.value for e in (*at.title, *at.info, *at.warning, *at.subheader, *at.error)]
    texts += [e.value for e in at.markdown if e.value.startswith(("**스텝", "[", "**Step"))]
    return texts


def test_the_share_link_and_the_viewer_page_keep_the_language(monkeypatch):
    import streamlit as st

    # AppTest has no browser: give the page the URL and cookies a browser would send.
    context = type(st.context)
    monkeypatch.setattr(context, "url", property(lambda _: "http://127.0.0.1:8501/live-lab"))
    monkeypatch.setattr(context, "cookies", property(lambda _: {}))
    owner = run(lang="ko")
    assert not owner.exception
    assert "이 실행 공유하기" in [h.value for h in owner.sidebar.header]
    assert owner.sidebar.text_input(key="share_owner").label == "보는 사람에게 보일 이름"
    owner.button(key="share_button").click().run()
    assert not owner.exception
    link = owner.code[0].value
    pattern = r"http://127.0.0.1:8501/live-lab\?watch=([A-Za-z0-9_.-]{22,})&lang=ko"
    token = re.fullmatch(pattern, link).group(1)
    assert owner.button(key="share_button").label == "공유 이름 바꾸기"

    viewer = run(watch=token, lang="ko")
    assert not viewer.exception
    assert viewer.title[0].value == "라이브 실험실: 공유된 실행"
    banner = viewer.info[0].value
    assert "**강사**의 실행을" in banner  # no name typed: the default name, in Korean
    assert "[직접 실행 시작하기](live-lab?lang=ko)" in banner
    assert any(
        re.match(r"\*\*스텝 \d+\*\* · 일시 정지 · 학습률 0\.5", t) for t in watch_text(viewer)
    )
    assert "손실과 테스트 정확도" in [s.value for s in viewer.subheader]
    assert not [w for t in watch_text(viewer) for w in english_words(t)], watch_text(viewer)

    english = run(watch=token, lang="en")
    assert "You are watching **The lecturer**'s run" in english.info[0].value
    assert "[Start your own run](live-lab?lang=en)" in english.info[0].value


def test_a_wrong_link_says_so_in_korean_and_keeps_the_language():
    at = run(watch="not-a-real-token-at-all1", lang="ko")
    assert not at.exception
    assert at.title[0].value == "라이브 실험실"
    assert "공유된 실행을 찾을 수 없습니다" in at.warning[0].value
    assert "[직접 실행 시작하기](live-lab?lang=ko)" in [m.value for m in at.markdown]
    assert not [w for t in watch_text(at) for w in english_words(t)]


def test_the_server_full_page_is_korean(monkeypatch):
    from ui.session_runs import registry

    monkeypatch.setenv("BNVIZ_MAX_SESSIONS", "1")
    registry().get_or_create("someone else", Busy)
    at = run(lang="ko")
    assert not at.exception
    assert at.title[-1].value == "라이브 실험실"  # the live lab's own title is not translated yet
    assert shown(at.error[0].value) == (
        "서버가 가득 찼습니다: 이 서버가 열어 둘 수 있는 실행 1개가 모두 열려 있습니다. "
        "1분 뒤에 다시 시도하세요."
    )
    assert at.button(key="server_full_retry").label == "다시 시도"
    assert shown(run(lang="en").error[0].value).startswith("The server is full: all 1 runs")
