"""How the BN arithmetic page writes a number: one function per format, one set of rounding rules.

Three formats, the same rules:

- ``typed_number``: the text a student would type into a cell ("1.523", "2", "0").
- ``table_number``: a read-only table cell, always 4 decimals so the columns line up ("1.5230").
- ``tex_number``: KaTeX for ``st.latex``, trailing zeros cut like typed text ("1.523",
  "2.5 \\times 10^{-7}").

The rules: a value with ``FIXED_MIN <= |v| < FIXED_MAX`` is written in fixed point with ``DECIMALS``
decimals; a smaller or larger one in scientific notation with ``MANTISSA_DECIMALS`` decimals (the
typed format has no scientific notation: it only writes values already rounded to 4 decimals).
``0 < |v| < ROUNDOFF`` is float64 round-off of an exact 0 (e.g. the mean of x_hat): it reads "0" in a
formula and "≈ 0" in a table, which keeps it apart from an exact "0.0000". -0.0 reads as 0 everywhere.
Inputs are finite floats (the page validates them first).
"""

from __future__ import annotations

DECIMALS = 4  # the paper-sized example is given to 4 decimals; more is noise on a screen
MANTISSA_DECIMALS = 3  # 1.235e+05: four significant digits, like the fixed-point values
# Fixed point in between; below, 4 decimals keep less than 2 significant digits; above, too wide.
FIXED_MIN, FIXED_MAX = 1e-3, 1e5
ROUNDOFF = 1e-12  # |v| below this is round-off of an exact 0 (one float64 ulp of 4096 is 9e-13)


def _is_fixed(v: float) -> bool:
    return FIXED_MIN <= abs(v) < FIXED_MAX


def typed_number(v: float) -> str:
    """The text a student would type: fixed point, at most 4 decimals, no trailing zeros."""
    text = f"{float(v):.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def table_number(v: float) -> str:
    """A read-only table cell: 4 decimals, "≈ 0" for round-off of 0, e-notation if tiny or huge."""
    v = float(v)
    if v == 0:
        return f"{0.0:.{DECIMALS}f}"  # also -0.0 (e.g. gamma < 0 times an x_hat of 0)
    if _is_fixed(v):
        return f"{v:.{DECIMALS}f}"
    return "≈ 0" if abs(v) < ROUNDOFF else f"{v:.{MANTISSA_DECIMALS}e}"


def tex_number(v: float) -> str:
    """KaTeX: like ``typed_number`` for everyday sizes, a × 10^{k} for tiny or huge ones."""
    v = float(v)
    if v == 0 or abs(v) < ROUNDOFF:
        return "0"
    if _is_fixed(v):
        return typed_number(v)  # 0.1 not 0.1000: typed values read as typed
    # The table's e-notation, so a rounding carry (9.9996e-4 -> 1.000e-03) moves the exponent too.
    mantissa, exponent = f"{v:.{MANTISSA_DECIMALS}e}".split("e")
    mantissa, exponent = mantissa.rstrip("0").rstrip("."), int(exponent)
    if mantissa in ("1", "-1"):
        return f"{mantissa[:-1]}10^{{{exponent}}}"
    return rf"{mantissa} \times 10^{{{exponent}}}"
