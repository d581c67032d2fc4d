"""Runner: the background thread's controls. Waits poll with generous timeouts; no timing asserts."""

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from bnviz.config import RunConfig
from bnviz.train.experiment import Experiment
from bnviz.train.runner import Runner
from bnviz.train.snapshot import LrEvent

SMALL = RunConfig(dataset="moons", hidden=(16, 16), batch_size=32, record_every=10, eval_every=50)
TIMEOUT = 30.0


def _until(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def cpu_ticks(thread: threading.Thread) -> int:
    """CPU time (user + system clock ticks) the OS has charged to ``thread`` so far (Linux)."""
    stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)


def assert_sleeps(thread: threading.Thread, seconds: float = 0.5) -> None:
    """The thread burns (almost) no CPU for ``seconds``: it waits on its condition, no polling."""
    before = cpu_ticks(thread)
    time.sleep(seconds)
    spent = (cpu_ticks(thread) - before) / os.sysconf("SC_CLK_TCK")
    assert spent < 0.2 * seconds, f"the idle worker used {spent:.2f} s of CPU in {seconds} s"


@pytest.fixture
def runner():
    r = Runner(SMALL)
    yield r
    r.stop()


def test_runner_takes_a_config_or_an_experiment():
    exp = Experiment(SMALL)
    assert Runner(exp).exp is exp
    assert Runner(SMALL).exp.cfg == SMALL
    assert Runner().exp.cfg == RunConfig()  # the paper's setup


def test_start_steps_and_pause_stops_stepping(runner):
    assert not runner.is_running and runner.exp.step_count == 0
    runner.start()
    assert runner.is_running
    _until(lambda: runner.exp.step_count >= 50)
    runner.pause(wait=True)
    assert runner.is_paused and not runner.is_running
    frozen = runner.exp.step_count
    assert_sleeps(runner._thread)  # the paused worker waits instead of polling
    assert runner.exp.step_count == frozen  # and takes no step
    runner.resume()
    _until(lambda: runner.exp.step_count > frozen)
    assert runner.error is None


def test_step_while_paused_takes_exactly_n_steps_and_records_them(runner):
    runner.step(7, wait=True)
    assert runner.exp.step_count == 7 and runner.is_paused
    snap = runner.snapshot()
    assert snap.step == 7
    assert snap.twins["plain"].layers[0].steps[-1] == 7  # on the charts at once
    runner.step(3, wait=True)
    assert runner.exp.step_count == 10


def test_set_lr_applies_before_the_next_step(runner):
    runner.step(2, wait=True)
    runner.set_lr(0.01)
    W = runner.exp.twins["plain"].layers[0].W.clone()
    runner.step(1, wait=True)
    twin = runner.exp.twins["plain"]
    torch.testing.assert_close(twin.layers[0].W - W, -0.01 * twin.layers[0].W.grad)
    assert runner.snapshot().events == (LrEvent(step=2, lr=0.01, previous=SMALL.lr),)
    with pytest.raises(ValueError, match="learning rate"):
        runner.set_lr(0.0)


def test_set_lr_while_running_is_shown_and_recorded(runner):
    runner.start()
    _until(lambda: runner.exp.step_count > 20)
    runner.set_lr(0.123)
    _until(lambda: runner.snapshot().lr == 0.123)
    event = runner.snapshot().events[-1]
    assert event.lr == 0.123 and event.step > 0


def test_set_lr_before_start_applies_directly():
    r = Runner(SMALL)
    r.set_lr(0.3)
    assert r.exp.lr == 0.3 and r.snapshot().lr == 0.3
    r.stop()


def test_reset_while_running_starts_over_and_keeps_running(runner):
    runner.start()
    _until(lambda: runner.exp.step_count > 100)
    runner.reset()
    assert runner.exp.step_count < 100 and runner.is_running
    _until(lambda: runner.exp.step_count > 0)
    runner.reset(RunConfig(dataset="blobs", hidden=(4,), record_every=5))
    assert runner.exp.cfg.dataset == "blobs"
    _until(lambda: runner.snapshot().step > 10)


