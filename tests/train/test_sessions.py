"""SessionRegistry: the server-wide cap, idle pause, release on tab close, revival on reconnect."""

import threading
import time

import pytest

from bnviz.train.sessions import SessionRegistry


class FakeRunner:
    def __init__(self):
        self.state = "new"
        self.calls = []

    def start(self):
        self.calls.append("start")
        self.state = "running"

    def pause(self):
        self.calls.append("pause")
        self.state = "paused"

    def stop(self):
        self.calls.append("stop")
        self.state = "stopped"

    @property
    def is_running(self):
        return self.state == "running"


def _until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def make_registry(clock, **kw):
    kw.setdefault("max_training", 2)
    kw.setdefault("idle_pause_s", 30)
    kw.setdefault("release_grace_s", 10)
    return SessionRegistry(clock=clock, **kw)


def test_play_starts_and_after_a_pause_starts_again(clock):
    reg = make_registry(clock)
    lab = reg.get_or_create("a", FakeRunner)
    assert reg.play("a") is True
    reg.pause("a")
    assert reg.play("a") is True
    assert lab.runner.calls == ["start", "pause", "start"]  # a Trainable's start() resumes
    assert reg.training_count == 1


def test_cap_refuses_without_blocking_and_frees_on_pause(clock):
    reg = make_registry(clock, max_training=2)
    for sid in "abc":
        reg.get_or_create(sid, FakeRunner)
    assert reg.play("a") and reg.play("b")
    assert reg.play("c") is False
    assert reg.get("c").runner.state == "new"
    assert reg.training_count == 2
    reg.pause("a")
    # c still wants to train: its next poll takes the freed slot.
    reg.touch("c")
    assert reg.get("c").training and reg.get("c").runner.state == "running"
    assert reg.training_count == 2


def test_idle_session_is_paused_and_resumes_on_next_poll(clock):
    reg = make_registry(clock, idle_pause_s=30)
    lab = reg.get_or_create("a", FakeRunner)
    reg.play("a")
    clock.now = 29
    reg.sweep()
    assert lab.training
    clock.now = 31
    reg.sweep()
    assert not lab.training and lab.wants_to_train and lab.runner.state == "paused"
    assert reg.training_count == 0
    reg.touch("a")
    assert lab.training and lab.runner.state == "running"


def test_user_pause_is_not_undone_by_a_poll(clock):
    reg = make_registry(clock)
    lab = reg.get_or_create("a", FakeRunner)
    reg.play("a")
    reg.pause("a")
    reg.touch("a")
    assert lab.runner.state == "paused"


def test_release_pauses_at_once_and_stops_after_grace(clock):
    reg = make_registry(clock, release_grace_s=10)
    lab = reg.get_or_create("a", FakeRunner)
    reg.play("a")
    clock.now = 5
    reg.release("a")
    assert lab.runner.state == "paused" and reg.training_count == 0
    clock.now = 14
    reg.sweep()
    assert reg.get("a") is not None
    clock.now = 15
    reg.sweep()
    assert reg.get("a") is None and lab.runner.state == "stopped"


def test_release_with_zero_grace_stops_at_once_without_waiting_in_the_caller(clock):
    reg = make_registry(clock, release_grace_s=0)
    lab = reg.get_or_create("a", FakeRunner)
    reg.play("a")
    gate = threading.Event()
    lab.runner.stop = lambda: (gate.wait(5), lab.runner.calls.append("stop"))  # a slow join
    reg.release("a")  # returns before the stop finishes: it runs on the server's event loop
    assert "stop" not in lab.runner.calls and lab.runner.state == "paused"
    gate.set()
    _until(lambda: "stop" in lab.runner.calls and reg.get("a") is None)


def test_reconnect_within_grace_revives_the_same_run(clock):
    reg = make_registry(clock, release_grace_s=10)
    lab = reg.get_or_create("a", FakeRunner)
    reg.play("a")
    reg.release("a")
    clock.now = 3
    again = reg.get_or_create("a", FakeRunner)
    assert again is lab and lab.runner.state == "running" and lab.released_at is None
    clock.now = 30
    reg.sweep()
    assert reg.get("a") is lab


def test_replace_runner_stops_old_and_frees_slot(clock):
    reg = make_registry(clock)
    lab = reg.get_or_create("a", FakeRunner)
    reg.play("a")
    old = lab.runner
    reg.replace_runner("a", FakeRunner())
    assert old.state == "stopped" and reg.training_count == 0
    assert lab.runner.state == "new" and not lab.wants_to_train
    assert reg.play("a") and lab.runner.calls == ["start"]


def test_from_env_reads_knobs_and_ignores_garbage(monkeypatch):
    monkeypatch.setenv("BNVIZ_MAX_TRAINING_RUNS", "7")
    monkeypatch.setenv("BNVIZ_IDLE_PAUSE_SECONDS", "not a number")
    monkeypatch.setenv("BNVIZ_RELEASE_GRACE_SECONDS", "-5")
    reg = SessionRegistry.from_env()
    assert reg.max_training == 7
    assert reg.idle_pause_s == 30.0
    assert reg.release_grace_s == 0.0
    # never shorter than the web server's reconnect window
    assert SessionRegistry.from_env(min_release_grace_s=120).release_grace_s == 120
    monkeypatch.delenv("BNVIZ_RELEASE_GRACE_SECONDS")
    assert SessionRegistry.from_env().release_grace_s == 120.0  # Streamlit's default window


