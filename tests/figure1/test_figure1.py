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
from bnviz.figure1 import findings
from bnviz.figure1 import plots as figure1_plots
from bnviz.figure1.__main__ import main as figure1_main
from bnviz.figure1.job import (
    PAPER_STEPS,
    Figure1Job,
    MultiSeedJob,
    paper_config,
    record_every,
    run_figure1,
)
from bnviz.figure1.progress import clock, progress_line
from bnviz.figure1.result import RESULT_PATH, Figure1Result, combine, from_snapshot
from bnviz.i18n import translator
from bnviz.train.variants import TWINS

SCIENCE_STEPS = 3_000


def toy_job(steps: int = 40, **kw) -> Figure1Job:
    """A Figure 1 job on a 2-D toy set: same machinery, milliseconds per step."""
    cfg = dataclasses.replace(
        RunConfig(dataset="blobs", hidden=(8, 8)), record_every=4, eval_every=4
    )
    return Figure1Job(steps, cfg, **kw)


def fake_result(n: int = 11, total: int = 1000, seeds: int = 1) -> Figure1Result:
    rng = np.random.default_rng(0)
    steps = np.linspace(0, total, n).astype(np.int64)
    lift = np.linspace(0, 0.02, seeds)[:, None]  # seeds differ a little
    return Figure1Result(
        steps=steps,
        seeds=tuple(range(seeds)),
        accuracy={
            "plain": np.linspace(0.1, 0.9, n) + lift,
            "bn": np.linspace(0.1, 0.97, n) + lift,
        },
        percentiles={t: np.sort(rng.normal(size=(seeds, n, 3)), axis=2) for t in TWINS},
        inference=np.sort(rng.normal(size=(seeds, n, 3)), axis=2),
        units=tuple(7 + k for k in range(seeds)),
        total_steps=total,
        meta={"summary": "test"},
    )


# -- the science (if this fails, the setup is wrong, not the test) ----------------------------------


@pytest.fixture(scope="module")
def science():
    return run_figure1(SCIENCE_STEPS, paper_config(SCIENCE_STEPS, record_every=150, eval_every=150))


@pytest.mark.slow
def test_bn_twin_reaches_higher_test_accuracy(science):
    assert science.complete and science.meta["eval_size"] == 10_000 - 240  # all but the probe set
    plain, bn = science.final_accuracy("plain"), science.final_accuracy("bn")
    # Ahead by more than the test-set noise, not a coin flip between two close numbers.
    assert findings.accuracy(science).verdict == "bn ahead", (plain, bn)
    # Faster rise, not only a better end: ahead at every record after the first 10% of the run.
    late = science.steps >= 0.1 * SCIENCE_STEPS
    assert np.all(science.accuracy["bn"][0][late] > science.accuracy["plain"][0][late])


@pytest.mark.slow
def test_plain_twins_typical_unit_drifts_more(science):
    plain, bn = science.drift("plain"), science.drift("bn")
    # A clear margin, not a tie broken by noise.
    assert plain > 2 * bn, (plain, bn)


@pytest.mark.slow
def test_bn_twin_starts_at_x_hat_and_plain_twin_on_a_plateau(science):
    # Training mode: at step 0 the bn twin's unit is x̂ of batches of 60, whose 15-85 band is
    # about ±1.04 (a standard normal's); the plain twin's is the raw, tiny Wu + b.
    assert 1.6 < science.band_width("bn")[0] < 2.5
    assert science.band_width("plain")[0] < 0.1
    plateau = findings.plateau(science)
    assert plateau.plain < 0.3 < 0.8 < plateau.bn, plateau  # near chance vs. well on its way


# -- the recorded numbers against torch ----------------------------------------------------------


