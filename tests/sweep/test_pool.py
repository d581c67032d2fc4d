"""A sweep's result depends on its runs only: the same for 1 and 2 worker processes and for the
live job's one thread; the CLI writes the CSV and the verdict."""

import numpy as np

from bnviz.sweep.grid import make_grid
from bnviz.sweep.job import SweepJob
from bnviz.sweep.pool import PoolSweep
from bnviz.train.experiment import configure_torch_threads
from tests.sweep.test_result import assert_same


def tiny_grid():
    # blobs: 2-D points, so a run of 20 steps costs milliseconds; the spawn start-up dominates
    return make_grid("lr", "plain,bn", "0.1,30", seeds=1, steps=20, dataset="blobs")


def test_results_do_not_depend_on_the_number_of_workers():
    one = PoolSweep(tiny_grid(), workers=1).run()
    two = PoolSweep(tiny_grid(), workers=2).run()
    assert one.complete and two.complete
    assert_same(one, two)
    # the runs differ from each other (a test that could not fail otherwise)
    assert len(set(one.final_accuracy.ravel().tolist())) > 1
    # The live job in this process, with one torch thread as the workers (and the page) use: a
    # different thread count sums in another order, and at LR 30 that shows in the results.
    configure_torch_threads(1)
    live = SweepJob(tiny_grid()).run()
    assert_same(one, live)


def test_progress_counts_runs(capsys):
    seen = []
    sweep = PoolSweep(tiny_grid(), workers=2)
    sweep.run(lambda s: seen.append((s.steps_done, s.steps, s.unit)))
    assert [d for d, _, _ in seen] == [1, 2, 3, 4] and seen[-1][1:] == (4, "runs")
    assert sweep.finished and sweep.eta_seconds == 0


def test_cli_writes_the_csv_and_prints_the_verdict(tmp_path, capsys):
    from bnviz.sweep.__main__ import main
    from bnviz.sweep.result import SweepResult

    out = tmp_path / "runs.csv"
    argv = ["lr", "--steps", "20", "--seeds", "1", "--values", "0.1,30", "--workers", "2"]
    assert main([*argv, "--dataset", "blobs", "--csv", str(out), "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "4/4 runs" in err and "largest stable LR: without BN" in err
    result = SweepResult.from_csv(out.read_text())
    assert result.variants == ("plain", "bn") and result.values == ("0.1", "30")
    assert np.isfinite(result.final_accuracy).all()


def test_cli_speaks_korean_with_lang_ko_or_a_korean_locale(capsys, monkeypatch):
    import pytest

    from bnviz.sweep.__main__ import main

    argv = ["lr", "--steps", "20", "--seeds", "1", "--values", "0.1", "--workers", "1"]
    assert main([*argv, "--dataset", "blobs", "--lang", "ko"]) == 0
    err = capsys.readouterr().err
    assert "lr 스윕: 변형 2개 x 값 1개 x 시드 1개 = 20 스텝짜리 실행 2개" in err
    assert "안정적인 최대 학습률: BN 없음" in err and "정확도 " in err
    assert "largest stable" not in err
    # No --lang: the locale decides; a bad value is refused in that language.
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    with pytest.raises(SystemExit):
        main(["lr", "--values", "fast"])
    assert "'fast'은(는) 학습률이 아닙니다." in capsys.readouterr().err
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(SystemExit):
        main(["lr", "--values", "fast"])
    assert "'fast' is not a learning rate." in capsys.readouterr().err