def test_stop_joins_the_thread(runner):
    runner.start()
    _until(lambda: runner.exp.step_count > 0)
    thread = runner._thread
    runner.stop()
    assert not thread.is_alive() and not runner.is_running and runner.is_stopped
    with pytest.raises(RuntimeError, match="stopped"):
        runner.start()


def test_worker_errors_are_kept_not_lost():
    exp = Experiment(SMALL)
    calls = []

    def broken_step(n, record_last=False):
        calls.append(n)
        raise RuntimeError("boom")

    exp.step = broken_step
    r = Runner(exp)
    r.start()
    _until(lambda: r.error is not None)
    assert isinstance(r.error, RuntimeError) and "boom" in r.error_traceback
    assert not r.is_running
    with pytest.raises(RuntimeError):
        r.start()
    r.stop()


def test_snapshot_is_immutable_while_the_runner_runs(runner):
    runner.start()
    _until(lambda: runner.exp.step_count >= 30)
    snap = runner.snapshot()
    loss = snap.twins["bn"].loss.copy()
    pct = snap.twins["bn"].layers[1].pct_z.copy()
    with pytest.raises(ValueError):
        snap.twins["bn"].loss[0] = 1.0
    _until(lambda: runner.snapshot().step > snap.step + 30)
    np.testing.assert_array_equal(snap.twins["bn"].loss, loss)
    np.testing.assert_array_equal(snap.twins["bn"].layers[1].pct_z, pct)
    assert len(runner.snapshot().twins["bn"].loss) > len(loss)


def test_speed_cap_takes_small_chunks_and_records_them(runner):
    sizes = []
    original = runner.exp.step

    def spy(n, record_last=False):
        sizes.append(n)
        return original(n, record_last=record_last)

    runner.exp.step = spy
    runner.set_speed(20)
    runner.start()
    _until(lambda: len(sizes) >= 3)
    runner.pause(wait=True)
    assert max(sizes) == 1  # 20 steps/s * 50 ms per chunk -> one step at a time
    # Records come by time at this speed (at least 4 a second), so which steps they land on
    # depends on the machine's load; all of them are steps that were taken, in order.
    steps = runner.snapshot().twins["plain"].layers[0].steps
    assert steps[0] == 0 and (np.diff(steps) > 0).all() and steps[-1] <= runner.exp.step_count
    runner.set_speed(None)
    assert runner.steps_per_second is None
    with pytest.raises(ValueError, match="positive"):
        runner.set_speed(0)


def test_training_stops_by_itself_when_both_twins_diverged():
    cfg = RunConfig(
        dataset="moons", hidden=(4,), activation="relu", init="he", lr=1000.0, batch_size=16
    )
    exp = Experiment(cfg)
    for twin in exp.twins.values():  # make both diverge at the first step
        twin.W_out.fill_(float("nan"))
    r = Runner(exp)
    r.start()
    _until(lambda: exp.all_diverged)
    assert_sleeps(r._thread)  # nothing left to train: the worker waits for a reset
    assert exp.step_count <= 1 and r.error is None
    r.reset(RunConfig(dataset="moons", hidden=(4,)))  # recovers and keeps running
    _until(lambda: exp.step_count > 5)
    r.stop()


def test_runner_records_by_time_even_with_a_sparse_step_cadence():
    cfg = RunConfig(dataset="moons", hidden=(8,), record_every=10_000, eval_every=10_000)
    r = Runner(cfg)
    r.start()
    try:
        _until(lambda: len(r.snapshot().twins["bn"].layers[0].steps) >= 3)
    finally:
        r.stop()
    steps = r.snapshot().twins["bn"].layers[0].steps
    assert steps[0] == 0 and all(s % 10_000 != 0 for s in steps[1:])  # records off the cadence
