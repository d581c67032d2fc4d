"""pages/bn_arithmetic.py through AppTest: renders, steps 1-7, bad input keeps the last valid result."""

import numpy as np
from streamlit.testing.v1 import AppTest

from tests.arith.test_batchnorm import EXAMPLE_Y
from tests.conftest import PAGES, shown

PAGE = str(PAGES / "bn_arithmetic.py")
EDITOR = "bn_x_editor_0"  # the batch editor's key before any button resets it


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def editor_state(edited_rows: dict) -> dict:
    """A data editor's edit state, as the browser sends it."""
    return {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}


def edit(at: AppTest, key: str, row: int, column: str, value) -> AppTest:
    """Seed one edited cell of a data editor and rerun."""
    at.session_state[key] = editor_state({row: {column: value}})
    return at.run()


def latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.latex)


def checks(at: AppTest) -> list[str]:
    return [e.value for e in at.success] + [e.value for e in at.error]


def step_heading(at: AppTest) -> str:
    return next(h.value for h in at.subheader if h.value.startswith("Step "))


def test_page_renders_the_example_and_matches_torch():
    at = open_page()
    assert at.title[0].value
    assert not at.error
    assert r"\frac{1}{3}\left(-0.6577 + 0.7392 + 0.2432\right) = 0.1082" in latex(at)
    torch_checks = [c for c in checks(at) if "torch" in c]
    assert len(torch_checks) >= 3 and all("**matches**" in c for c in torch_checks)


def test_stepping_through_all_seven_steps():
    at = open_page()
    seen = []
    for number in range(1, 8):
        assert step_heading(at).startswith(f"Step {number} of 7")
        seen.append(latex(at))
        if number < 7:
            at.button(key="bn_next").click().run()
            assert not at.exception
    assert at.button(key="bn_next").disabled
    assert len(set(seen)) == 7  # every step shows its own formulas
    assert "0.0108" in seen[5] and "0.9501" in seen[5]  # step 6: running stats after one update
    assert "-0.6858" in seen[6]  # step 7: eval-mode output with the updated running stats
    at.button(key="bn_prev").click().run()
    assert step_heading(at).startswith("Step 6 of 7")


def test_step_five_reproduces_the_worked_example_to_four_decimals():
    at = open_page()
    at.segmented_control(key="bn_step").set_value(5).run()
    assert r"y_{:,1}" in latex(at)
    tables = [d.value for d in at.dataframe if d.editing_mode == "read_only"]
    table = next(t for t in tables if str(t.index[0]).startswith("example"))
    np.testing.assert_array_equal(np.round(table.to_numpy(dtype=float), 4), EXAMPLE_Y)


BAD_CELLS = [
    ("abc", "'abc', which is not a number"),
    ("", "is empty"),
    (None, "is empty"),
    ("nan", "finite"),
    ("-inf", "finite"),
    ("1e300", "too large for float64"),
]


def test_invalid_edit_shows_the_message_and_keeps_the_last_valid_result():
    at = open_page()
    before = latex(at)
    for value, phrase in BAD_CELLS:
        edit(at, EDITOR, 1, "feature 1", value)
        assert not at.exception
        messages = [shown(e.value) for e in at.error]
        assert any(phrase in m for m in messages), (value, messages)
        assert any("last valid tensor" in m for m in messages)
        assert latex(at) == before  # the example's numbers are still shown
        assert all("**matches**" in c for c in checks(at) if "torch" in c)
    edit(at, EDITOR, 1, "feature 1", "0.5")  # fixing the cell brings the page back to life
    assert not at.error
    assert r"\left(-0.6577 + 0.5 + 0.2432\right)" in latex(at)


def test_one_row_in_train_mode_is_refused_and_eval_mode_accepts_it():
    at = open_page()
    at.button(key="bn_remove_row").click().run()
    at.button(key="bn_remove_row").click().run()
    assert any("batch of 1" in shown(e.value) for e in at.error)
    assert not at.exception
    at.segmented_control(key="bn_mode").set_value("eval").run()
    assert not at.error and not at.exception
    assert any("eval-mode output" in c and "**matches**" in c for c in checks(at))
    assert r"\text{running\_mean}_1 = 0" in latex(at)


def test_eps_not_positive_is_explained():
    at = open_page()
    for eps in (0.0, -1e-5):
        at.number_input(key="bn_eps").set_value(eps).run()
        assert any("must be greater than 0" in shown(e.value) for e in at.error)
        assert not at.exception


def test_bad_gamma_is_explained():
    at = open_page()
    edit(at, "bn_affine_editor_0", 0, "feature 3", "two")
    assert any("gamma, feature 3" in shown(e.value) for e in at.error)


