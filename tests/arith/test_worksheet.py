"""bnviz.arith.worksheet: one call gives every number the page shows, or one sentence why not."""

import numpy as np
import pytest

from bnviz.arith.oracle import MATCH_TOL
from bnviz.arith.tensor_input import EXAMPLE, example_table
from bnviz.arith.worksheet import (
    Check,
    WorksheetInputs,
    inputs_from_tables,
    make_worksheet,
    xhat_moments,
)


def inputs(x, training=True, rm=None, rv=None):
    x = np.asarray(x, dtype=np.float64)
    f = x.shape[1]
    rm = np.zeros(f) if rm is None else np.asarray(rm, dtype=np.float64)
    rv = np.ones(f) if rv is None else np.asarray(rv, dtype=np.float64)
    return WorksheetInputs(x, np.ones(f), np.zeros(f), 1e-5, 0.1, rm, rv, training)


def test_train_mode_example_matches_torch_everywhere():
    sheet = make_worksheet(inputs(EXAMPLE))
    assert len(sheet.checks) == 3 and all(c.matches for c in sheet.checks)
    assert sheet.layernorm_check.matches
    np.testing.assert_array_equal(sheet.shown.y, sheet.train.y)
    np.testing.assert_array_equal(sheet.eval_output, sheet.train.y_eval)


def test_eval_mode_accepts_one_row_and_uses_running_stats():
    sheet = make_worksheet(inputs([[1.0, 2.0]], training=False, rm=[1.0, 0.0], rv=[1.0, 4.0]))
    assert sheet.train is None
    np.testing.assert_array_equal(sheet.shown.mean, [1.0, 0.0])
    assert [c.label for c in sheet.checks] == ["eval-mode output y with the current running stats"]
    assert sheet.checks[0].matches
    np.testing.assert_allclose(sheet.eval_output, [[0.0, 2.0 / np.sqrt(4 + 1e-5)]])


def test_eval_mode_with_a_batch_also_checks_the_training_step():
    sheet = make_worksheet(inputs(EXAMPLE, training=False))
    assert len(sheet.checks) == 4 and all(c.matches for c in sheet.checks)
    assert sheet.checks[0].label.startswith("eval-mode output y")


def test_train_mode_refuses_one_row():
    with pytest.raises(ValueError, match="batch of 1"):
        make_worksheet(inputs([[1.0, 2.0]]))


def test_inputs_from_tables_names_the_bad_cell():
    ok = inputs_from_tables(
        example_table(), ["1"] * 3, ["0"] * 3, 1e-5, 0.1, np.zeros(3), np.ones(3), True
    )
    np.testing.assert_array_equal(ok.x, EXAMPLE)
    with pytest.raises(ValueError, match="beta, feature 2"):
        inputs_from_tables(
            example_table(), ["1"] * 3, ["0", "?", "0"], 1e-5, 0.1, np.zeros(3), np.ones(3), True
        )


def test_check_threshold():
    assert Check("y", MATCH_TOL).matches
    assert not Check("y", 1e-6).matches


def test_xhat_moments_and_constant_columns():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)) * 5
    x[:, 1] = 3.0  # a constant feature: x_hat is 0 there, its variance stays 0
    m = xhat_moments(make_worksheet(inputs(x)).train)
    assert m.mean_is_zero
    assert m.var_is_one  # the varying features reach 1 (up to eps's share)
    assert m.eps_dominated == [1]
    assert abs(m.var[0] - 1) < 1e-5 and m.var[1] == 0
