"""pages/which_axis.py through AppTest: every kind renders and matches torch, shapes change, bad
input shows its sentence and keeps the last valid result."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from bnviz.arith.axes import axes_steps
from bnviz.arith.nchw import parse_rows
from bnviz.arith.number_format import tex_number
from tests.conftest import PAGES, shown
from tests.test_fuzz import assert_escaped, cells

PAGE = str(PAGES / "which_axis.py")
EDITOR = "ax_x_editor_0"  # the tensor editor's key before anything replaced the tables

TORCH = {
    "batch": "torch.nn.BatchNorm2d(4)",
    "layer": "torch.nn.LayerNorm([4, 2, 3])",
    "instance": "torch.nn.InstanceNorm2d(4, affine=True)",
    "group": "torch.nn.GroupNorm(2, 4)",
}


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def latex(at: AppTest) -> str:
    return "\n".join(e.value for e in at.latex)


def errors(at: AppTest) -> list[str]:
    return [shown(e.value) for e in at.error]


def table(at: AppTest) -> np.ndarray:
    """The tensor the page's editor holds, as numbers (N, C, H, W)."""
    return parse_rows(at.session_state["ax_table"], at.session_state["ax_shape"])


def figure_z(at: AppTest) -> np.ndarray:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return np.array(spec["data"][0]["z"], dtype=float)


@pytest.mark.parametrize("kind", list(TORCH))
def test_every_kind_renders_its_steps_and_matches_torch(kind):
    at = open_page()
    at.radio(key="ax_kind").set_value(kind).run()
    assert not at.exception and not at.error
    checks = [s.value for s in at.success]
    assert len(checks) == 1 and TORCH[kind] in checks[0] and "match" in checks[0]
    s = axes_steps(table(at), kind, groups=2)
    mu = s.mean[s.stat_of((0, 0, 0, 0))]
    assert latex(at).split("\n")[1].endswith(f"= {tex_number(mu)}")  # the mean line
    assert (r"\text{running\_mean}" in latex(at)) == (kind == "batch")
    lit = int((figure_z(at) >= 2).sum())
    assert lit == s.count  # the grid lights exactly the values of the followed mean


def test_following_another_element_moves_the_highlight_and_the_lines():
    at = open_page()
    at.radio(key="ax_kind").set_value("instance").run()
    at.selectbox(key="ax_at_n").set_value(1).run()
    at.selectbox(key="ax_at_c").set_value(2).run()
    assert r"\mu_{n=2,c=3}" in latex(at)
    z = figure_z(at)
    assert z[2, 7 + 0] == 3  # example 2's block starts after 6 positions and a gap column
    assert (z[2, 7:13] >= 2).all() and int((z >= 2).sum()) == 6


def test_group_count_follows_the_channels():
    at = open_page()
    at.radio(key="ax_kind").set_value("group").run()
    assert at.selectbox(key="ax_groups").options == ["1", "2", "4"]
    at.selectbox(key="ax_groups").set_value(4).run()
    assert "GroupNorm(4, 4)" in at.success[0].value
    at.number_input(key="ax_c").set_value(6).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="ax_groups").options == ["1", "2", "3", "6"]
    assert at.selectbox(key="ax_groups").value == 3  # the nearest divisor of the new C
    assert "GroupNorm(3, 6)" in at.success[0].value


def test_changing_the_shape_keeps_the_values_typed_so_far():
    at = open_page()
    before = table(at)
    at.number_input(key="ax_n").set_value(3).run()
    at.number_input(key="ax_w").set_value(2).run()
    assert at.session_state["ax_shape"] == (3, 4, 2, 2)
    np.testing.assert_array_equal(table(at)[:2], before[:, :, :, :2])
    assert "3 × 4 × 2 × 2" in " ".join(c.value for c in at.caption)
    assert not at.error and "BatchNorm2d(4)" in at.success[0].value


def test_a_batch_features_table_says_so():
    at = open_page()
    for key in ("ax_h", "ax_w"):
        at.number_input(key=key).set_value(1).run()
    assert any("(batch, features)" in i.value for i in at.info)
    at.radio(key="ax_kind").set_value("instance").run()
    assert any("InstanceNorm2d refuses" in m for m in errors(at))
    assert any("last valid input: batch norm of a 2 × 4 × 1 × 1 tensor" in m for m in errors(at))
    assert "BatchNorm2d" in at.success[0].value  # still batch norm's last valid result
    at.radio(key="ax_kind").set_value("layer").run()
    assert not at.error and "LayerNorm([4, 1, 1])" in at.success[0].value


