"""The `make bench` runner: row summaries, the modules' interface, the report. No timings."""

import importlib.machinery
import types

import pytest

from bench import __main__ as bench
from bench import bench_engine


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


def test_engine_goal_is_the_median_of_per_repeat_ratios():
    results = {
        name: bench_engine.Result(name, [100.0] * 3, [1.0] * 3) for name in bench_engine.VARIANTS
    }
    results[bench_engine.BASELINE].rates = [100.0, 200.0, 100.0]
    results[bench_engine.PRODUCT].rates = [99.0, 180.0, 90.0]
    rows = [bench.normalize(r) for r in bench_engine.rows(results, [0.5, 0.7])]
    (goal,) = [r for r in rows if "goal" in r]
    assert goal["goal"] == "≥ 0.95" and goal["n"] == 3
    # Per repeat 0.99, 0.9, 0.9: median 0.9, missed; the ratio of the medians would say 0.99.
    assert goal["median"] == pytest.approx(0.9)
    assert goal["met"] is False


def test_engine_follows_the_bench_interface(monkeypatch):
    """A real run, toy-sized, through the runner: a row per variant, the goal row, NOTES."""
    from bnviz.config import RunConfig

    monkeypatch.setattr(bench_engine, "NOTES", "")
    toy = RunConfig(dataset="blobs", hidden=(8, 8))
    name, doc, rows, notes, error = bench.measure(bench_engine, repeats=2, steps=2, cfg=toy)
    assert error is None, error
    assert name == "bench.bench_engine" and doc.startswith("Engine throughput")
    assert [r["name"] for r in rows[: len(bench_engine.VARIANTS)]] == list(bench_engine.VARIANTS)
    goal = next(r for r in rows if "goal" in r)
    assert goal["n"] == 2 and goal["min"] > 0 and isinstance(goal["met"], bool)
    assert "Projected 50,000-step Fig. 1 run" in notes and "Where the time goes" in notes


def test_a_failing_module_becomes_the_sections_error():
    module = types.ModuleType("bench.bench_broken")
    module.__spec__ = importlib.machinery.ModuleSpec("bench.bench_broken", None)
    module.run = lambda: [{"name": "no unit"}]
    name, _, rows, _, error = bench.measure(module)
    assert name == "bench.bench_broken" and rows == []
    assert "ValueError" in error and "'unit'" in error


def test_report_has_machine_versions_goals_and_tables():
    run = {"name": "run", "unit": "s", "samples": [20.0, 40.0, 30.0], "goal": "≤ 30 s"}
    rows = [
        bench.normalize({**run, "met": True, "notes": "what"}),
        bench.normalize({"name": "ratio", "unit": "×", "samples": [1.0]}),
    ]
    sections = [
        ("bench.bench_x", "Doc line.", rows, "Profile here.", None),
        ("bench.bench_y", "", [], "", "Traceback: boom"),
    ]
    text = bench.render(sections, "today")
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
