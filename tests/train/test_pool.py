"""The worker pool: runs trained in other processes, controlled and read from this one.

Waits poll with generous timeouts; nothing here asserts a speed (fair shares are measured by
``make bench``; the turn order that makes them fair is tested exactly in test_turns.py).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bnviz.config import RunConfig
from bnviz.i18n import Message, UserError, error_text, translator
from bnviz.train.pool import WORKER_DIED, Build, WorkerPool
from bnviz.train.remote import RemoteJob, RemoteRunner
from bnviz.train.runner import Runner

ROOT = Path(__file__).resolve().parents[2]
SMALL = RunConfig(dataset="moons", hidden=(16, 16), batch_size=32, record_every=10, eval_every=50)
TIMEOUT = 60.0


def until(condition, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def process_ticks(pid: int) -> int:
    """CPU clock ticks (user + system) the OS has charged to process ``pid``, all threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.fixture(scope="module")
def pool():
    p = WorkerPool(workers=2, shared=())
    yield p
    p.close()


def test_a_runner_in_the_pool_has_the_runner_controls(pool):
    r = Runner(SMALL, pool=pool)
    try:
        assert isinstance(r, RemoteRunner) and r.worker_pid in pool.pids
        assert r.snapshot().step == 0 and r.snapshot().config == SMALL and r.is_paused
        r.start()
        until(lambda: r.snapshot().step >= 50)
        assert r.is_running and r.version > 1
        r.pause(wait=True)
        assert r.is_paused and not r.is_running
        r.step(1, wait=True)  # a step by hand records at its end: the snapshot is exact
        frozen = r.snapshot().step
        r.step(7, wait=True)  # the report of the 7 steps arrives before the reply
        assert r.snapshot().step == frozen + 7
        r.set_lr(0.3)
        until(lambda: r.snapshot().lr == 0.3)
        r.reset(wait=True)
        assert r.snapshot().step == 0 and r.snapshot().lr == 0.3
        r.reset(RunConfig(dataset="blobs", hidden=(8,), record_every=10), wait=True)
        assert r.snapshot().config.dataset == "blobs"
        with pytest.raises(ValueError, match="learning rate"):
            r.set_lr(1e9)  # checked here, before any message
    finally:
        r.stop()


def test_the_default_pool_is_used_and_an_experiment_stays_here(pool):
    from bnviz.train.experiment import Experiment
    from bnviz.train.runner import use_pool

    use_pool(pool)
    try:
        remote = Runner(SMALL)
        local = Runner(Experiment(SMALL))
        assert isinstance(remote, RemoteRunner) and local.exp.cfg == SMALL
        remote.stop()
        local.stop()
    finally:
        use_pool(None)
    assert Runner(SMALL).exp.cfg == SMALL  # no pool: a thread of this process


def test_a_bad_reset_is_a_sentence_and_the_run_carries_on(pool):
    r = Runner(SMALL, pool=pool)
    try:
        with pytest.raises(ValueError, match="dataset"):
            r.reset(RunConfig(dataset="no-such-data"))
    finally:
        r.stop()


def test_new_runs_go_to_the_least_loaded_worker(pool):
    runs = [Runner(SMALL, pool=pool) for _ in range(4)]
    try:
        assert sorted(pool.run_counts) == [2, 2]
        assert len({r.worker_pid for r in runs}) == 2
    finally:
        for r in runs:
            r.stop()
    until(lambda: pool.run_counts == [0, 0])


def test_a_stopped_run_leaves_its_worker_idle(pool):
    r = Runner(SMALL, pool=pool)
    r.start()
    until(lambda: r.snapshot().step > 100)
    pid = r.worker_pid
    r.stop()
    time.sleep(0.5)  # the chunk in flight ends
    before = process_ticks(pid)
    time.sleep(1.0)
    spent = (process_ticks(pid) - before) / os.sysconf("SC_CLK_TCK")
    assert spent < 0.2, f"the worker used {spent:.2f} s of CPU in 1 s with no run"


def test_a_job_trains_in_the_pool_and_reports_its_result(pool):
    job = pool.open_job(Build("bnviz.figure1.job:Figure1Job", 200, cfg=SMALL, eval_size=100))
    try:
        assert isinstance(job, RemoteJob) and job.result() is None and not job.is_running
        job.start()
        until(lambda: job.finished)
        until(lambda: job.result() is not None and job.result().steps_done == 200)
        assert job.steps_done == 200 and job.steps == 200 and job.error is None
        assert job.steps_per_second > 0 and not job.is_running
    finally:
        job.stop()


