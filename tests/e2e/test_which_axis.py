"""Which axis? in real Chromium: switch the norm, the grid and torch follow; a bad cell is explained."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e import harness
from tests.e2e.test_bn_arithmetic import edit_last_column, expect_tex


def open_page(open_app) -> Page:
    page = open_app("which-axis")
    # Streamlit 1.67 shows a spurious "Page not found" dialog when an st.navigation app is first
    # opened on a non-default url path; the page itself is right.
    dialog = page.get_by_role("dialog")
    if dialog.count():
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="The followed element, step by step")).to_be_visible()
    return page


def check(page: Page):
    return page.get_by_test_id("stAlertContentSuccess")


def test_switching_the_norm_moves_the_statistics_and_torch_agrees(open_app):
    page = open_page(open_app)
    expect(check(page)).to_contain_text("torch.nn.BatchNorm2d(4)")
    expect_tex(page, r"\mu_{c=1} = \frac{1}{12}")
    expect(page.locator(".stPlotlyChart, [data-testid=stPlotlyChart]").first).to_be_visible()

    for label, module, mean in [
        ("Group norm", "torch.nn.GroupNorm(2, 4)", r"\mu_{n=1,g=1} = \frac{1}{12}"),
        (
            "Instance norm",
            "torch.nn.InstanceNorm2d(4, affine=True)",
            r"\mu_{n=1,c=1} = \frac{1}{6}",
        ),
        ("Layer norm", "torch.nn.LayerNorm([4, 2, 3])", r"\mu_{n=1} = \frac{1}{24}"),
    ]:
        page.get_by_text(label, exact=True).click()
        expect(check(page)).to_contain_text(module)
        expect(check(page)).to_contain_text("matches")
        expect_tex(page, mean)
    harness.wait_for_app(page)
    assert page.get_by_text("differs").count() == 0


def test_text_in_a_cell_is_explained_and_the_last_valid_tensor_stays(open_app):
    page = open_page(open_app)
    edit_last_column(page, 0, "abc")
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("'abc', which is not a number")
    expect(error).to_contain_text("last valid input: batch norm of a 2 × 4 × 2 × 3 tensor")
    expect(check(page)).to_contain_text("BatchNorm2d(4)")
    expect_tex(page, r"\mu_{c=1} = \frac{1}{12}")
    assert harness.exceptions_on(page) == []
