"""bnviz.arith.stepper: the seven steps' formulas carry the core's numbers, and KaTeX strings are well formed."""

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.arith import stepper
from bnviz.arith.number_format import tex_number
from bnviz.arith.tensor_input import EXAMPLE
from bnviz.arith.worksheet import WorksheetInputs, make_worksheet


def sheet_for(x, training=True, gamma=None, beta=None, running=None, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    f = x.shape[1]
    gamma = np.ones(f) if gamma is None else np.asarray(gamma, dtype=np.float64)
    beta = np.zeros(f) if beta is None else np.asarray(beta, dtype=np.float64)
    rm, rv = running if running is not None else (np.zeros(f), np.ones(f))
    return make_worksheet(WorksheetInputs(x, gamma, beta, eps, 0.1, rm, rv, training))


def balanced(tex: str) -> bool:
    depth = 0
    for ch in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return (
        depth == 0
        # \left( pairs with \right); \leftarrow is an arrow, not a delimiter.
        and len(re.findall(r"\\left(?![a-z])", tex)) == len(re.findall(r"\\right(?![a-z])", tex))
        and tex.count(r"\begin{") == tex.count(r"\end{")
    )


def test_signed_sum_and_elision():
    assert stepper.signed_sum([-0.6577, 0.7392, -0.2]) == "-0.6577 + 0.7392 - 0.2"
    long = stepper.signed_sum(np.arange(1.0, 21.0))
    assert long == r"1 + 2 + 3 + \cdots + 20"
    assert stepper.elided(list("abcdefg")) == ["a", "b", "c", None, "g"]
    assert stepper.elided(list("abc")) == ["a", "b", "c"]


def test_registry_has_the_seven_steps_in_order():
    assert list(stepper.STEPS) == [1, 2, 3, 4, 5, 6, 7]
    names = [s.name for s in stepper.STEPS.values()]
    assert names[:5] == ["mean", "variance", "normalize", "scale", "shift"]
    for s in stepper.STEPS.values():
        assert balanced(s.formula) and balanced(s.eval_formula)
        assert s.why.endswith(".") and s.eval_why.endswith(".")


def test_worked_example_step_by_step():
    sheet = sheet_for(EXAMPLE)
    tex = {n: stepper.substituted(sheet, n, 0) for n in stepper.STEPS}
    assert tex[1] == r"\mu_1 = \frac{1}{3}\left(-0.6577 + 0.7392 + 0.2432\right) = 0.1082"
    assert r"(-0.6577 - 0.1082)^2" in tex[2] and tex[2].endswith("= 0.3343")
    assert r"\begin{pmatrix} -1.3246 \\ 1.0912 \\ 0.2334 \end{pmatrix}" in tex[3]
    assert tex[5].endswith(r"\begin{pmatrix} -1.3246 \\ 1.0912 \\ 0.2334 \end{pmatrix}")
    assert "= 0.0108" in tex[6] and "= 0.9501" in tex[6] and r"\tfrac{3}{2}" in tex[6]
    assert tex[7].endswith(r"\begin{pmatrix} -0.6858 \\ 0.7472 \\ 0.2384 \end{pmatrix}")
    assert all(balanced(t) for t in tex.values())


@settings(max_examples=20, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_substituted_numbers_are_the_cores(batch, features, seed, training):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, features)) * 3
    if training and batch < 2:
        x = np.vstack([x, x + 1])
    running = (rng.normal(size=features), rng.uniform(0.5, 2, size=features))
    sheet = sheet_for(
        x, training, rng.uniform(0.5, 2, features), rng.normal(size=features), running
    )
    s = sheet.shown
    for j in range(features):
        tex = {n: stepper.substituted(sheet, n, j) for n in stepper.STEPS}
        assert all(balanced(t) for t in tex.values())
        assert tex[1].endswith(f"= {tex_number(s.mean[j])}")
        assert tex[2].endswith(f"= {tex_number(s.var[j])}")
        assert tex[5].endswith(stepper.numbers(s.y[:, j]))
        assert tex[7].endswith(stepper.numbers(sheet.eval_output[:, j]))
        if training:
            assert f"= {tex_number(sheet.train.running_var[j])}" in tex[6]
        if len(x) > stepper.FULL_BATCH:
            assert r"\vdots" in tex[3]


def test_results_have_the_right_shapes():
    sheet = sheet_for(np.arange(12.0).reshape(4, 3) ** 1.5)
    shapes = {n: stepper.result(sheet, n)[0].shape for n in stepper.STEPS}
    assert shapes == {1: (1, 3), 2: (2, 3), 3: (4, 3), 4: (4, 3), 5: (4, 3), 6: (4, 3), 7: (4, 3)}
    values, labels = stepper.result(sheet, 6)
    np.testing.assert_array_equal(values[1], sheet.train.running_mean)
    assert len(labels) == 4


def test_eval_mode_uses_the_running_stats():
    sheet = sheet_for(
        [[1.0, 2.0]], training=False, running=(np.array([0.5, 1.0]), np.array([4.0, 1.0]))
    )
    assert stepper.substituted(sheet, 1, 0) == r"\mu_1 = \text{running\_mean}_1 = 0.5"
    assert stepper.substituted(sheet, 2, 0) == r"\sigma_1^2 = \text{running\_var}_1 = 4"
    assert "running" in stepper.substituted(sheet, 6, 0)


def test_notes_for_constant_and_nearly_constant_columns():
    x = np.array([[2.0, 1.0, 5.0], [2.0, 3.0, 5.000001], [2.0, 5.0, 5.0]])
    sheet = sheet_for(x)
    assert "constant" in stepper.note(sheet, 3, 0)
    assert stepper.note(sheet, 3, 1) is None
    assert "barely varies" in stepper.note(sheet, 2, 2)
    assert stepper.note(sheet, 5, 0) is None
    assert re.search(r"\\hat\{x\}_\{:,1\}", stepper.substituted(sheet, 3, 0))