def test_recorded_numbers_match_torch_modules():
    """The last record equals what torch.nn computes from the twins' final weights: test accuracy
    on the held-out subset (inference mode), the typical unit's percentiles of the last sigmoid's
    input as the layer sees it in training (train mode, one training-sized batch at a time), and
    the bn twin's in inference mode (eval mode: running averages)."""
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
            z_eval = copy.deepcopy(hidden).eval()(exp.probe_x)[:, result.unit].double().numpy()
        np.testing.assert_allclose(
            result.percentiles[name][0, -1], np.percentile(z, [15, 50, 85]), rtol=1e-5, atol=1e-6
        )
        if name == "bn":
            np.testing.assert_allclose(
                result.inference[0, -1], np.percentile(z_eval, [15, 50, 85]), rtol=1e-5, atol=1e-6
            )
        # Same predictions, unless float rounding flips one near-tie among 300 digits.
        assert result.accuracy[name][0, -1] == pytest.approx(accuracy, abs=1.01 / 300)
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
    result = fake_result(seeds=3)
    loaded = Figure1Result.load(result.save(tmp_path / "r.npz"))
    np.testing.assert_array_equal(loaded.steps, result.steps)
    for twin in TWINS:
        np.testing.assert_array_equal(loaded.accuracy[twin], result.accuracy[twin])
        np.testing.assert_array_equal(loaded.percentiles[twin], result.percentiles[twin])
    np.testing.assert_array_equal(loaded.inference, result.inference)
    assert (loaded.seeds, loaded.units) == ((0, 1, 2), (7, 8, 9))
    assert (loaded.total_steps, loaded.unit, loaded.quantiles) == (1000, 7, (15.0, 50.0, 85.0))
    assert dict(loaded.meta) == {"summary": "test"}


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(ValueError, match="not a Figure 1 result"):
        Figure1Result.load(path)


def test_load_refuses_an_older_format_and_says_how_to_remake_it(tmp_path):
    path = fake_result().save(tmp_path / "old.npz")
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["format_version"] = np.int64(1)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="format 1.*python -m bnviz.figure1"):
        Figure1Result.load(path)