def test_monitor_thread_sweeps(clock):
    import time

    reg = make_registry(clock, release_grace_s=0.0)
    lab = reg.get_or_create("a", FakeRunner)
    reg.play("a")
    clock.now = 100  # idle for far longer than idle_pause_s
    reg.start_monitor()
    try:
        deadline = time.monotonic() + 5
        while lab.training and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not lab.training and lab.wants_to_train and lab.runner.state == "paused"
    finally:
        reg.shutdown()
    assert lab.runner.state == "stopped"


def test_a_runner_is_built_outside_the_registrys_lock(clock):
    reg = make_registry(clock)
    reg.get_or_create("other", FakeRunner)
    seen = []

    def slow_build():
        # Another session asks the registry something while this model is being built.
        t = threading.Thread(target=lambda: seen.append(reg.session_count))
        t.start()
        t.join(2)
        assert not t.is_alive(), "the registry was locked while a model was being built"
        return FakeRunner()

    reg.get_or_create("a", slow_build)
    assert seen == [1] and reg.session_count == 2


def test_two_first_calls_of_one_session_keep_one_runner(clock):
    reg = make_registry(clock)
    made = []

    def build():
        runner = FakeRunner()
        made.append(runner)
        if len(made) == 1:  # the same session's second request arrives mid-build
            reg.get_or_create("a", build)
        return runner

    entry = reg.get_or_create("a", build)
    assert entry.runner is made[1] and made[0].state == "stopped"  # the loser is stopped


def test_step_by_hand_takes_a_slot_and_is_refused_when_the_server_is_full(clock):
    reg = make_registry(clock, max_training=1)
    a = reg.get_or_create("a", FakeRunner)
    reg.get_or_create("b", FakeRunner)
    during = []
    a.runner.step = lambda n, wait: during.append((n, reg.training_count))
    assert reg.step("a", 10) and during == [(10, 1)]  # a slot held while stepping
    assert reg.training_count == 0
    reg.play("b")
    assert reg.step("a", 10) is False and len(during) == 1  # full: nothing stepped


def test_a_run_that_stopped_by_itself_gives_its_slot_back(clock):
    reg = make_registry(clock, max_training=1)
    a = reg.get_or_create("a", FakeRunner)
    reg.get_or_create("b", FakeRunner)
    reg.play("a")
    a.runner.state = "finished"  # e.g. every variant diverged, or a job finished
    assert reg.play("b") is False
    reg.sweep()
    assert not a.training and not a.wants_to_train  # a poll will not restart it
    reg.touch("a")
    assert not a.training and reg.play("b") is True


def test_runs_beyond_the_cap_queue_first_come_first_served(clock):
    reg = make_registry(clock, max_training=1)
    for sid in "abc":
        reg.get_or_create(sid, FakeRunner)
    assert reg.play("a") and not reg.play("b")
    clock.now += 1
    assert not reg.play("c")
    assert [reg.queue_position(s) for s in "abc"] == [None, 1, 2] and reg.waiting_count == 2
    assert not reg.touch("c").training  # a poll of the second in line does not jump the queue
    reg.pause("a")  # the slot frees: the sweep gives it to the head of the queue
    reg.sweep()
    assert reg.get("b").training and not reg.get("c").training and reg.queue_position("c") == 1
    assert not reg.step("a", 10)  # stepping by hand does not jump the queue either


def test_a_queued_run_that_stops_waiting_leaves_the_queue(clock):
    reg = make_registry(clock, max_training=1)
    for sid in "abc":
        reg.get_or_create(sid, FakeRunner)
    reg.play("a"), reg.play("b"), reg.play("c")
    reg.pause("b")  # no longer wants to train
    assert reg.queue_position("b") is None and reg.queue_position("c") == 1
    reg.release("c")  # tab closed: out of the queue while away
    assert reg.waiting_count == 0


def test_a_queued_run_nobody_watches_is_not_started(clock):
    reg = make_registry(clock, max_training=1, idle_pause_s=30)
    for sid in "ab":
        reg.get_or_create(sid, FakeRunner)
    reg.play("a"), reg.play("b")
    clock.now += 31  # b's tab went to the background; a's too
    reg.touch("a")
    reg.pause("a")
    reg.sweep()
    assert not reg.get("b").training  # its next poll starts it
    assert reg.touch("b").training


def test_the_server_refuses_runs_beyond_its_budget_with_a_sentence(clock):
    from bnviz.train.sessions import ServerFull

    reg = make_registry(clock, max_sessions=2)
    reg.get_or_create("a", FakeRunner)
    reg.get_or_create("b", FakeRunner)
    made = []
    with pytest.raises(ServerFull, match="server is full"):
        reg.get_or_create("c", lambda: made.append(1) or FakeRunner())
    assert made == [] and reg.session_count == 2  # refused before any model is built
    assert reg.get_or_create("a", FakeRunner) is reg.get("a")  # existing runs still open
    reg.release("b")
    clock.now += 11
    reg.sweep()
    reg.get_or_create("c", FakeRunner)  # a freed place is taken again
