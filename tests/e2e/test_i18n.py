"""Korean in real Chromium: every page shows no leftover English, and the sidebar's
language selector switches a page's language and keeps its other URL parameters.

What counts as leftover English is ``tests/english_words.py``'s rule, the one the AppTest page tests
use; here it reads what the browser shows: the visible text of the page and its sidebar, charts
included, without formulas (KaTeX), code, icons and the selector itself (it names both languages).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app import PAGES
from tests.e2e import harness
from tests.english_words import english_words

NOT_YET: set[str] = set()  # pages whose words are not in the catalog yet (none)
# A Korean word of each page's title, to know the page has drawn.
TITLES = {
    "home": "눈으로 보는 배치 정규화",
    "bn-arithmetic": "한 단계씩",
    "which-axis": "어느 축인가?",
    "paper-figure1": "논문 Figure 1",
    "does-bn-reduce-ics": "내부 공변량 변화",
    "live-lab": "라이브 실험실",
    "lr-and-init": "더 높은 학습률",
    "batch-size": "작은 배치에서 무너질까",
}
# The visible text nodes of the main area and the sidebar, one string per element, skipping what
# may stay English: formulas, code, icons (Material Symbols are ligatures: "school"), dialogs and
# the language selector.
VISIBLE_TEXT = """() => {
  const skip = ".katex, code, pre, [role=dialog], .st-key-bnviz_lang_selector";
  const roots = document.querySelectorAll("[data-testid=stMain], [data-testid=stSidebar]");
  const out = [];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      const text = node.textContent.trim();
      if (!text || !el || el.closest(skip)) continue;
      if (el.closest("style, script, title")) continue;
      if (getComputedStyle(el).fontFamily.includes("Material")) continue;  // an icon's ligature
      if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) continue;
      out.push(text);
    }
  }
  return out;
}"""


def open_page(open_app, url: str) -> Page:
    page = open_app(url)
    # Streamlit 1.67 shows a spurious "Page not found" dialog when an st.navigation app is first
    # opened on a non-default url path; the page itself is right.
    dialog = page.get_by_role("dialog")
    if dialog.count():
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
    return page


def leftovers(page: Page) -> dict[str, list[str]]:
    found = {text: english_words(text) for text in page.evaluate(VISIBLE_TEXT)}
    return {text[:80]: words for text, words in found.items() if words}


@pytest.mark.parametrize("path", [p for p in PAGES if p not in NOT_YET])
def test_every_page_in_korean_shows_no_leftover_english(open_app, path):
    assert set(TITLES) == set(PAGES) - NOT_YET  # a new page needs its title here
    page = open_page(open_app, f"{path}?lang=ko")
    expect(page.locator("h1").first).to_contain_text(TITLES[path])
    # Charts draw after the script run: wait until every chart on the page has its SVG.
    charts = page.locator("[data-testid=stPlotlyChart], .bnviz-plot")
    for k in range(charts.count()):
        expect(charts.nth(k).locator(".main-svg").first).to_be_attached()
    harness.wait_for_app(page)
    texts = page.evaluate(VISIBLE_TEXT)
    assert any(TITLES[path] in t for t in texts)  # the walk reads what the page shows
    found = {t[:80]: english_words(t) for t in texts if english_words(t)}
    assert not found, found
    assert "lang=ko" in page.url


def test_the_selector_switches_the_language_and_keeps_the_other_parameters(open_app):
    page = open_page(open_app, "bn-arithmetic?lang=ko&note=kept")
    heading = page.locator("h1").first
    expect(heading).to_contain_text("한 단계씩")
    expect(page.get_by_role("tab", name="단계별로")).to_be_visible()

    selector = page.locator(".st-key-bnviz_lang_selector")
    selector.get_by_role("radio", name="English").click()
    expect(heading).to_contain_text("Batch norm, one step at a time")
    expect(page.get_by_role("tab", name="Step by step")).to_be_visible()
    harness.wait_for_app(page)
    assert re.search(r"[?&]lang=en\b", page.url) and "note=kept" in page.url, page.url
    assert not [w for t in page.evaluate(VISIBLE_TEXT) for w in re.findall("[가-힣]+", t)]

    selector.get_by_role("radio", name="한국어").click()
    expect(heading).to_contain_text("한 단계씩")
    harness.wait_for_app(page)
    assert re.search(r"[?&]lang=ko\b", page.url) and "note=kept" in page.url, page.url
    assert not leftovers(page)
