"""The seven steps of the BN stepper: formula, the same formula with numbers, result, and why.

A registry ``STEPS`` (number -> Step) holds the text; the functions below fill in the numbers of one
feature column ``j`` (0-based) of a ``Worksheet``. Everything returns KaTeX strings for ``st.latex`` and
plain arrays, so it is testable without Streamlit. Small batches show every term of a sum; from
``FULL_BATCH + 1`` rows on, the middle terms are elided with dots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bnviz.arith.number_format import tex_number
from bnviz.arith.tensor_input import example_labels
from bnviz.arith.worksheet import Worksheet
from bnviz.i18n import ENGLISH, N_, Gettext

FULL_BATCH = 6  # up to this many examples every term is written out; beyond, the middle is elided
HEAD = 3  # terms shown before the dots when elided


@dataclass(frozen=True)
class Step:
    """One step's text; ``name``, ``why``, ``eval_why`` (and a formula holding words) are msgids:
    translate them where they are shown."""

    number: int
    name: str
    formula: str  # KaTeX, train mode
    why: str  # one sentence, train mode
    eval_formula: str  # KaTeX, eval mode
    eval_why: str


RM, RV = r"\text{running\_mean}_j", r"\text{running\_var}_j"

STEPS: dict[int, Step] = {
    s.number: s
    for s in (
        Step(1, N_("mean"), r"\mu_j = \frac{1}{m}\sum_{i=1}^{m} x_{ij}",
             N_("Subtracting the batch mean removes whatever offset the layer below drifted to: "
                "x̂ is centred on 0 in every batch, and after step 5 the feature sits at the "
                "learned β."),
             rf"\mu_j = {RM}",
             N_("In eval mode the mean is a fixed number, so an example's output no longer "
                "depends on which other examples share its batch.")),
        Step(2, N_("variance"), r"\sigma_j^2 = \frac{1}{m}\sum_{i=1}^{m} (x_{ij} - \mu_j)^2",
             N_("Dividing by m (not m − 1) gives this batch's own spread, exactly what step 3 "
                "needs to make the variance 1."),
             rf"\sigma_j^2 = {RV}",
             N_("In eval mode the variance is the running estimate, not the spread of this "
                "batch.")),
        Step(3, N_("normalize"), r"\hat{x}_{ij} = \frac{x_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}",
             N_("Now every feature has mean 0 and variance 1 on this batch, whatever scale the "
                "layer below produced; ε only guards against dividing by zero."),
             r"\hat{x}_{ij} = \frac{x_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}",
             N_("The same division with running statistics: x̂ has mean 0 and variance 1 only as "
                "far as those statistics match this data.")),
        Step(4, N_("scale"), r"\gamma_j \, \hat{x}_{ij}",
             N_("γ is learned, so the network can pick any spread again (γ = √(σ² + ε) together "
                "with β = μ would even undo the normalization)."), r"\gamma_j \, \hat{x}_{ij}",
             N_("γ is the learned scale, as in training.")),
        Step(5, N_("shift"), r"y_{ij} = \gamma_j \, \hat{x}_{ij} + \beta_j",
             N_("β is learned too: the network, not the batch, decides where each feature sits."),
             r"y_{ij} = \gamma_j \, \hat{x}_{ij} + \beta_j",
             N_("This is the eval-mode output: a fixed affine map per feature.")),
        Step(6, N_("running-stat update"),
             rf"\begin{{aligned}} {RM} &\leftarrow (1 - \alpha)\,{RM} + \alpha\,\mu_j \\ "
             rf"{RV} &\leftarrow (1 - \alpha)\,{RV} + \alpha\,\tfrac{{m}}{{m-1}}\,\sigma_j^2 "
             r"\end{aligned}",
             N_("The paper's Algorithm 2 averages the statistics of many training batches for "
                "inference; torch keeps this moving average instead, a cheap stand-in updated "
                "every step (α is torch's momentum). m/(m − 1) makes each batch's variance "
                "unbiased."),
             N_(r"\text{eval mode: the running statistics are read, not updated}"),
             N_("Only a training step moves the running statistics; press “Apply one training "
                "step”.")),
        Step(7, N_("eval-mode output"),
             rf"y_{{ij}} = \gamma_j \, \frac{{x_{{ij}} - {RM}}}{{\sqrt{{{RV} + \epsilon}}}} + \beta_j",
             N_("At inference the running statistics replace the batch's (the last step of the "
                "paper's Algorithm 2), so one example gets the same output alone or in any "
                "batch."),
             rf"y_{{ij}} = \gamma_j \, \frac{{x_{{ij}} - {RM}}}{{\sqrt{{{RV} + \epsilon}}}} + \beta_j",
             N_("In eval mode step 5 already was this output.")),
    )
}  # fmt: skip


def paren(v: float) -> str:
    """A number safe to put after an operator: negatives in parentheses."""
    text = tex_number(v)
    return f"({text})" if text.startswith("-") else text


def elided(items: Sequence[str], full: int = FULL_BATCH, head: int = HEAD) -> list[str | None]:
    """All items if few, else the first ``head``, None (the dots) and the last one."""
    items = list(items)
    if len(items) <= full:
        return items
    return [*items[:head], None, items[-1]]


def signed_sum(values: Sequence[float]) -> str:
    """-0.6577 + 0.7392 - 0.5797, eliding the middle of long sums."""
    parts = []
    for k, v in enumerate(elided([float(v) for v in values])):
        if v is None:
            parts.append(r"+ \cdots")
        elif k == 0:
            parts.append(tex_number(v))
        else:
            sign = "-" if tex_number(v).startswith("-") else "+"
            parts.append(f"{sign} {tex_number(abs(v))}")
    return " ".join(parts)


def column(entries: Sequence[str]) -> str:
    """A column vector of KaTeX entries, rows elided for large batches."""
    rows = [r"\vdots" if e is None else e for e in elided(entries)]
    return r"\begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}"


def numbers(values: Sequence[float]) -> str:
    return column([tex_number(v) for v in values])


def substituted(sheet: Worksheet, number: int, j: int) -> str:
    """Step ``number``'s formula with the numbers of feature column ``j`` (0-based) filled in."""
    s, i = sheet.shown, sheet.inputs
    x, m, k = s.x[:, j], s.x.shape[0], j + 1
    mu, var, std = s.mean[j], s.var[j], s.std[j]
    eps = tex_number(s.eps)
    training = i.training
    if number == 1:
        if not training:
            return rf"\mu_{k} = \text{{running\_mean}}_{k} = {tex_number(mu)}"
        return rf"\mu_{k} = \frac{{1}}{{{m}}}\left({signed_sum(x)}\right) = {tex_number(mu)}"
    if number == 2:
        if not training:
            return rf"\sigma_{k}^2 = \text{{running\_var}}_{k} = {tex_number(var)}"
        terms = [
            r"\cdots" if t is None else rf"({tex_number(t)} - {paren(mu)})^2"
            for t in elided([float(v) for v in x])
        ]
        return (
            rf"\sigma_{k}^2 = \frac{{1}}{{{m}}}\left({' + '.join(terms)}\right) = {tex_number(var)}"
        )
    if number == 3:
        rows = [rf"{tex_number(v)} - {paren(mu)}" for v in x]
        return (
            rf"\hat{{x}}_{{:,{k}}} = \frac{{1}}{{\sqrt{{{tex_number(var)} + {eps}}}}}{column(rows)}"
            rf" = \frac{{1}}{{{tex_number(std)}}}{numbers(x - mu)} = {numbers(s.x_hat[:, j])}"
        )
    if number == 4:
        return (
            rf"\gamma_{k}\,\hat{{x}}_{{:,{k}}} = {paren(s.gamma[j])} \cdot {numbers(s.x_hat[:, j])}"
            rf" = {numbers(s.scaled[:, j])}"
        )
    if number == 5:
        return (
            rf"y_{{:,{k}}} = {numbers(s.scaled[:, j])} + {paren(s.beta[j])} = {numbers(s.y[:, j])}"
        )
    if number == 6:
        return _running_update(sheet, j)
    return _eval_output(sheet, j)


