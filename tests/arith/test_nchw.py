"""bnviz.arith.nchw: the (N, C, H, W) budget, the text table and its round trip, resizing."""

import numpy as np
import pytest

from bnviz.arith.nchw import (
    MAX_VALUES,
    parse_channels,
    parse_rows,
    position_labels,
    random_nchw,
    resized_rows,
    row_labels,
    to_rows,
    validate_nchw,
    validate_shape,
)


def test_the_text_table_round_trips_row_major():
    x = random_nchw((2, 3, 2, 2), seed=4)
    rows = to_rows(x)
    assert len(rows) == 6 and len(rows[0]) == 4
    assert rows[4][1] == f"{x[1, 1, 0, 1]:.4f}".rstrip("0").rstrip(".")  # example 2, channel 2
    np.testing.assert_array_equal(parse_rows(rows, (2, 3, 2, 2)), x)
    assert row_labels(2, 3)[4] == "example 2 · channel 2"
    assert position_labels(2, 2) == ["(1, 1)", "(1, 2)", "(2, 1)", "(2, 2)"]


@pytest.mark.parametrize(
    ("cell", "phrase"),
    [
        ("abc", "example 2, channel 1, position (2, 1) holds 'abc'"),
        (None, "example 2, channel 1, position (2, 1) is empty"),
        ("inf", "finite"),
    ],
)
def test_a_bad_cell_is_named(cell, phrase):
    rows = to_rows(np.zeros((2, 2, 2, 1)))
    rows[2][1] = cell
    with pytest.raises(ValueError, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        parse_rows(rows, (2, 2, 2, 1))


def test_a_table_of_another_shape_is_refused():
    with pytest.raises(ValueError, match="needs 4 rows"):
        parse_rows([["1", "2"]] * 3, (2, 2, 1, 2))


@pytest.mark.parametrize(
    ("shape", "phrase"),
    [
        ((1, 2, 3), "has 3 sides"),
        ((0, 1, 1, 1), "N is 0"),
        ((1, 9, 1, 1), "C is 9"),
        ((1, 1, 2.5, 1), "whole number"),
        ((1, 1, "x", 1), "whole number"),
        ((8, 8, 8, 8), "4096 values, more than the 256"),
    ],
)
def test_shape_budget(shape, phrase):
    with pytest.raises(ValueError, match=phrase):
        validate_shape(shape)


def test_largest_shapes_within_budget_pass():
    assert validate_shape((4, 4, 4, 4)) == (4, 4, 4, 4)
    assert validate_shape((1, 4, 8, 8.0)) == (1, 4, 8, 8)
    assert np.prod(validate_shape((8, 8, 2, 2))) == MAX_VALUES


def test_batch_features_becomes_n_c_1_1():
    assert validate_nchw([[1.0, 2.0, 3.0]]).shape == (1, 3, 1, 1)


def test_resizing_keeps_the_common_cells_as_typed():
    rows = to_rows(random_nchw((2, 2, 2, 2), seed=1))
    rows[3][2] = "abc"  # example 2, channel 2, position (2, 1): kept, even if not a number yet
    grown = resized_rows(rows, (2, 2, 2, 2), (3, 2, 2, 3), seed=9)
    assert len(grown) == 6 and len(grown[0]) == 6
    assert grown[3][3] == "abc"  # position (2, 1) is column 3 once W = 3
    assert (
        grown[0][:2] == rows[0][:2] and grown[0][2] == to_rows(random_nchw((3, 2, 2, 3), 9))[0][2]
    )
    shrunk = resized_rows(grown, (3, 2, 2, 3), (1, 2, 2, 1), seed=9)
    assert shrunk == [[rows[0][0], rows[0][2]], [rows[1][0], rows[1][2]]]


def test_per_channel_cells():
    np.testing.assert_array_equal(parse_channels(["1", 2.5], "gamma", 2), [1.0, 2.5])
    with pytest.raises(ValueError, match="gamma, channel 2"):
        parse_channels(["1", "x"], "gamma", 2)
    with pytest.raises(ValueError, match="3 channels"):
        parse_channels(["1"], "beta", 3)


def test_random_tensors_differ_per_channel_and_repeat_per_seed():
    x = random_nchw((4, 3, 4, 4), seed=2)
    np.testing.assert_array_equal(x, random_nchw((4, 3, 4, 4), seed=2))
    assert np.ptp(x.mean(axis=(0, 2, 3))) > 0.5  # channels sit at visibly different offsets
    assert np.all(np.round(x, 4) == x)
