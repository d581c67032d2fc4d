"""Sweep results: shapes checked, .npz and CSV round trips, steps to 90%, and outcomes put in place
by spec."""

import numpy as np
import pytest

from bnviz.sweep.result import SweepResult, from_outcomes
from tests.sweep.fakes import fake_result


def assert_same(a: SweepResult, b: SweepResult) -> None:
    assert (a.sweep, a.variants, a.values, a.seeds, a.total_steps) == (
        b.sweep, b.variants, b.values, b.seeds, b.total_steps
    )  # fmt: skip
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(a.curves, b.curves)  # NaN == NaN here
    np.testing.assert_array_equal(a.final_accuracy, b.final_accuracy)
    np.testing.assert_array_equal(a.diverged_at, b.diverged_at)
    np.testing.assert_array_equal(a.done, b.done)


def test_npz_round_trip(tmp_path):
    result = fake_result({"plain": 1, "bn": 3}, {"plain": 3}).with_meta(wall_seconds=1.5)
    loaded = SweepResult.load(result.save(tmp_path / "s.npz"))
    assert_same(loaded, result)
    assert loaded.meta["wall_seconds"] == 1.5


def test_csv_round_trip_is_lossless(tmp_path):
    result = fake_result({"plain": 1, "bn": 3}, {"plain": 3})
    text = result.to_csv(tmp_path / "s.csv").read_text()
    lines = text.splitlines()
    assert len(lines) == 1 + 2 * 5 * 3  # a header and one row per run
    assert lines[0].startswith("sweep,variant,value,seed,steps,done,final_test_accuracy")
    assert lines[-1].startswith("lr,bn,100,2,1000,1,0.3,0,-1,")
    assert_same(SweepResult.from_csv(text), result)


def test_steps_to_90_is_the_first_evaluation_at_or_above():
    result = fake_result({"plain": 1, "bn": 3}, {"plain": 3})
    reach = result.steps_to(0.9)
    assert reach[1, 0, 0] == 300  # bn at 0.01: 0.5 until step 300, then 0.95
    assert reach[0, 2, 0] == -1  # plain at 1: 30%, never
    assert reach[0, 4, 0] == -1  # diverged


def test_shapes_are_checked():
    result = fake_result({"plain": 1})
    with pytest.raises(ValueError, match="final_accuracy must have shape"):
        SweepResult(
            "lr", ("plain",), result.values, result.seeds, result.steps, 1000,
            result.curves, np.zeros((1, 2, 3)), result.diverged_at, result.done,
        )  # fmt: skip


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(2))
    with pytest.raises(ValueError, match="not a sweep result"):
        SweepResult.load(path)


def test_outcomes_land_in_their_cells_in_any_order():
    from bnviz.sweep.grid import make_grid
    from bnviz.sweep.trial import RunOutcome, eval_steps

    grid = make_grid("lr", "plain,bn", "0.1,1", seeds=1, steps=200)
    specs = grid.specs()
    n = len(eval_steps(200))
    outcomes = [
        RunOutcome(spec, np.full(n, k / 10), k / 10, 5 if k == 3 else None, 1.0)
        for k, spec in enumerate(specs)
    ]
    partial = from_outcomes(grid, outcomes[::-1][:3])
    assert partial.runs_done == 3 and not partial.complete
    assert not partial.done[0, 0, 0] and np.isnan(partial.final_accuracy[0, 0, 0])
    full = from_outcomes(grid, outcomes[::-1])
    assert full.final_accuracy[:, :, 0].tolist() == [[0.0, 0.1], [0.2, 0.3]]
    assert full.diverged_at[:, :, 0].tolist() == [[0, 0], [0, 5]]
    assert "lr varied" in full.meta["summary"]


def test_steps_to_90_survives_float32_rounding_of_exactly_90_percent():
    import dataclasses

    result = fake_result({"plain": 1})
    curves = np.array(result.curves)
    curves[0, 0, 0, 2] = np.float32(1800 / 2000)  # 0.89999998 once stored as float32
    changed = dataclasses.replace(result, curves=curves)
    assert changed.steps_to(0.9)[0, 0, 0] == 200
