"""One element of an ``AxesSteps``, followed through its norm with the numbers substituted.

For element (n, c, h, w): which values formed its mean and variance (a sentence and their indices),
then the lines the BN stepper writes for a column, here for one value:

    mu_s      = 1/k (x_1 + ... + x_k)
    sigma^2_s = 1/k ((x_1 - mu_s)^2 + ... + (x_k - mu_s)^2)
    x_hat     = (x - mu_s) / sqrt(sigma^2_s + eps)
    y         = gamma x_hat + beta
    (batch norm) running_mean, running_var <- their momentum update with k/(k-1) sigma^2_s

Every line is KaTeX for ``st.latex``; long sums are elided as in the stepper. Indices are 0-based in,
1-based in every string (as a student counts). The sentence is in the language of ``_``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.arith.axes import AxesSteps
from bnviz.arith.number_format import tex_number
from bnviz.arith.stepper import elided, paren, signed_sum
from bnviz.i18n import ENGLISH, N_, Gettext, UserError

SQUARES_HEAD = 2  # squared deviations before the dots: each term is twice as wide as a value

# Which values one statistic averages, per kind; full sentences so they translate whole.
MEMBERS = {
    "batch": N_(
        "μ and σ² of channel {c} are taken over its {k} values: all {n_all} examples × "
        "{positions} positions."
    ),
    "layer": N_(
        "μ and σ² of example {n} are taken over its {k} values: all {c_all} channels × "
        "{positions} positions."
    ),
    "instance": N_(
        "μ and σ² of example {n}, channel {c} are taken over its {k} values: the {positions} "
        "positions of that one channel of that one example."
    ),
    "group": N_(
        "μ and σ² of example {n}, group {g} are taken over its {k} values: channels {c_first} "
        "to {c_last} × {positions} positions."
    ),
}


@dataclass(frozen=True)
class ElementSteps:
    index: tuple[int, int, int, int]  # (n, c, h, w), 0-based
    stat: int  # the statistic it is normalized with
    members: np.ndarray  # (count, 4) indices of the values that formed that statistic
    sentence: str  # which values those are, in words
    lines: tuple[tuple[str, str], ...]  # (step name, KaTeX with numbers)


def _subscript(s: AxesSteps, index: tuple[int, ...]) -> str:
    """The statistic's subscript: c=2 (batch), n=1 (layer), n=1,c=2 (instance), n=1,g=2 (group)."""
    n, c = index[0] + 1, index[1] + 1
    channels = s.x.shape[1]
    if s.kind == "batch":
        return f"c={c}"
    if s.kind == "layer":
        return f"n={n}"
    if s.kind == "instance":
        return f"n={n},c={c}"
    return f"n={n},g={index[1] // (channels // s.groups) + 1}"


def _sentence(s: AxesSteps, index: tuple[int, ...], _: Gettext) -> str:
    n_all, c_all, h, w = s.x.shape
    per_group = c_all // s.groups
    g = index[1] // per_group
    return _(MEMBERS[s.kind]).format(
        n=index[0] + 1,
        c=index[1] + 1,
        g=g + 1,
        k=s.count,
        n_all=n_all,
        c_all=c_all,
        positions=h * w,
        c_first=g * per_group + 1,
        c_last=(g + 1) * per_group,
    )


def element_steps(s: AxesSteps, index, _: Gettext = ENGLISH) -> ElementSteps:
    """The substitution lines for element ``index`` = (n, c, h, w), 0-based, of ``s.x``; the
    sentence in ``_``'s language."""
    index = tuple(int(i) for i in index)
    if len(index) != 4 or not all(0 <= i < d for i, d in zip(index, s.x.shape, strict=True)):
        raise UserError(
            N_("The element {index} is not in a tensor of shape {shape}."),
            index=index,
            shape=s.x.shape,
        )
    stat = s.stat_of(index)
    members = s.member_indices(stat)
    values = [float(s.x[tuple(m)]) for m in members]
    sub, k = _subscript(s, index), s.count
    at = ",".join(str(i + 1) for i in index)
    mu, var, std = s.mean[stat], s.var[stat], s.std[stat]
    x, x_hat, y = s.x[index], s.x_hat[index], s.y[index]
    gamma, beta = s.affine_at(index)
    c = index[1] + 1
    param = f"{c}" if s.gamma.ndim == 1 else f"{c},{index[2] + 1},{index[3] + 1}"
    squares = [
        r"\cdots" if v is None else rf"({tex_number(v)} - {paren(mu)})^2"
        for v in elided(values, head=SQUARES_HEAD)
    ]
    lines = [
        (
            "mean",
            rf"\mu_{{{sub}}} = \frac{{1}}{{{k}}}\left({signed_sum(values)}\right) = {tex_number(mu)}",
        ),
        (
            "variance",
            rf"\sigma^2_{{{sub}}} = \frac{{1}}{{{k}}}\left({' + '.join(squares)}\right) = {tex_number(var)}",
        ),
        (
            "normalize",
            rf"\hat{{x}}_{{{at}}} = \frac{{x_{{{at}}} - \mu_{{{sub}}}}}{{\sqrt{{\sigma^2_{{{sub}}} + \epsilon}}}}"
            rf" = \frac{{{tex_number(x)} - {paren(mu)}}}{{\sqrt{{{tex_number(var)} + {tex_number(s.eps)}}}}}"
            rf" = \frac{{{tex_number(x - mu)}}}{{{tex_number(std)}}} = {tex_number(x_hat)}",
        ),
        (
            "scale and shift",
            rf"y_{{{at}}} = \gamma_{{{param}}}\,\hat{{x}}_{{{at}}} + \beta_{{{param}}}"
            rf" = {paren(gamma)} \cdot {paren(x_hat)} + {paren(beta)} = {tex_number(y)}",
        ),
    ]
    if s.kind == "batch":
        lines.append(("running statistics", _running(s, index[1], k)))
    return ElementSteps(index, stat, members, _sentence(s, index, _), tuple(lines))


def _running(s: AxesSteps, c: int, k: int) -> str:
    """Batch norm's running-statistic update for channel ``c`` (0-based), numbers substituted."""
    a, j = tex_number(s.momentum), c + 1
    rm, rv = r"\text{running\_mean}", r"\text{running\_var}"
    return (
        rf"\begin{{aligned}} {rm}_{{{j}}} &\leftarrow (1 - {a}) \cdot {paren(s.running_mean_before[c])}"
        rf" + {a} \cdot {paren(s.mean[c])} = {tex_number(s.running_mean[c])} \\ "
        rf"{rv}_{{{j}}} &\leftarrow (1 - {a}) \cdot {paren(s.running_var_before[c])} + {a} \cdot "
        rf"\tfrac{{{k}}}{{{k - 1}}} \cdot {tex_number(s.var[c])} = {tex_number(s.running_var[c])}"
        r" \end{aligned}"
    )
