"""The batch sweep's grid (same examples, more steps for small batches, LR scaled with m), its result
file, and its runs: the same for 1 and 2 worker processes and for the live job; the CLI's CSV."""

import csv
import io

import numpy as np
import pytest

from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.grid import SWEEPS, make_grid
from tests.sweep.fakes import fake_batch_result


def test_every_run_sees_the_same_examples_with_the_lr_scaled_by_m_over_60():
    grid = make_grid("batch", "bn,ln", "2,60,256", seeds=2, examples=60_000)
    specs = grid.specs()
    assert grid.runs == len(specs) == 12 and grid.steps == 30_000
    steps = {s.value: s.steps for s in specs}
    assert steps == {"2": 30_000, "60": 1_000, "256": 234}  # 234 x 256 = 59,904: whole batches
    assert grid.total_steps == 2 * 2 * (30_000 + 1_000 + 234)
    configs = {s.value: s.config() for s in specs}
    assert [configs[m].batch_size for m in ("2", "60", "256")] == [2, 60, 256]
    assert configs["60"].lr == 0.5 and configs["2"].lr == pytest.approx(0.5 / 30)
    assert configs["256"].lr == pytest.approx(0.5 * 256 / 60)
    assert configs["2"].eval_every == 30_000  # measured at the end only
    assert "batch m varied" in SWEEPS["batch"].fixed() and "lr 0.5·m/60" in SWEEPS["batch"].fixed()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"values": "1,4"}, "The batch size must be at least 2"),
        ({"values": "0"}, "The batch size must be at least 2"),
        ({"values": "4,big"}, "'big' is not a batch size"),
        ({"values": "5000"}, "at most 1000"),
        ({"values": "4,4"}, "Each value may appear once"),
        ({"examples": 0}, "between 1 and 200,000 training examples"),
        ({"examples": 10**9}, "between 1 and 200,000 training examples"),
        ({"examples": 2.5}, "must be a whole number"),
        (
            {"examples": 100, "values": "60,256"},
            "100 training examples are fewer than one batch of 256",
        ),
        ({"variants": "bn,bogus"}, "Unknown variant(s) bogus"),
    ],
)
def test_bad_batch_sweeps_are_refused_with_a_sentence(kwargs, message):
    with pytest.raises(ValueError) as info:
        make_grid("batch", **kwargs)
    assert message in str(info.value)


def test_the_other_sweeps_do_not_take_examples():
    from bnviz.sweep.grid import Grid

    assert make_grid("lr", seeds=1).examples == 0
    with pytest.raises(ValueError, match="counts steps"):
        Grid("lr", ("bn",), ("1",), (0,), 100, "mnist", 600)


def test_npz_round_trip_and_csv(tmp_path):
    result = fake_batch_result({"bn": [0.6, 0.8, 0.9, 0.95, 0.95], "ln": [0.9] * 5})
    result = result.with_meta(wall_seconds=2.5)
    loaded = BatchResult.load(result.save(tmp_path / "b.npz"))
    for name in ("train_accuracy", "infer_accuracy", "mean_noise", "var_noise", "run_steps", "lr"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(result, name))
    assert (loaded.variants, loaded.values, loaded.seeds, loaded.examples) == (
        result.variants, result.values, result.seeds, 60_000
    )  # fmt: skip
    assert loaded.meta["wall_seconds"] == 2.5
    rows = list(csv.DictReader(io.StringIO(result.csv_text())))
    assert len(rows) == 2 * 5 * 3
    assert (
        rows[0]["variant"] == "bn" and rows[0]["batch_size"] == "2" and rows[0]["steps"] == "30000"
    )
    assert float(rows[0]["inference_accuracy"]) == pytest.approx(0.598)
    assert rows[-1]["mean_noise_layer1"] == "nan"  # layer norm keeps no running averages


def test_a_file_of_another_kind_is_refused(tmp_path):
    from tests.sweep.fakes import fake_result

    path = fake_result({"plain": 1, "bn": 3}).save(tmp_path / "lr.npz")
    with pytest.raises(ValueError, match="not a batch sweep"):
        BatchResult.load(path)


def test_runs_do_not_depend_on_the_workers_and_the_cli_writes_its_csv(tmp_path, capsys):
    from bnviz.sweep.__main__ import main
    from bnviz.sweep.job import SweepJob
    from bnviz.sweep.pool import PoolSweep
    from bnviz.train.experiment import configure_torch_threads

    grid = make_grid("batch", "bn,gn", "4,16", seeds=1, examples=160, dataset="blobs")
    one = PoolSweep(grid, workers=1).run()
    configure_torch_threads(1)
    job = SweepJob(grid)
    assert job.steps == 2 * (40 + 10)
    live = job.run()
    for name in ("train_accuracy", "infer_accuracy", "mean_noise", "var_noise"):
        np.testing.assert_array_equal(getattr(one, name), getattr(live, name))
    assert (
        one.complete and np.isfinite(one.mean_noise[0]).all() and np.isnan(one.mean_noise[1]).all()
    )
    np.testing.assert_array_equal(one.train_accuracy[1], one.infer_accuracy[1])  # group norm

    out = tmp_path / "batch.csv"
    argv = ["batch", "--examples", "160", "--values", "4,16", "--variants", "bn,gn", "--seeds", "1"]
    assert main([*argv, "--workers", "2", "--dataset", "blobs", "--csv", str(out)]) == 0
    err = capsys.readouterr().err
    assert "4/4 runs" in err and "160 examples" in err and "noise of mu_B" in err
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [float(r["train_mode_accuracy"]) for r in rows] == one.train_accuracy.ravel().tolist()