def test_csv_has_one_row_per_seed_and_record_with_the_same_numbers():
    result = fake_result(seeds=2)
    text = result.csv_text()
    header = text.splitlines()[0].split(",")
    assert header[:4] == ["seed", "step", "test_accuracy_plain", "test_accuracy_bn"]
    assert header[4:10] == [f"{t}_p{q}" for t in TWINS for q in (15, 50, 85)]
    assert header[10:] == ["bn_inference_p15", "bn_inference_p50", "bn_inference_p85"]
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    n = len(result.steps)
    assert table.shape == (2 * n, 13)
    np.testing.assert_array_equal(table[:, 0], np.repeat([0, 1], n))
    np.testing.assert_array_equal(table[n:, 1], result.steps)
    np.testing.assert_allclose(table[n:, 3], result.accuracy["bn"][1], rtol=1e-5)
    np.testing.assert_allclose(table[:n, 4:7], result.percentiles["plain"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(table[n:, 10:], result.inference[1], rtol=1e-5, atol=1e-6)


def test_result_validates_shapes():
    good = fake_result(seeds=2)
    with pytest.raises(ValueError, match="accuracy"):
        dataclasses.replace(good, accuracy={"plain": np.zeros((2, 3)), "bn": good.accuracy["bn"]})
    with pytest.raises(ValueError, match="inference"):
        dataclasses.replace(good, inference=good.inference[:1])
    with pytest.raises(ValueError, match="typical unit per seed"):
        dataclasses.replace(good, units=(1,))


def test_mean_and_spread_over_seeds():
    result = fake_result(seeds=3)
    acc = result.accuracy["bn"]  # (3, n)
    np.testing.assert_allclose(result.mean_accuracy("bn"), acc.mean(axis=0))
    lo, hi = result.accuracy_spread("bn")
    np.testing.assert_array_equal(lo, acc[0])  # the fake seeds are lifted 0, 0.01, 0.02
    np.testing.assert_array_equal(hi, acc[2])
    np.testing.assert_array_equal(result.final_accuracies("plain"), result.accuracy["plain"][:, -1])
    assert result.final_accuracy("bn") == pytest.approx(acc[:, -1].mean())
    np.testing.assert_array_equal(result.shown_percentiles("bn"), result.percentiles["bn"][0])
    np.testing.assert_array_equal(
        result.shown_percentiles("bn", inference=True), result.inference[0]
    )
    with pytest.raises(ValueError, match="inference"):
        result.shown_percentiles("plain", inference=True)


def test_combine_stacks_seeds_and_refuses_runs_of_other_steps():
    a, b = fake_result(), dataclasses.replace(fake_result(), seeds=(5,), units=(3,))
    both = combine([a, b])
    assert both.seeds == (0, 5) and both.units == (7, 3)
    np.testing.assert_array_equal(both.accuracy["bn"][1], b.accuracy["bn"][0])
    np.testing.assert_array_equal(both.inference[1], b.inference[0])
    with pytest.raises(ValueError, match="same steps"):
        combine([a, fake_result(n=5)])


def test_drift_is_the_mean_range_of_the_percentiles():
    result = fake_result(n=3, total=10)
    p = np.array([[[-9.0, 0.0, 9.0], [0.0, 1.0, 2.0], [1.0, 3.0, 2.0]]])
    result = dataclasses.replace(result, percentiles={"plain": p, "bn": p})
    # Every record counts (in training mode even step 0 is normalized): ranges 10, 3, 7.
    assert result.drift("plain") == pytest.approx((10 + 3 + 7) / 3)
    np.testing.assert_array_equal(result.band_width("plain"), [18.0, 2.0, 1.0])


# -- the shipped result ---------------------------------------------------------------------------


def test_shipped_result_is_the_full_paper_run_over_three_seeds():
    result = Figure1Result.load(RESULT_PATH)
    assert RESULT_PATH.stat().st_size < 300_000
    assert result.complete and result.total_steps == PAPER_STEPS
    assert result.seeds == (0, 1, 2)
    # Read back as a link would be: fields added after the run (the variants, group norm's groups)
    # take their defaults, which are what it trained (plain and bn; no group norm).
    stored, warnings = RunConfig.from_query_params(result.meta["config"])
    assert warnings == [] and stored.to_query_params() == paper_config().to_query_params()
    assert set(result.meta["config"]) <= set(paper_config().to_query_params())
    assert result.meta["command"].startswith("python -m bnviz.figure1")
    assert (result.meta["eval_size"], result.meta["probe_size"]) == (9_760, 240)
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
    np.testing.assert_array_equal(figs["bn"]["data"][2]["y"], result.percentiles["bn"][0][:, 1])


def test_accuracy_panel_shows_the_mean_and_the_seeds_band():
    result = fake_result(seeds=3)
    fig = figure1_plots.accuracy_figure(result)
    go.Figure(fig)
    assert len(fig["data"]) == 6  # per twin: highest seed, lowest seed (filled up to it), mean
    bn = [t for t in fig["data"] if t["legendgroup"] == "bn"]
    lo, hi = result.accuracy_spread("bn")
    np.testing.assert_array_equal(bn[0]["y"], hi)
    np.testing.assert_array_equal(bn[1]["y"], lo)
    assert bn[1]["fill"] == "tonexty"
    np.testing.assert_allclose(bn[2]["y"], result.accuracy["bn"].mean(axis=0))
    assert "mean, 3 seeds" in fig["layout"]["annotations"][0]["text"]


def test_percentile_panels_show_the_first_seed_and_optionally_the_test_time_view():
    result = fake_result(seeds=2)
    plain = figure1_plots.percentile_figure(result, "plain")
    np.testing.assert_array_equal(plain["data"][2]["y"], result.percentiles["plain"][0][:, 1])
    assert "seed 0" in plain["layout"]["yaxis"]["title"]["text"]
    figs = figure1_plots.panels(result, inference=True)
    go.Figure(figs["bn"])
    assert len(figs["bn"]["data"]) == 6 and len(figs["plain"]["data"]) == 3
    dashed = figs["bn"]["data"][3:]
    np.testing.assert_array_equal(dashed[1]["y"], result.inference[0][:, 1])
    assert dashed[1]["line"]["dash"] == "dash"
    lo, hi = figs["plain"]["layout"]["yaxis"]["range"]
    assert lo < result.inference[0].min() and result.inference[0].max() < hi
    assert figs["plain"]["layout"]["yaxis"]["range"] == figs["bn"]["layout"]["yaxis"]["range"]


def test_accuracy_axis_starts_at_the_papers_0_7_unless_data_is_lower():
    result = fake_result()
    assert figure1_plots.accuracy_range(result)[0] == pytest.approx(0.1)  # plain starts low
    high = dataclasses.replace(result, accuracy={t: np.full((1, 11), 0.95) for t in TWINS})
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
    job._work_loop = lambda progress: (_ for _ in ()).throw(RuntimeError("boom"))
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
        dataclasses.replace(
            ls,
            steps=ls.steps[:-1],
            pct_z_unit=ls.pct_z_unit[:-1],
            pct_z_unit_eval=ls.pct_z_unit_eval[:-1],
        )
        for ls in bn.layers
    )
    twins = {"plain": snap.twins["plain"], "bn": dataclasses.replace(bn, layers=layers)}
    result = from_snapshot(dataclasses.replace(snap, twins=twins), 40)
    assert result.steps[-1] == 36 and result.accuracy["plain"].shape == (1, len(result.steps))
    assert result.inference.shape == (1, len(result.steps), 3) and result.seeds == (0,)
    np.testing.assert_array_equal(result.inference[0], layers[-1].pct_z_unit_eval)


# -- several seeds ---------------------------------------------------------------------------------


def test_multi_seed_job_is_each_seeds_own_run_one_after_another():
    cfg = dataclasses.replace(
        RunConfig(dataset="blobs", hidden=(8, 8)), record_every=4, eval_every=4
    )
    seen = []
    job = MultiSeedJob(20, (3, 4), cfg)
    result = job.run(lambda j: seen.append((j.steps_done, j.steps)))
    assert job.finished and job.steps == 40 and seen[-1] == (40, 40)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)  # one bar over both
    assert result.seeds == (3, 4) and result.complete
    alone = run_figure1(20, dataclasses.replace(cfg, seed=4))  # the same as seed 4 run by itself
    np.testing.assert_array_equal(result.accuracy["bn"][1], alone.accuracy["bn"][0])
    np.testing.assert_array_equal(result.percentiles["plain"][1], alone.percentiles["plain"][0])
    np.testing.assert_array_equal(result.inference[1], alone.inference[0])
    assert result.units[1] == alone.unit
    assert not np.array_equal(result.accuracy["bn"][0], result.accuracy["bn"][1])
    with pytest.raises(ValueError, match="different seeds"):
        MultiSeedJob(20, (1, 1), cfg)