def test_a_dead_worker_fails_its_runs_with_a_message_and_is_replaced():
    pool = WorkerPool(workers=1, shared=())
    try:
        r = Runner(SMALL, pool=pool)
        r.start()
        until(lambda: r.snapshot().step > 0)
        dead = r.worker_pid
        os.kill(dead, signal.SIGKILL)
        until(lambda: r.error is not None)
        assert str(r.error) == WORKER_DIED and r.is_stopped and not r.is_running
        assert "메모리" in error_text(r.error, translator("ko"))  # the page's language
        assert r.snapshot().step > 0  # the last report stays readable
        r.pause()  # controls of a lost run do nothing, and raise nothing
        r.stop()
        fresh = Runner(SMALL, pool=pool)  # what the page's Reset does: a new run, a new worker
        fresh.start()
        until(lambda: fresh.snapshot().step > 0)
        assert fresh.worker_pid != dead and fresh.error is None
        fresh.stop()
    finally:
        pool.close()


def test_snapshots_cross_processes_read_only():
    from bnviz.train.experiment import Experiment

    exp = Experiment(SMALL)
    exp.step(20)
    snap = pickle.loads(pickle.dumps(exp.snapshot()))
    exp.close()
    assert snap.step == 20 and set(snap.twins) == {"plain", "bn"}
    layer = snap.twins["bn"].layers[0]
    for array in (snap.hist_edges, layer.steps, layer.pct_z):
        assert not array.flags.writeable
    with pytest.raises(TypeError):
        snap.twins["x"] = None  # still a read-only mapping
    assert np.array_equal(snap.twins["plain"].layers[0].steps, layer.steps)


def test_workers_do_not_rerun_the_parents_main_script(tmp_path, monkeypatch):
    """Under Streamlit, ``__main__`` is a page script: a worker must not run it again."""
    import sys
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the page ran in a worker')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    pool = WorkerPool(workers=1, shared=())
    try:
        r = Runner(SMALL, pool=pool)
        r.step(3, wait=True)
        assert r.snapshot().step == 3
        r.stop()
    finally:
        pool.close()
    assert not marker.exists()
    assert sys.modules["__main__"] is page  # put back after the start


def test_a_shared_data_directory_that_cannot_be_written_is_done_without(monkeypatch):
    monkeypatch.setenv("BNVIZ_SHARED_DIR", "/proc")  # nobody may create a directory there
    pool = WorkerPool(workers=1, shared=("moons",))
    try:
        assert pool.publication.handles == ()  # each worker loads its own copy instead
        r = Runner(SMALL, pool=pool)
        r.step(3, wait=True)
        assert r.snapshot().step == 3
        r.stop()
    finally:
        pool.close()


class _Unanswered:
    """A pool whose worker has not answered yet: requests are kept, replies sent by hand."""

    def __init__(self):
        self.sent: list[tuple] = []
        self.replies: list = []

    def request(self, w, message, wait=True, timeout=None, on_reply=None):
        self.sent.append(message)
        if on_reply is not None:
            self.replies.append(on_reply)


def test_a_started_run_counts_as_running_before_its_worker_says_so():
    # The session registry takes a run that is not running for finished and frees its slot: a run
    # just started must not look finished while its worker (maybe just spawned) is still busy.
    pool = _Unanswered()
    r = RemoteRunner(pool, w=None, run_id=1, factory=None)
    assert not r.is_running
    r.start()
    assert pool.sent[-1][:3] == ("call", 1, "start")
    assert r.is_running, "running from the moment Play was pressed"
    r._report({"is_running": False, "is_paused": True, "is_stopped": False, "error": None}, None)
    assert r.is_running, "a report sent before the worker saw the start changes nothing"
    r._report({"is_running": True, "is_paused": False, "is_stopped": False, "error": None}, None)
    pool.replies.pop()(None)  # the worker started it, reported, then replied
    assert r.is_running
    r._report({"is_running": False, "is_paused": False, "is_stopped": False, "error": None}, None)
    assert not r.is_running, "after the reply, the worker's reports decide (the run finished)"
    r._lost("gone")
    r.start()
    assert len(pool.sent) == 1 and not r.is_running  # a lost run is not started again


def test_a_workers_user_error_reaches_the_page_in_its_language(pool):
    r = Runner(SMALL, pool=pool)
    try:
        with pytest.raises(UserError) as err:
            r.reset(RunConfig(dataset="no-such-data"))
        english = str(err.value)
        assert english and error_text(err.value, translator("ko")) != english
    finally:
        r.stop()


def test_a_message_crosses_a_pipe_as_its_msgid():
    m = Message("Step {step:,}", {"step": 1200})
    back = pickle.loads(pickle.dumps(m))
    assert isinstance(back, Message) and back.msgid == m.msgid and back == "Step 1,200"


def test_a_worker_has_imported_what_an_optimizer_would_import_later():
    # Memory a link can cost is a run's own: torch.optim's one-time imports come with the worker.
    probe = (
        "import sys, torch; from bnviz.train.worker import preload; preload(); "
        "n = len(sys.modules); torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], lr=0.1); "
        "print(len(sys.modules) - n)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert int(out.stdout.strip()) < 10  # without preload(): ~800 modules, ~70 MB
