"""bnviz.arith.tensor_input: parsing what a student typed, and the table edits behind the buttons."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bnviz.arith import tensor_input as ti


def test_example_table_round_trips():
    np.testing.assert_array_equal(ti.parse_tensor(ti.example_table()), np.array(ti.EXAMPLE))


@pytest.mark.parametrize(
    ("cell", "phrase"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        (None, "is empty"),
        ("abc", "'abc', which is not a number"),
        ("1,5", "not a number"),
        ("nan", "finite"),
        ("-inf", "finite"),
        (True, "not a number"),
    ],
)
def test_bad_cells_name_the_cell(cell, phrase):
    rows = [["1", "2"], ["3", cell]]
    with pytest.raises(ValueError) as info:
        ti.parse_tensor(rows)
    assert phrase in str(info.value)
    assert "row 2, feature 2" in str(info.value)


def test_typographic_minus_and_exponents_parse():
    np.testing.assert_array_equal(ti.parse_tensor([["\u22121.5", " 2e-3 "]]), [[-1.5, 0.002]])


def test_parse_vector_checks_length():
    with pytest.raises(ValueError, match="gamma has 2 values but the tensor has 3 features"):
        ti.parse_vector(["1", "1"], "gamma", 3)
    np.testing.assert_array_equal(ti.parse_vector(["1", "-0.5"], "beta", 2), [1.0, -0.5])


@given(st.integers(1, ti.MAX_BATCH), st.integers(1, ti.MAX_FEATURES), st.integers(0, 10**6))
def test_random_table_has_the_shape_asked_for(batch, features, seed):
    x = ti.parse_tensor(ti.random_table(batch, features, seed))
    assert x.shape == (batch, features)


def test_table_edits_respect_bounds_and_do_not_mutate():
    rows = ti.example_table()
    before = [list(r) for r in rows]
    assert len(ti.with_row_added(rows)) == 4
    assert len(ti.with_feature_added(rows)[0]) == 4
    assert len(ti.with_row_removed(rows)) == 2
    assert len(ti.with_feature_removed(rows)[0]) == 2
    assert rows == before
    one = [["1"]]
    assert ti.with_row_removed(one) == one and ti.with_feature_removed(one) == one
    full = ti.random_table(ti.MAX_BATCH, ti.MAX_FEATURES, 0)
    assert len(ti.with_row_added(full)) == ti.MAX_BATCH
    assert len(ti.with_feature_added(full)[0]) == ti.MAX_FEATURES


def test_resized_vector():
    assert ti.resized_vector(["2", "3"], 3, "1") == ["2", "3", "1"]
    assert ti.resized_vector(["2", "3"], 1, "1") == ["2"]


def test_tables_are_written_as_typed_and_labelled_from_1():
    assert ti.to_table([[1.5230, -0.00001], [2.0, -0.65771]]) == [["1.523", "0"], ["2", "-0.6577"]]
    assert ti.example_labels(2) == ["example 1", "example 2"]
    assert ti.feature_labels(3) == ["feature 1", "feature 2", "feature 3"]
    assert ti.feature_label(2) == "feature 3"


def test_apply_edits_overlays_the_editor_state():
    rows = [["1", "2"], ["3", "4"]]
    edited = {1: {"feature 2": "9"}, "0": {"feature 1": None}, 5: {"feature 1": "x"}}
    out = ti.apply_edits(rows, edited, ["feature 1", "feature 2"])
    assert out == [[None, "2"], ["3", "9"]]
    assert rows == [["1", "2"], ["3", "4"]]


def test_check_shape_refuses_tables_that_are_not_the_pages():
    from bnviz.arith.tensor_input import MAX_BATCH, check_shape

    table = [["1", "2"], ["3", "4"], ["5", "6"]]
    check_shape(table, ["1", "1"], ["0", "0"], (3, 2))  # as drawn: fine
    for rows, gamma, expected in [
        (table + [["7", "8"]], ["1", "1"], (3, 2)),  # a row more than the page drew
        (table, ["1"], (3, 2)),  # gamma too short
        ([["1", "2"]] * (MAX_BATCH + 1), ["1", "1"], (MAX_BATCH + 1, 2)),  # past the limit
        ([], [], (0, 0)),
    ]:
        with pytest.raises(ValueError, match="add/remove buttons"):
            check_shape(rows, gamma, gamma, expected)
