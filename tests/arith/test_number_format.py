"""bnviz.arith.number_format: three formats (typed cell, table, KaTeX) under one set of rounding rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bnviz.arith.number_format import (
    FIXED_MAX,
    FIXED_MIN,
    ROUNDOFF,
    table_number,
    tex_number,
    typed_number,
)

# value, typed, table, KaTeX
CASES = [
    (0.0, "0", "0.0000", "0"),
    (-0.0, "0", "0.0000", "0"),  # e.g. gamma < 0 times an x_hat of 0
    (3e-17, "0", "≈ 0", "0"),  # float64 round-off of an exact 0
    (-4e-13, "0", "≈ 0", "0"),
    (0.1082, "0.1082", "0.1082", "0.1082"),
    (0.1, "0.1", "0.1000", "0.1"),
    (1.0, "1", "1.0000", "1"),
    (1.523, "1.523", "1.5230", "1.523"),
    (-0.65771, "-0.6577", "-0.6577", "-0.6577"),
    (-0.00001, "0", "-1.000e-05", r"-10^{-5}"),  # tiny: typed text rounds it away
    (1e-5, "0", "1.000e-05", "10^{-5}"),
    (-2.5e-7, "0", "-2.500e-07", r"-2.5 \times 10^{-7}"),
    (2e-12, "0", "2.000e-12", r"2 \times 10^{-12}"),  # tiny but above round-off: still shown
    (123456.0, "123456", "1.235e+05", r"1.235 \times 10^{5}"),  # huge
    (-4.5e7, "-45000000", "-4.500e+07", r"-4.5 \times 10^{7}"),
]


@pytest.mark.parametrize(("value", "typed", "table", "tex"), CASES)
def test_edge_cases(value, typed, table, tex):
    assert typed_number(value) == typed
    assert table_number(value) == table
    assert tex_number(value) == tex


def test_a_rounding_carry_moves_the_exponent():
    assert table_number(9.9996e-4) == "1.000e-03"
    assert tex_number(9.9996e-4) == "10^{-3}"  # not "10 \times 10^{-4}"
    assert tex_number(-999996.0) == "-10^{6}"


def test_range_limits():
    assert table_number(FIXED_MIN) == "0.0010" and tex_number(FIXED_MIN) == "0.001"
    assert table_number(FIXED_MAX) == "1.000e+05" and tex_number(FIXED_MAX) == "10^{5}"
    assert tex_number(ROUNDOFF) == "10^{-12}" and table_number(ROUNDOFF) == "1.000e-12"


everyday = st.floats(FIXED_MIN, FIXED_MAX, exclude_max=True) | st.floats(
    -FIXED_MAX, -FIXED_MIN, exclude_min=True
)


@given(everyday)
def test_fixed_point_formats_agree_on_the_value(v):
    # Same rounding: the typed text, the table cell and the formula all read as v to 4 decimals.
    assert float(typed_number(v)) == float(table_number(v)) == float(tex_number(v)) == round(v, 4)
    assert tex_number(v) == typed_number(v)


def tex_value(tex: str) -> float:
    """The number a KaTeX "m \\times 10^{k}" or "10^{k}" stands for."""
    head, exponent = tex.removesuffix("}").split("10^{")
    head = head.removesuffix(r" \times ")
    mantissa = float(head + "1") if head in ("", "-") else float(head)
    return mantissa * 10.0 ** int(exponent)


scientific = st.floats(-1e300, 1e300).filter(
    lambda v: abs(v) >= FIXED_MAX or ROUNDOFF <= abs(v) < FIXED_MIN
)


@given(scientific)
def test_scientific_formats_agree_on_the_value(v):
    # The formula shows the table's mantissa without trailing zeros: the same 4 significant digits.
    mantissa, exponent = table_number(v).split("e")
    assert tex_value(tex_number(v)) == float(mantissa) * 10.0 ** int(exponent)
    assert abs(float(mantissa)) < 10 and float(table_number(v)) == pytest.approx(v, rel=5e-4)
