"""``python -m bnviz.ics``: a short run writes its CSVs, .npz and HTML, and reports its numbers."""

from __future__ import annotations

import numpy as np

from bnviz.ics.__main__ import main
from bnviz.ics.result import ICSResult


def test_cli_writes_its_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--steps", "20", "--out", str(out), "--no-png", "--measure-every", "10"]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"ics_records.csv", "ics_measurements.csv", "ics.npz", "ics.html"}
    result = ICSResult.load(out / "ics.npz")
    assert result.complete and result.total_steps == 20
    np.testing.assert_array_equal(result.measure_steps, [0, 10, 20])
    assert result.meta["command"] == "python -m bnviz.ics --steps 20 --out " + str(out) + (
        " --no-png --measure-every 10"
    )
    assert {"wall_seconds", "git_commit", "machine", "torch"} <= set(result.meta)
    assert (out / "ics_measurements.csv").read_text().count("\n") == 1 + 3
    html = (out / "ics.html").read_text()
    assert html.count("plotly-graph-div") >= 3 and "Noisy BN" in html
    err = capsys.readouterr().err
    assert "20/20 steps" in err and "noisy_bn: accuracy" in err


def test_cli_speaks_korean_when_asked(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["--steps", "20", "--out", str(out), "--no-png", "--measure-every", "10", "--lang", "ko"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "ICS: 20 스텝 × 변형 3개, 10 스텝마다 측정" in err
    assert "noisy_bn: 정확도" in err and "손실 변동" in err and "저장함:" in err
    html = (out / "ics.html").read_text()
    assert "<h2>Santurkar 등(2018): 배치 정규화는 내부 공변량 변화를 줄이는가?</h2>" in html
