"""Figure 1 reproduction: the science on a short MNIST run, the recorded numbers against torch,
the result files (npz, CSV), the panels, the background job and the CLI."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import threading

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from torch import nn

from bnviz.config import RunConfig
from bnviz.figure1 import plots as figure1_plots
from bnviz.figure1.__main__ import main as figure1_main
from bnviz.figure1.job import PAPER_STEPS, Figure1Job, paper_config, record_every, run_figure1
from bnviz.figure1.progress import clock, progress_line
from bnviz.figure1.result import RESULT_PATH, Figure1Result, from_snapshot
from bnviz.train.variants import TWINS

SCIENCE_STEPS = 3_000


def toy_job(steps: int = 40, **kw) -> Figure1Job:
    """A Figure 1 job on a 2-D toy set: same machinery, milliseconds per step."""
    cfg = dataclasses.replace(
        RunConfig(dataset="blobs", hidden=(8, 8)), record_every=4, eval_every=4
    )
    return Figure1Job(steps, cfg, **kw)


def fake_result(n: int = 11, total: int = 1000) -> Figure1Result:
    rng = np.random.default_rng(0)
    steps = np.linspace(0, total, n).astype(np.int64)
    return Figure1Result(
        steps=steps,
        accuracy={"plain": np.linspace(0.1, 0.9, n), "bn": np.linspace(0.1, 0.97, n)},
        percentiles={t: np.sort(rng.normal(size=(n, 3)), axis=1) for t in TWINS},
        total_steps=total,
        unit=7,
        meta={"summary": "test"},
    )


# -- the science (if this fails, the setup is wrong, not the test) ----------------------------------


@pytest.fixture(scope="module")
def science():
    return run_figure1(SCIENCE_STEPS, paper_config(SCIENCE_STEPS, record_every=150, eval_every=150))


@pytest.mark.slow
def test_bn_twin_reaches_higher_test_accuracy(science):
    assert science.complete
    plain, bn = science.final_accuracy("plain"), science.final_accuracy("bn")
    assert bn > plain, (plain, bn)
    # Faster rise, not only a better end: ahead at every record after the first 10% of the run.
    late = science.steps >= 0.1 * SCIENCE_STEPS
    assert np.all(science.accuracy["bn"][late] > science.accuracy["plain"][late])


@pytest.mark.slow
def test_plain_twins_typical_unit_drifts_more(science):
    plain, bn = science.drift("plain"), science.drift("bn")
    # A clear margin, not a tie broken by noise: measured ~5x on this setup.
    assert plain > 2 * bn, (plain, bn)


# -- the recorded numbers against torch ----------------------------------------------------------


def test_recorded_numbers_match_torch_modules():
    """The last record equals what torch.nn computes from the twins' final weights: test accuracy
    on the held-out subset (inference mode), and the typical unit's percentiles of the last
    sigmoid's input as the layer sees it in training (train mode, one training-sized batch at a
    time)."""
    job = Figure1Job(40, paper_config(40, record_every=20, eval_every=20), eval_size=300)
    job.run()
    exp = job.experiment  # finished: its twins, probe batch and held-out subset
    result = job.result()
    run = exp._run  # the held-out subset behind the accuracy (not public in the engine)
    batch = exp.cfg.batch_size
    for name, twin in exp.twins.items():
        net = twin.to_module()
        hidden = net[:-2]  # everything up to the last sigmoid's input (its Linear or BatchNorm)
        assert isinstance(net[-2], nn.Sigmoid)
        with torch.no_grad():
            chunks = exp.probe_x.split(batch)  # train mode updates running stats: use copies
            z = torch.cat([copy.deepcopy(hidden).train()(c) for c in chunks])
            z = z[:, result.unit].double().numpy()
            accuracy = (net.eval()(run.eval_x).argmax(1) == run.eval_y).double().mean().item()
        np.testing.assert_allclose(
            result.percentiles[name][-1], np.percentile(z, [15, 50, 85]), rtol=1e-5, atol=1e-6
        )
        # Same predictions, unless float rounding flips one near-tie among 300 digits.
        assert result.accuracy[name][-1] == pytest.approx(accuracy, abs=1.01 / 300)
    assert (
        result.steps[-1] == 40 and result.unit == exp.snapshot().twins["bn"].layers[-1].typical_unit
    )


# -- results and files ----------------------------------------------------------------------------


def test_paper_config_records_a_hundred_times():
    cfg = paper_config()
    assert (cfg.record_every, cfg.eval_every) == (500, 500)
    live = RunConfig()  # everything else is the paper's setup, as the live lab runs it
    assert (
        dataclasses.replace(cfg, record_every=live.record_every, eval_every=live.eval_every) == live
    )
    assert record_every(50) == 10 and record_every(3_000) == 30


def test_save_and_load_round_trip(tmp_path):
    result = fake_result()
    loaded = Figure1Result.load(result.save(tmp_path / "r.npz"))
    np.testing.assert_array_equal(loaded.steps, result.steps)
    for twin in TWINS:
        np.testing.assert_array_equal(loaded.accuracy[twin], result.accuracy[twin])
        np.testing.assert_array_equal(loaded.percentiles[twin], result.percentiles[twin])
    assert (loaded.total_steps, loaded.unit, loaded.quantiles) == (1000, 7, (15.0, 50.0, 85.0))
    assert dict(loaded.meta) == {"summary": "test"}


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(ValueError, match="not a Figure 1 result"):
        Figure1Result.load(path)


def test_csv_has_one_row_per_record_with_the_same_numbers():
    result = fake_result()
    text = result.csv_text()
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["step", "test_accuracy_plain", "test_accuracy_bn"]
    assert header[3:] == [f"{t}_p{q}" for t in TWINS for q in (15, 50, 85)]
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    assert table.shape == (len(result.steps), 9)
    np.testing.assert_array_equal(table[:, 0], result.steps)
    np.testing.assert_allclose(table[:, 2], result.accuracy["bn"], rtol=1e-5)
    np.testing.assert_allclose(table[:, 3:6], result.percentiles["plain"], rtol=1e-5, atol=1e-6)


def test_result_validates_shapes():
    good = fake_result()
    with pytest.raises(ValueError, match="accuracy"):
        dataclasses.replace(good, accuracy={"plain": np.zeros(3), "bn": good.accuracy["bn"]})


def test_drift_is_the_mean_range_of_the_percentiles_after_step_0():
    result = fake_result(n=3, total=10)
    p = np.array([[-9.0, 0.0, 9.0], [0.0, 1.0, 2.0], [1.0, 3.0, 2.0]])  # step 0 is ignored
    result = dataclasses.replace(result, percentiles={"plain": p, "bn": p})
    assert result.drift("plain") == pytest.approx((1 + 2 + 0) / 3)


# -- the shipped result ---------------------------------------------------------------------------


def test_shipped_result_is_the_full_paper_run():
    result = Figure1Result.load(RESULT_PATH)
    assert RESULT_PATH.stat().st_size < 300_000
    assert result.complete and result.total_steps == PAPER_STEPS
    assert result.meta["config"] == paper_config().to_query_params()
    assert result.meta["command"].startswith("python -m bnviz.figure1")
    assert result.final_accuracy("bn") > result.final_accuracy("plain")
    assert result.drift("plain") > 2 * result.drift("bn")


# -- panels ---------------------------------------------------------------------------------------


def test_panels_are_valid_plotly_and_share_the_percentile_range():
    result = fake_result()
    figs = figure1_plots.panels(result)
    assert set(figs) == {"accuracy", "plain", "bn"}
    for fig in [*figs.values(), figure1_plots.figure1(result)]:
        go.Figure(fig)  # plotly validates every property
    assert figs["plain"]["layout"]["yaxis"]["range"] == figs["bn"]["layout"]["yaxis"]["range"]
    lo, hi = figs["plain"]["layout"]["yaxis"]["range"]
    every = np.concatenate([result.percentiles[t].ravel() for t in TWINS])
    assert lo < every.min() and every.max() < hi
    # The x axis spans the planned run, so a growing run fills it from the left.
    assert figs["accuracy"]["layout"]["xaxis"]["range"][1] >= result.total_steps
    assert [len(figs[k]["data"]) for k in ("accuracy", "plain", "bn")] == [2, 3, 3]
    np.testing.assert_array_equal(figs["bn"]["data"][2]["y"], result.percentiles["bn"][:, 1])


def test_accuracy_axis_starts_at_the_papers_0_7_unless_data_is_lower():
    result = fake_result()
    assert figure1_plots.accuracy_range(result)[0] == pytest.approx(0.1)  # plain starts low
    high = dataclasses.replace(result, accuracy={t: np.full(11, 0.95) for t in TWINS})
    assert figure1_plots.accuracy_range(high)[0] == pytest.approx(0.7)


def test_percentile_figure_rejects_unknown_twins():
    with pytest.raises(ValueError, match="twin"):
        figure1_plots.percentile_figure(fake_result(), "resnet")


# -- the background job ---------------------------------------------------------------------------


def test_job_runs_in_the_background_and_reports_progress():
    job = toy_job(steps=200)
    assert job.result() is None and not job.finished
    job.start()
    job.join(60)
    assert job.error is None and job.finished and not job.is_running
    assert job.steps_done == 200 and job.steps_per_second > 0 and job.eta_seconds == 0
    result = job.result()
    assert result.complete and list(result.steps) == list(range(0, 201, 4))


def test_job_pauses_resumes_and_stops():
    job = toy_job(steps=100_000)
    job.chunk_steps = 1
    job.start()
    job.pause()
    threading.Event().wait(0.3)
    held = job.steps_done
    threading.Event().wait(0.3)
    assert job.steps_done == held and not job.is_running
    job.resume()
    assert job.is_running
    job.stop()
    assert not job.is_running and not job.finished and job.error is None
    partial = job.result()
    assert partial.total_steps == 100_000 and not partial.complete


def test_job_keeps_the_workers_error():
    job = toy_job()
    job._train = lambda progress: (_ for _ in ()).throw(RuntimeError("boom"))
    job.start()
    job.join(10)
    assert isinstance(job.error, RuntimeError)


def test_job_refuses_silly_lengths():
    with pytest.raises(ValueError, match="between 1 and"):
        Figure1Job(0)


def test_from_snapshot_aligns_twins_that_are_a_record_apart():
    job = toy_job(steps=40)
    job.run()
    snap = job.experiment.snapshot()
    # Drop the bn twin's newest record, as a snapshot taken mid-chunk may see.
    bn = snap.twins["bn"]
    layers = tuple(
        dataclasses.replace(ls, steps=ls.steps[:-1], pct_z_unit=ls.pct_z_unit[:-1])
        for ls in bn.layers
    )
    twins = {"plain": snap.twins["plain"], "bn": dataclasses.replace(bn, layers=layers)}
    result = from_snapshot(dataclasses.replace(snap, twins=twins), 40)
    assert result.steps[-1] == 36 and len(result.accuracy["plain"]) == len(result.steps)


# -- the terminal and the CLI ---------------------------------------------------------------------


def test_progress_line():
    assert progress_line(25, 100, 1234.4, 75.0, width=4) == (
        "[#...] 25/100 steps  1,234 steps/s  ETA 1:15"
    )
    assert progress_line(0, 100, 0.0, None, width=2).endswith("ETA --:--")


def test_clock():
    times = [clock(s) for s in (0, 9.6, 75, 3599, 3725)]
    assert times == ["0:00", "0:10", "1:15", "59:59", "1:02:05"]


def test_cli_writes_csv_npz_html(tmp_path, capsys):
    assert figure1_main(["--steps", "20", "--out", str(tmp_path), "--no-png"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["figure1.csv", "figure1.html", "figure1.npz"]
    result = Figure1Result.load(tmp_path / "figure1.npz")
    assert result.complete and list(result.steps) == [0, 10, 20]  # recorded every 10 steps
    assert (tmp_path / "figure1.csv").read_text().count("\n") == 4
    assert "plotly" in (tmp_path / "figure1.html").read_text()[:100_000].lower()
    meta = dict(result.meta)
    assert meta["command"] == f"python -m bnviz.figure1 --steps 20 --out {tmp_path} --no-png"
    assert json.loads(json.dumps(meta)) == meta
    err = capsys.readouterr().err
    assert "20/20 steps" in err and "ETA" in err