# -- the terminal and the CLI ---------------------------------------------------------------------


def test_progress_line():
    assert progress_line(25, 100, 1234.4, 75.0, width=4) == (
        "[#...] 25/100 steps  1,234 steps/s  ETA 1:15"
    )
    assert progress_line(0, 100, 0.0, None, width=2).endswith("ETA --:--")


def test_progress_line_in_korean():
    line = progress_line(25, 100, 1234.4, 75.0, width=4, _=translator("ko"))
    assert line == "[#...] 25/100 스텝  초당 1,234 스텝  남은 시간 1:15"


def test_clock():
    times = [clock(s) for s in (0, 9.6, 75, 3599, 3725)]
    assert times == ["0:00", "0:10", "1:15", "59:59", "1:02:05"]


def test_cli_writes_csv_npz_html(tmp_path, capsys):
    argv = ["--steps", "20", "--seeds", "2", "--out", str(tmp_path), "--no-png"]
    assert figure1_main(argv) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["figure1.csv", "figure1.html", "figure1.npz"]
    result = Figure1Result.load(tmp_path / "figure1.npz")
    assert result.complete and list(result.steps) == [0, 10, 20]  # recorded every 10 steps
    assert result.seeds == (0, 1) and result.meta["eval_size"] == 9_760
    assert (tmp_path / "figure1.csv").read_text().count("\n") == 1 + 2 * 3
    assert "plotly" in (tmp_path / "figure1.html").read_text()[:100_000].lower()
    meta = dict(result.meta)
    assert meta["command"] == "python -m bnviz.figure1 " + " ".join(argv)
    assert meta["config"]["dataset"] == "mnist"
    assert json.loads(json.dumps(meta)) == meta
    err = capsys.readouterr().err
    assert "40/40 steps" in err and "ETA" in err  # one bar over both seeds
    assert "bn - plain" in err


def test_cli_speaks_the_language_of_the_locale(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LC_ALL")
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert figure1_main(["--steps", "10", "--seeds", "1", "--out", str(tmp_path), "--no-png"]) == 0
    err = capsys.readouterr().err
    assert "10/10 스텝" in err and "최종 테스트 정확도" in err and "%p (시드별" in err
    assert f"저장함: {tmp_path / 'figure1.html'}" in err
    assert "steps" not in err and "wrote" not in err
    html = (tmp_path / "figure1.html").read_text()
    title = translator("ko")("Ioffe & Szegedy (2015), Figure 1 — reproduced")
    assert title != "Ioffe & Szegedy (2015), Figure 1 — reproduced"
    assert title in html or json.dumps(title)[1:-1] in html  # as UTF-8 or as JSON escapes
    with pytest.raises(SystemExit):
        figure1_main(["--lang", "fr"])


def test_cli_trains_on_binary_digits_when_asked(tmp_path):
    assert (
        figure1_main(
            ["--steps", "10", "--seeds", "1", "--binary", "--out", str(tmp_path), "--no-png"]
        )
        == 0
    )
    result = Figure1Result.load(tmp_path / "figure1.npz")
    assert result.meta["config"]["dataset"] == "mnist-binary" and result.seeds == (0,)


def test_cli_refuses_silly_seed_counts():
    with pytest.raises(SystemExit):
        figure1_main(["--seeds", "0"])
