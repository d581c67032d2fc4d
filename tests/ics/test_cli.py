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
