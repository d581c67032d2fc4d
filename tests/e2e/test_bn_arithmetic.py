"""BN arithmetic page in real Chromium: edit a cell of the data editor, step to the end, torch agrees."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e import harness

ROW_PX = 35  # glide-data-grid row height used by st.data_editor (header is row 0)


def open_page(open_app) -> Page:
    page = open_app("bn-arithmetic")
    # Streamlit 1.67 shows a spurious "Page not found" dialog when an st.navigation app is first
    # opened on a non-default url path; the page itself is right.
    dialog = page.get_by_role("dialog")
    if dialog.count():
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="Step 1 of 7 · mean")).to_be_visible()
    return page


def tex_sources(page: Page) -> str:
    """The LaTeX source of every formula on the page (KaTeX keeps it in an annotation)."""
    return "\n".join(page.locator("annotation[encoding='application/x-tex']").all_text_contents())


def expect_tex(page: Page, fragment: str) -> None:
    annotation = page.locator("annotation[encoding='application/x-tex']", has_text=fragment)
    expect(annotation.first).to_be_attached(timeout=30_000)


def edit_last_column(page: Page, row: int, text: str) -> None:
    """Type ``text`` into data row ``row`` (0-based) of the first grid's last visible column."""
    grid = page.get_by_test_id("stDataFrame").first
    # A grid in a page column may be laid out wider than the column (its overflow is hidden): the
    # click goes to the right edge of what is visible, never into the neighbouring column.
    column = grid.locator("xpath=ancestor::div[@data-testid='stColumn'][1]")
    editor = page.get_by_test_id("portal").locator("textarea")
    for _ in range(3):  # a click right after another widget closed may only move the focus
        harness.wait_for_app(page)
        # Centred, so that Streamlit's sticky header never covers the row.
        grid.evaluate("e => e.scrollIntoView({block: 'center'})")
        box = grid.bounding_box()
        assert box is not None
        right = box["x"] + box["width"]
        if column.count():
            outer = column.bounding_box()
            right = min(right, outer["x"] + outer["width"]) if outer else right
        # The grid is a canvas; its columns stretch to its width, so the last one ends at the right
        # edge. A double click opens the cell's editor overlay (a textarea in the portal).
        page.mouse.dblclick(right - 30, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2)
        try:
            expect(editor).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    expect(editor).to_be_visible()
    editor.fill(text)
    editor.press("Enter")
    expect(editor).to_have_count(0)


def follow_feature(page: Page, number: int) -> None:
    page.get_by_label(re.compile("Follow feature")).click()
    page.get_by_role("option", name=f"feature {number}").click()
    expect(page.get_by_role("listbox")).to_have_count(0)
    harness.wait_for_app(page)


def test_edit_a_cell_step_to_the_end_and_torch_matches(open_app):
    page = open_page(open_app)
    expect_tex(page, r"\left(-0.6577 + 0.7392 + 0.2432\right) = 0.1082")

    follow_feature(page, 3)
    expect_tex(page, r"\left(0.636 + 1.523 + 0.322\right)")
    edit_last_column(page, 1, "2")  # example 2, feature 3: 1.523 -> 2
    expect_tex(page, r"\mu_3 = \frac{1}{3}\left(0.636 + 2 + 0.322\right) = 0.986")

    for number in range(2, 8):
        page.get_by_role("button", name="Next ▶").click()
        expect(page.get_by_role("heading", name=re.compile(f"^Step {number} of 7"))).to_be_visible()
    harness.wait_for_app(page)
    expect(page.get_by_role("button", name="Next ▶")).to_be_disabled()
    assert r"y_{:,3}" in tex_sources(page)

    alerts = page.get_by_test_id("stAlertContentSuccess")
    expect(alerts.filter(has_text="(step 7)")).to_contain_text("matches")
    expect(alerts.filter(has_text="(step 5)")).to_contain_text("matches")
    assert page.get_by_text("differs").count() == 0


def test_text_in_a_cell_shows_a_message_and_keeps_the_last_valid_tensor(open_app):
    page = open_page(open_app)
    edit_last_column(page, 0, "abc")
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("'abc', which is not a number")
    expect(error).to_contain_text("last valid tensor")
    expect_tex(page, r"= 0.1082")  # the stepper still shows the example
    assert harness.exceptions_on(page) == []
