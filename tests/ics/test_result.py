"""ICSResult: shapes, summaries, the .npz round trip (numpy alone), the CSVs, the shipped file."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys

import numpy as np
import pytest

from bnviz.ics.result import (
    ICS_VARIANTS,
    LAYER_SERIES,
    RECORD_SERIES,
    RESULT_PATH,
    SCALAR_SERIES,
    ICSResult,
)
from tests.ics.fakes import fake_result


def test_save_and_load_round_trip_in_float32(tmp_path):
    result = fake_result()
    loaded = ICSResult.load(result.save(tmp_path / "r.npz"))
    assert loaded.variants == ICS_VARIANTS and loaded.layers == (1, 2)
    np.testing.assert_array_equal(loaded.steps, result.steps)
    np.testing.assert_array_equal(loaded.measure_steps, result.measure_steps)
    np.testing.assert_array_equal(loaded.etas, result.etas)
    for name in (*RECORD_SERIES, *LAYER_SERIES, *SCALAR_SERIES):
        for v in ICS_VARIANTS:
            expected = getattr(result, name)[v].astype(np.float32)
            np.testing.assert_array_equal(getattr(loaded, name)[v], expected, err_msg=name)
    assert (loaded.total_steps, loaded.unit, loaded.quantiles) == (1000, 7, (15.0, 50.0, 85.0))
    assert dict(loaded.meta) == {"summary": "test"}


def test_the_file_is_plain_numpy_without_pickles(tmp_path):
    path = fake_result().save(tmp_path / "r.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert npz["accuracy__noisy_bn"].dtype == np.float32
        assert npz["grad_cos__bn"].shape == (21, 2)
        assert int(npz["format_version"]) == 1


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(ValueError, match="not an ICS result"):
        ICSResult.load(path)


def test_result_validates_shapes():
    good = fake_result()
    with pytest.raises(ValueError, match="grad_cos"):
        dataclasses.replace(good, grad_cos={v: np.zeros((3, 2)) for v in ICS_VARIANTS})
    with pytest.raises(ValueError, match="beta"):
        dataclasses.replace(good, beta={"plain": good.beta["plain"]})


def test_records_csv_has_one_row_per_record():
    result = fake_result()
    text = result.records_csv()
    header = text.splitlines()[0].split(",")
    assert header[:4] == [
        "step",
        "test_accuracy_plain",
        "test_accuracy_bn",
        "test_accuracy_noisy_bn",
    ]
    assert header[4:7] == ["plain_p15", "plain_p50", "plain_p85"]
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    assert table.shape == (11, 1 + 3 + 9)
    np.testing.assert_allclose(table[:, 3], result.accuracy["noisy_bn"], rtol=1e-5)
    np.testing.assert_allclose(table[:, 10:13], result.bands["noisy_bn"], rtol=1e-5, atol=1e-6)


def test_measurements_csv_has_one_row_per_measurement():
    result = fake_result()
    text = result.measurements_csv()
    header = text.splitlines()[0].split(",")
    assert header[1:4] == ["plain_layer2_G_diff", "plain_layer2_G_norm", "plain_layer2_G_cos"]
    assert "noisy_bn_beta" in header and "bn_loss_variation" in header
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    assert table.shape == (21, 1 + 3 * (2 * 3 + 4))
    np.testing.assert_array_equal(table[:, 0], result.measure_steps)
    column = header.index("bn_layer3_G_cos")
    np.testing.assert_allclose(table[:, column], result.grad_cos["bn"][:, 1], rtol=1e-5)


def test_band_summaries():
    result = fake_result(n=4, total=30)
    p = np.array([[-9.0, 0.0, 9.0], [0.0, 1.0, 2.0], [1.0, 3.0, 2.0], [1.0, 1.0, 3.0]])
    result = dataclasses.replace(result, bands={v: p for v in ICS_VARIANTS})
    assert result.band_range("bn") == pytest.approx((1 + 2 + 1) / 3)  # step 0 left out
    assert result.band_jump("bn") == pytest.approx((1 + 2 + 0 + 0 + 2 + 1) / 6)


def test_medians_and_steps_to_a_level():
    result = fake_result()
    rel = result.grad_diff["bn"][:, 1] / result.grad_norm["bn"][:, 1]
    assert result.median("relative_grad_diff", "bn", 2) == pytest.approx(np.median(rel))
    late = result.measure_steps >= 500
    assert result.median("beta", "plain", since=500) == pytest.approx(
        np.median(result.beta["plain"][late])
    )
    early = result.median("beta", "plain", until=100)
    assert early == pytest.approx(np.median(result.beta["plain"][result.measure_steps < 100]))
    assert result.settled == 100
    assert result.steps_to("noisy_bn", 0.5) == 500
    assert result.steps_to("plain", 0.95) is None


def test_reading_a_result_and_its_figures_needs_no_torch():
    # The page shows the shipped result without importing torch; a fresh interpreter proves it.
    code = (
        "import sys\n"
        "from bnviz.ics.result import ICSResult\n"
        "from bnviz.ics.plots import figures\n"
        "figures(ICSResult.load())\n"
        "assert 'torch' not in sys.modules and 'streamlit' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_shipped_result_is_a_complete_mnist_run():
    result = ICSResult.load(RESULT_PATH)
    assert RESULT_PATH.stat().st_size < 150_000
    assert result.complete and result.variants == ICS_VARIANTS
    assert result.meta["command"].startswith("python -m bnviz.ics")
    assert result.meta["config"]["dataset"] == "mnist"
    assert len(result.measure_steps) >= 100 and result.layers == (1, 2)
    # Noisy BN: its band moves (much more than BN's), and it trains about as well as BN.
    assert result.band_range("noisy_bn") > 3 * result.band_range("bn")
    assert result.final_accuracy("noisy_bn") > result.final_accuracy("plain") - 0.01