BAD_CELLS = [
    ("abc", "example 1, channel 2, position (1, 1) holds 'abc', which is not a number"),
    ("", "is empty"),
    (None, "is empty"),
    ("nan", "finite"),
    ("1e300", "too large for float64"),
]


def test_a_bad_cell_is_explained_and_the_last_valid_result_stays():
    at = open_page()
    before = latex(at)
    for value, phrase in BAD_CELLS:
        at.session_state[EDITOR] = {
            "edited_rows": {1: {"(1, 1)": value}},
            "added_rows": [],
            "deleted_rows": [],
        }
        at.run()
        assert not at.exception
        assert any(phrase in m for m in errors(at)), (value, errors(at))
        assert any(
            "last valid input: batch norm of a 2 × 4 × 2 × 3 tensor" in m for m in errors(at)
        )
        assert latex(at) == before
    at.session_state[EDITOR] = {
        "edited_rows": {1: {"(1, 1)": "0.5"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.error
    assert r"\mu_{c=2}" not in latex(at)  # still following channel 1
    at.selectbox(key="ax_at_c").set_value(1).run()
    assert r"\left(0.5 " in latex(at)


def test_an_over_budget_shape_is_refused_and_the_tensor_kept():
    at = open_page()
    at.number_input(key="ax_h").set_value(8).run()
    at.number_input(key="ax_w").set_value(8).run()
    assert any("512 values, more than the 256" in m for m in errors(at))
    assert at.session_state["ax_shape"] == (2, 4, 8, 3)  # H = 8 fitted; W = 8 did not
    assert at.success and "BatchNorm2d(4)" in at.success[0].value
    at.number_input(key="ax_w").set_value(2).run()
    assert not at.error and at.session_state["ax_shape"] == (2, 4, 8, 2)


def test_a_bad_gamma_and_a_bad_eps_are_explained():
    at = open_page()
    at.session_state["ax_affine_editor_0"] = {
        "edited_rows": {2: {"γ (gamma)": "two"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert any("gamma, channel 3" in m for m in errors(at))
    at.session_state["ax_affine_editor_0"] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.number_input(key="ax_eps").set_value(0.0).run()
    assert any("must be greater than 0" in m for m in errors(at))
    assert not at.exception


def test_random_tensor_and_cell_values():
    at = open_page()
    before = table(at)
    at.button(key="ax_random").click().run()
    assert not np.array_equal(before, table(at)) and table(at).shape == before.shape
    at.segmented_control(key="ax_values").set_value("y").run()
    assert not at.exception


def test_gamma_and_beta_reach_y_and_survive_a_shape_change():
    at = open_page()
    at.session_state["ax_affine_editor_0"] = {
        "edited_rows": {0: {"γ (gamma)": "2", "β (beta)": "-1"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    y_line = next(line for line in latex(at).split("$$") if line.strip().startswith("y_"))
    assert r"= 2 \cdot" in y_line and "+ (-1) =" in y_line
    at.number_input(key="ax_c").set_value(5).run()  # a new channel: gamma 1, beta 0
    assert at.session_state["ax_gamma"] == ["2", "1", "1", "1", "1"]
    assert at.session_state["ax_beta"] == ["-1", "0", "0", "0", "0"]
    assert "BatchNorm2d(5)" in at.success[0].value


columns = st.sampled_from(["(1, 1)", "(2, 3)", "(9, 9)", "_index", "γ (gamma)", "β (beta)", "x"])
payloads = st.fixed_dictionaries(
    {
        "edited_rows": st.dictionaries(
            st.integers(-5, 80), st.dictionaries(columns, cells, max_size=3), max_size=4
        ),
        "added_rows": st.lists(st.dictionaries(columns, cells), max_size=2),
        "deleted_rows": st.lists(st.integers(-2, 9), max_size=2),
    }
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    phases=[Phase.generate],  # no shrinking: an AppTest run takes a second, shrinking minutes
)
@given(
    x=payloads,
    affine=payloads,
    side=st.integers(-3, 20),
    eps=st.one_of(st.just(1e-5), st.floats(-1e300, 1e300)),
)
def test_fuzzed_payloads_and_sizes_never_break_the_page(x, affine, side, eps):
    at = open_page()
    at.session_state[EDITOR] = x
    at.session_state["ax_affine_editor_0"] = affine
    at.session_state["ax_c"] = side
    at.session_state["ax_eps"] = eps
    at.run()
    assert not at.exception, at.exception
    for e in at.error:
        assert_escaped(e.value.split("  \n")[0])  # the refused input's sentence; the rest is ours
        assert "last valid input" in shown(e.value)
    s = at.session_state["ax_shown"].steps
    assert 1 <= s.x.size <= 256 and "match" in at.success[0].value
