"""bnviz.arith.element_steps: one element's substitution lines and the values behind its statistic."""

import numpy as np
import pytest

from bnviz.arith.axes import KINDS, axes_steps
from bnviz.arith.element_steps import element_steps
from bnviz.arith.number_format import typed_number

X = np.array([[[[1.0, 3.0]], [[2.0, 6.0]]], [[[5.0, 7.0]], [[-2.0, 0.0]]]])  # (2, 2, 1, 2)


def test_instance_norm_lines_with_every_number():
    s = axes_steps(X, "instance", gamma=[2.0, 0.5], beta=[0.0, 1.0], eps=1e-5)
    e = element_steps(s, (0, 1, 0, 1))  # x = 6, its set is {2, 6}: mean 4, variance 4
    lines = dict(e.lines)
    assert lines["mean"] == r"\mu_{n=1,c=2} = \frac{1}{2}\left(2 + 6\right) = 4"
    assert (
        lines["variance"]
        == r"\sigma^2_{n=1,c=2} = \frac{1}{2}\left((2 - 4)^2 + (6 - 4)^2\right) = 4"
    )
    x_hat = 2 / np.sqrt(4 + 1e-5)
    assert lines["normalize"].endswith(f"= {typed_number(x_hat)}")
    assert r"\sqrt{4 + 10^{-5}}" in lines["normalize"]
    assert lines["scale and shift"].endswith(f"= {typed_number(0.5 * x_hat + 1)}")
    assert r"\gamma_{2}" in lines["scale and shift"]
    np.testing.assert_array_equal(e.members, [[0, 1, 0, 0], [0, 1, 0, 1]])
    assert "the 2 positions of that one channel" in e.sentence
    assert "running" not in lines


@pytest.mark.parametrize(
    ("kind", "members", "subscript", "phrase"),
    [
        ("batch", [[0, 0, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0], [1, 0, 0, 1]], "c=1",
         "channel 1 are taken over its 4 values: all 2 examples × 2 positions"),
        ("layer", [[1, 0, 0, 0], [1, 0, 0, 1], [1, 1, 0, 0], [1, 1, 0, 1]], "n=2",
         "example 2 are taken over its 4 values: all 2 channels × 2 positions"),
        ("group", [[1, 0, 0, 0], [1, 0, 0, 1], [1, 1, 0, 0], [1, 1, 0, 1]], "n=2,g=1",
         "example 2, group 1 are taken over its 4 values: channels 1 to 2 × 2 positions"),
    ],
)  # fmt: skip
def test_which_values_form_the_statistic(kind, members, subscript, phrase):
    s = axes_steps(X, kind, groups=1)
    index = (0, 0, 0, 1) if kind == "batch" else (1, 0, 0, 0)
    e = element_steps(s, index)
    np.testing.assert_array_equal(e.members, members)
    assert phrase in e.sentence
    assert dict(e.lines)["mean"].startswith(rf"\mu_{{{subscript}}}")
    values = [X[tuple(m)] for m in members]
    assert np.isclose(s.mean[e.stat], np.mean(values))


def test_batch_norm_adds_the_running_update_with_the_unbiased_factor():
    s = axes_steps(X, "batch", momentum=0.25)
    running = dict(element_steps(s, (1, 1, 0, 0)).lines)["running statistics"]
    assert r"\tfrac{4}{3}" in running and "(1 - 0.25)" in running
    assert f"= {typed_number(s.running_var[1])}" in running


def test_layer_norm_names_gamma_per_element():
    s = axes_steps(X, "layer", gamma=np.arange(4.0).reshape(2, 1, 2) + 1)
    line = dict(element_steps(s, (0, 1, 0, 1)).lines)["scale and shift"]
    assert r"\gamma_{2,1,2}" in line and r"= 4 \cdot" in line  # gamma[1, 0, 1] = 4


def test_long_sums_are_elided():
    x = np.arange(2 * 8 * 1 * 1, dtype=float).reshape(2, 8, 1, 1)
    s = axes_steps(x, "layer")
    lines = dict(element_steps(s, (0, 0, 0, 0)).lines)
    assert r"\cdots" in lines["mean"] and r"\cdots" in lines["variance"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_element_outside_the_tensor_is_refused(kind):
    s = axes_steps(X, kind, groups=2)
    with pytest.raises(ValueError, match="not in a tensor of shape"):
        element_steps(s, (2, 0, 0, 0))
