"""Turns: one chunk at a time per process, served in arrival order."""

import threading
import time

from bnviz.train import turns
from bnviz.train.turns import Baton


def test_turns_are_served_in_arrival_order_one_at_a_time():
    baton, order, inside = Baton(), [], []
    first_in = threading.Event()

    def chunk(name: str, hold_s: float) -> None:
        with baton.hold():
            inside.append(name)
            assert len(inside) == 1, "two chunks at once"
            order.append(name)
            first_in.set()
            time.sleep(hold_s)
            inside.remove(name)

    holder = threading.Thread(target=chunk, args=("a", 0.3))
    holder.start()
    first_in.wait(5)
    waiters = []
    for name in "bcd":  # queue up while "a" holds the turn, in this order
        t = threading.Thread(target=chunk, args=(name, 0.01))
        t.start()
        waiters.append(t)
        deadline = time.monotonic() + 5
        while baton.waiting < len(waiters) + 1 and time.monotonic() < deadline:
            time.sleep(0.005)
    for t in [holder, *waiters]:
        t.join(5)
    assert order == ["a", "b", "c", "d"]


def test_two_runs_alternate_chunk_by_chunk():
    baton, order = Baton(), []
    go = threading.Barrier(2)

    def run(name: str) -> None:
        go.wait()
        for _ in range(20):
            with baton.hold():
                order.append(name)
                time.sleep(0.002)

    threads = [threading.Thread(target=run, args=(n,)) for n in "xy"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    # Once both are queued, neither takes two turns while the other waits.
    middle = order[2:-2]
    assert all(a != b for a, b in zip(middle, middle[1:], strict=False)), order


def test_without_a_baton_turn_admits_at_once():
    assert turns._baton is None  # never installed in the test process
    with turns.turn() as waited:
        assert waited == 0.0
