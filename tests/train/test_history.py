"""Bounded tables (stride doubling, newest kept) and read-only twin snapshots."""

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bnviz.train.history import MAX_HISTOGRAMS, MAX_POINTS, Table, TwinHistory


def _table(budget: int) -> Table:
    return Table(budget, {"v": ((), np.float64), "pair": ((2,), np.int64)})


def test_table_keeps_everything_below_its_budget():
    t = _table(10)
    for s in range(9):
        t.append(s, v=s * 0.5, pair=[s, -s])
    steps, cols = t.read()
    assert steps.tolist() == list(range(9))
    assert cols["v"].tolist() == [s * 0.5 for s in range(9)]
    assert cols["pair"][:, 1].tolist() == [-s for s in range(9)]


def test_table_thins_to_even_spacing_and_keeps_the_newest():
    t = _table(10)
    for s in range(1000):
        t.append(s, v=float(s), pair=[s, s])
    steps, cols = t.read()
    assert len(steps) <= 10
    assert steps[0] == 0 and steps[-1] == 999  # first and newest
    kept = np.diff(steps[:-1])
    assert (kept == kept[0]).all() and kept[0] == t.stride  # evenly spaced before the newest
    assert (cols["v"] == steps).all() and (cols["pair"][:, 0] == steps).all()


@settings(max_examples=60, deadline=None)
@given(budget=st.integers(2, 40), n=st.integers(1, 3000))
def test_table_budget_and_newest_property(budget, n):
    t = _table(budget)
    for s in range(n):
        t.append(10 * s, v=float(s), pair=[0, 0])
        assert len(t) <= budget
    steps, cols = t.read()
    assert len(steps) == len(t) <= budget
    assert steps[-1] == 10 * (n - 1) and steps[0] == 0
    assert (np.diff(steps) > 0).all()
    assert (cols["v"] * 10 == steps).all()


def test_read_returns_read_only_copies():
    t = _table(4)
    t.append(0, v=1.0, pair=[1, 2])
    steps, cols = t.read()
    with pytest.raises(ValueError):
        cols["v"][0] = 5.0
    with pytest.raises(ValueError):
        steps[0] = 3
    t.append(1, v=2.0, pair=[1, 2])
    assert cols["v"].tolist() == [1.0]  # an earlier read does not see later writes


def _history(bn: bool = True) -> TwinHistory:
    return TwinHistory("bn" if bn else "plain", bn, widths=[5, 3], typical_units=[4, 0], n_bins=8)


def _record(h: TwinHistory, step: int) -> None:
    layers = 2
    h.record(
        step,
        hist={
            "hist_z": np.full((layers, 8), step),
            "hist_wu": np.ones((layers, 8)),
            "hist_z_eval": np.full((layers, 8), 2 * step),
        },
        pct_z=np.full((layers, 3), float(step)),
        pct_z_unit=np.zeros((layers, 3)),
        pct_wu=np.zeros((layers, 3)),
        pct_wu_unit=np.zeros((layers, 3)),
        pct_z_eval=np.full((layers, 3), -float(step)),
        pct_z_unit_eval=np.zeros((layers, 3)),
        saturated=np.array([0.1, 0.2]),
        grad_norm=np.ones(layers),
        update_ratio=np.ones(layers) * 1e-3,
    )


def test_twin_snapshot_shapes_and_layer_views():
    h = _history()
    for s in range(0, 100, 10):
        _record(h, s)
        h.record_loss(s + 10, 2.3)
    h.record_accuracy(0, 0.1)
    snap = h.snapshot()
    assert snap.name == "bn" and snap.batch_norm and snap.diverged_at is None
    assert len(snap.layers) == 2
    layer = snap.layers[1]
    assert (layer.index, layer.width, layer.typical_unit) == (1, 3, 0)
    assert layer.steps.shape == (10,) and layer.pct_z.shape == (10, 3)
    assert layer.pct_z[:, 0].tolist() == list(map(float, range(0, 100, 10)))
    assert layer.hist_z.shape == (10, 8) and layer.hist_wu.shape == (10, 8)
    assert layer.pct_z_eval[:, 0].tolist() == [-float(s) for s in range(0, 100, 10)]
    assert layer.hist_z_eval[:, 0].tolist() == [2 * s for s in range(0, 100, 10)]
    assert layer.saturated.tolist() == [0.2] * 10
    assert snap.loss_steps[0] == 10 and snap.acc.tolist() == [0.1]
    with pytest.raises(ValueError):
        layer.pct_z[0, 0] = 1.0
    plain = _history(bn=False)
    _record(plain, 0)
    assert plain.snapshot().layers[0].pct_wu is None
    assert plain.snapshot().layers[0].hist_wu is None


def test_history_stays_within_budget_over_a_long_run():
    h = _history()
    for s in range(5 * MAX_POINTS):
        _record(h, s)
        h.record_loss(s, 1.0)
        h.record_accuracy(s, 0.5)
    snap = h.snapshot()
    layer = snap.layers[0]
    assert len(layer.steps) <= MAX_POINTS and len(layer.hist_steps) <= MAX_HISTOGRAMS
    assert len(snap.loss_steps) <= MAX_POINTS and len(snap.acc_steps) <= MAX_POINTS
    assert layer.steps[-1] == layer.hist_steps[-1] == 5 * MAX_POINTS - 1


def test_snapshots_are_consistent_while_a_writer_runs():
    h = _history()
    stop = threading.Event()

    def writer():
        s = 0
        while not stop.is_set():
            _record(h, s)
            s += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(200):
            layer = h.snapshot().layers[0]
            assert len(layer.steps) == len(layer.pct_z)  # never a half-written record
            assert (layer.pct_z[:, 0] == layer.steps).all()
    finally:
        stop.set()
        thread.join()


def test_a_variant_records_only_the_series_that_apply_to_it():
    """Layer norm: the norm's input Wu, no inference view; BN after the nonlinearity: the reverse."""
    ln = TwinHistory(
        "ln", False, widths=[5, 3], typical_units=[4, 0], n_bins=8, wu=True, inference=False
    )
    after = TwinHistory(
        "bn_after", True, widths=[5, 3], typical_units=[4, 0], n_bins=8, wu=False, inference=True
    )
    for h in (ln, after):
        _record(h, 0)
    ln_layer, after_layer = ln.snapshot().layers[0], after.snapshot().layers[0]
    assert ln_layer.pct_wu is not None and ln_layer.hist_wu is not None
    assert ln_layer.pct_z_eval is None and ln_layer.hist_z_eval is None
    assert after_layer.pct_wu is None and after_layer.hist_wu is None
    assert after_layer.pct_z_eval is not None and after_layer.hist_z_eval is not None
    assert after.snapshot().batch_norm and not ln.snapshot().batch_norm
