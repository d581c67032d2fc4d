"""The `make bench` runner: row summaries, adapting bench_engine's output, the report. No timings."""

import types
from dataclasses import dataclass

import pytest

from bench import __main__ as bench


def test_discovers_every_bench_module():
    names = bench.discover()
    assert "bench.bench_figure1" in names and "bench.bench_engine" in names
    assert bench.discover("figure1") == ["bench.bench_figure1"]


def test_rows_are_summarized_from_samples():
    row = bench.normalize({"name": "x", "unit": "s", "samples": [3.0, 1.0, 2.0, 10.0, 4.0]})
    assert (row["median"], row["min"], row["max"], row["n"]) == (3.0, 1.0, 10.0, 5)
    given = bench.normalize({"name": "y", "unit": "ms", "median": 2, "min": 1, "max": 3})
    assert given["n"] == 1
    with pytest.raises(ValueError, match="samples"):
        bench.normalize({"name": "z", "unit": "s"})
    with pytest.raises(ValueError, match="name"):
        bench.normalize({"samples": [1.0]})


@dataclass
class Result:
    rates: list[float]


def test_adapts_a_module_that_returns_engine_results():
    module = types.SimpleNamespace(
        BASELINE="bare", PRODUCT="exp", markdown=lambda out: "### engine fragment"
    )
    out = {"results": {"bare": Result([100.0, 200.0, 100.0]), "exp": Result([99.0, 180.0, 90.0])}}
    rows, fragment = bench.adapt(module, out)
    assert fragment == "### engine fragment"
    ratio = rows[-1]
    assert ratio["goal"] == "≥ 0.95" and ratio["n"] == 3
    assert ratio["median"] == pytest.approx(0.9)  # per repeat: 0.99, 0.9, 0.9
    assert ratio["met"] is False


def test_report_has_machine_versions_goals_and_tables():
    rows = [
        bench.normalize({"name": "run", "unit": "s", "samples": [20.0, 40.0, 30.0],
                         "goal": "≤ 30 s", "met": True, "notes": "what"}),
        bench.normalize({"name": "ratio", "unit": "×", "samples": [1.0]}),
    ]  # fmt: skip
    text = bench.render(
        [("bench.bench_x", "Doc line.", rows, "Profile here.", None),
         ("bench.bench_y", "", [], "", "Traceback: boom")],
        "today",
    )  # fmt: skip
    for expected in ("logical CPUs", "torch", "numpy", "streamlit", "plotly", "python"):
        assert expected in text
    assert "| run | 30 s | ≤ 30 s | yes |" in text
    assert "| run | 30 | 20 – 40 | s | 3 | what |" in text
    assert "Profile here." in text and "Traceback: boom" in text


@pytest.mark.parametrize("twin", ["plain", "bn"])
def test_floor_counts_exactly_the_products_of_a_twin_step(twin):
    """bench_floor's compute floor rests on its list of products: torch's own FLOP counter over a
    real training step of the paper's net must find the same FLOPs."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from bench import bench_floor
    from bnviz.train.model import build_twins

    net = build_twins([784, 100, 100, 100, 10], "sigmoid", "gaussian", 0.05, 0, 0.1, 1e-5)[twin]
    x, y = torch.rand(bench_floor.B, 784), torch.randint(10, (bench_floor.B,))
    with FlopCounterMode(display=False) as counter:
        net.train_step(x, y)
    assert counter.get_total_flops() == bench_floor.flops(bench_floor.TWIN_STEP_MM)