def _running_update(sheet: Worksheet, j: int) -> str:
    i, k = sheet.inputs, j + 1
    rm, rv = tex_number(i.running_mean[j]), tex_number(i.running_var[j])
    if not i.training:
        return rf"\text{{running\_mean}}_{k} = {rm}, \quad \text{{running\_var}}_{k} = {rv}"
    t, a = sheet.train, tex_number(i.momentum)
    m = t.x.shape[0]
    return (
        rf"\begin{{aligned}} \text{{running\_mean}}_{k} &\leftarrow (1 - {a}) \cdot {paren(i.running_mean[j])}"
        rf" + {a} \cdot {paren(t.mean[j])} = {tex_number(t.running_mean[j])} \\ "
        rf"\text{{running\_var}}_{k} &\leftarrow (1 - {a}) \cdot {rv} + {a} \cdot \tfrac{{{m}}}{{{m - 1}}}"
        rf" \cdot {tex_number(t.var[j])} = {tex_number(t.running_var[j])} \end{{aligned}}"
    )


def _eval_output(sheet: Worksheet, j: int) -> str:
    i, k = sheet.inputs, j + 1
    if i.training:
        rm, rv = sheet.train.running_mean[j], sheet.train.running_var[j]
    else:
        rm, rv = i.running_mean[j], i.running_var[j]
    x = sheet.shown.x[:, j]
    rows = [rf"{tex_number(v)} - {paren(rm)}" for v in x]
    gamma, beta = paren(i.gamma[j]), paren(i.beta[j])
    return (
        rf"y_{{:,{k}}} = {gamma} \cdot \frac{{1}}{{\sqrt{{{tex_number(rv)} + {tex_number(i.eps)}}}}}"
        rf"{column(rows)} + {beta} = {numbers(sheet.eval_output[:, j])}"
    )