def test_training_step_moves_the_running_stats():
    at = open_page()
    at.button(key="bn_apply_step").click().run()
    rm, rv = at.session_state["bn_running"]
    np.testing.assert_allclose(rm, [0.0108, 0.0067, 0.0827], atol=5e-5)
    np.testing.assert_allclose(rv, [0.9501, 0.9345, 0.9388], atol=5e-5)
    at.segmented_control(key="bn_step").set_value(6).run()
    assert r"(1 - 0.1) \cdot 0.0108" in latex(at)  # the next update starts from the moved stats
    at.button(key="bn_reset_running").click().run()
    assert at.session_state["bn_running"] == ([0.0] * 3, [1.0] * 3)


def test_resize_random_and_reset_buttons():
    at = open_page()
    at.button(key="bn_add_feature").click().run()
    at.button(key="bn_add_row").click().run()
    assert at.data_editor[0].value.shape == (4, 4)
    assert len(at.session_state["bn_running"][0]) == 4
    at.button(key="bn_random").click().run()
    random_table = at.data_editor[0].value
    assert random_table.shape == (4, 4) and not at.error
    at.button(key="bn_reset").click().run()
    assert at.data_editor[0].value.iloc[0, 0] == "-0.6577"
    assert at.data_editor[0].value.shape == (3, 3)


def test_constant_column_is_explained():
    at = open_page()
    at.session_state[EDITOR] = editor_state({r: {"feature 2": "2"} for r in range(3)})
    at.run()
    at.selectbox(key="bn_feature").set_value(1).run()
    at.segmented_control(key="bn_step").set_value(3).run()
    assert any("constant" in i.value for i in at.info)
    assert not at.error


def open_tab(at: AppTest, label: str) -> AppTest:
    at.session_state["bn_tab"] = label  # what a click on the tab sends
    return at.run()


def test_backward_tab_with_an_edited_gradient():
    at = open_page()
    at.segmented_control(key="bn_step").set_value(4).run()
    open_tab(at, "Backward")
    assert any("autograd" in c and "**matches**" in c for c in checks(at))
    at.segmented_control(key="bn_grad_kind").set_value("edited").run()
    assert any("autograd" in c and "**matches**" in c for c in checks(at))
    edit(at, "bn_grad_editor_3x3", 0, "feature 1", "x")
    assert any("'x'" in shown(e.value) for e in at.error)
    assert not at.exception
    open_tab(at, "Step by step")
    assert step_heading(at).startswith("Step 4 of 7")  # the stepper kept its place


def test_axis_tab_compares_batchnorm_and_layernorm():
    at = open_page()
    open_tab(at, "Which axis?")
    assert not at.exception
    assert any("torch.nn.LayerNorm: matches" in c.value for c in at.caption)
    assert any("GroupNorm" in m.value and "InstanceNorm" in m.value for m in at.markdown)


def test_odd_inputs_never_reach_the_page_as_a_traceback():
    at = open_page()
    odd = [
        ("bn_affine_editor_0", 0, "1e308"),  # gamma so large that y overflows
        ("bn_affine_editor_0", 1, "inf"),
        ("bn_x_editor_0", 2, "1e-320"),  # subnormal: valid
        ("bn_x_editor_0", 0, "5e153"),  # the variance just overflows
        ("bn_x_editor_0", 1, "\u22122"),  # typographic minus: valid
    ]
    for key, row, value in odd:
        edit(at, key, row, "feature 2", value)
        assert not at.exception, (key, value)
    for eps in (1e-300, 1e300):
        at.number_input(key="bn_eps").set_value(eps).run()
        assert not at.exception, eps
    for tab in ("Which axis?", "Backward"):
        open_tab(at, tab)
        assert not at.exception, tab


def test_a_crafted_editor_state_never_grows_the_table():
    at = open_page()
    before = latex(at)
    rows = [{"feature 1": "1", "feature 2": "2", "feature 3": "3"}] * 100  # 100 rows, fixed table
    at.session_state[EDITOR] = {"edited_rows": {}, "added_rows": rows, "deleted_rows": []}
    at.run()
    assert not at.exception
    assert at.session_state["bn_sheet"].shown.x.shape == (3, 3) and latex(at) == before


def test_deleting_rows_that_do_not_exist_resets_the_editors_with_a_message():
    at = open_page()
    at.session_state[EDITOR] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [7, 9]}
    at.run()
    assert not at.exception
    assert any("does not fit the table" in shown(w.value) for w in at.warning)
    assert at.session_state["bn_sheet"].shown.x.shape == (3, 3)


def test_eps_out_of_range_from_the_browser_gets_a_message_and_keeps_the_last_result():
    at = open_page()
    before = latex(at)
    for eps in (1.3e216, 5.0):
        at.session_state["bn_eps"] = eps
        at.run()
        assert not at.exception
        said = [shown(e.value) for e in at.error]
        assert any("eps" in m and "last valid tensor" in m for m in said), said
        assert latex(at) == before