def result(sheet: Worksheet, number: int, _: Gettext = ENGLISH) -> tuple[np.ndarray, list[str]]:
    """The tensor a step produces and its row labels; the page highlights the chosen column."""
    s = sheet.shown
    if number == 1:
        return s.mean[None, :], [_("μ (mean)") if sheet.inputs.training else "μ = running_mean"]
    if number == 2:
        return np.stack([s.var, s.std]), [_("σ² (variance)"), "√(σ² + ε)"]
    if number == 6:
        i = sheet.inputs
        after = sheet.train if i.training else None
        new_mean = after.running_mean if after else i.running_mean
        new_var = after.running_var if after else i.running_var
        rows = [i.running_mean, new_mean, i.running_var, new_var]
        labels = [
            _("running_mean before"),
            _("running_mean after"),
            _("running_var before"),
            _("running_var after"),
        ]
        return np.stack(rows), labels
    tensor = {3: s.x_hat, 4: s.scaled, 5: s.y, 7: sheet.eval_output}[number]
    return tensor, example_labels(s.x.shape[0], _)


def note(sheet: Worksheet, number: int, j: int, _: Gettext = ENGLISH) -> str | None:
    """An extra sentence when feature ``j`` is a special case (constant column, eps dominates)."""
    s = sheet.shown
    if number not in (2, 3) or not sheet.inputs.training or s.var[j] >= s.eps:
        return None
    if s.var[j] == 0:
        return _(
            "Feature {feature} is constant: its variance is 0, so eps alone sets the divisor "
            "√(0 + ε), every x̂ is 0 and the output is just β."
        ).format(feature=j + 1)
    return _(
        "Feature {feature} barely varies: its variance ({var:.2g}) is below eps ({eps:g}), so eps "
        "mostly sets the divisor and x̂ stays near 0 instead of reaching variance 1."
    ).format(feature=j + 1, var=s.var[j], eps=s.eps)
