"""``WorkerPool``: the processes that train every run of a server, off the web process.

    pool = WorkerPool(workers=2)                       # one per core by default (BNVIZ_WORKERS)
    runner = Runner(cfg, pool=pool)                    # same methods as a thread Runner
    job = pool.open_job(partial(Figure1Job, 5000))     # a Job, trained in a worker
    pool.close()

Workers are ``multiprocessing`` processes started with ``spawn`` (``bnviz.train.worker``), one pipe
each. A new run goes to the live worker hosting the fewest runs. The web process keeps, per run, the
newest state and view the worker reported (``bnviz.train.remote``): reading a run never waits on
training. A control is a message; a call that must finish first (``step(wait=True)``,
``reset``) waits for the worker's reply, whose report of the run arrives before it.

A worker that dies (killed, out of memory) takes its runs with it: each one reports a clear error and
is stopped, and the next run opened gets a fresh worker. MNIST is published once
(``bnviz.shared_data``) and mapped by every worker, so workers do not each hold a copy.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from bnviz.i18n import N_, Message, UserError
from bnviz.machine import env_number, usable_cpus
from bnviz.shared_data import SHARED_DATASETS, Publication, publish
from bnviz.spawn import bare_main, spawn_context
from bnviz.train import worker
from bnviz.train.remote import RemoteJob, RemoteRun, RemoteRunner

log = logging.getLogger(__name__)
DEFAULT_NICE = 5  # training yields the CPU to the web process, which must refresh every page
REPLY_TIMEOUT_S = 60.0
# A Message: the page shows it in its language (and adds how to start again).
WORKER_DIED = Message(
    N_(
        "The server process that trained this run stopped unexpectedly (it may have run out of "
        "memory)"
    )
)


def default_workers() -> int:
    """``BNVIZ_WORKERS`` if set (0: no pool, runs train in threads of the web process), else one
    per CPU this process may use (a container's CPU limit included)."""
    return int(env_number("BNVIZ_WORKERS", usable_cpus(), 0))


class Build:
    """A picklable factory naming its class by ``"module:Class"``: the web process need not import
    the class (nor torch) to have a worker build it. ``Build("bnviz.figure1.job:Figure1Job", 5000)``."""

    def __init__(self, target: str, *args: Any, **kwargs: Any):
        self.target, self.args, self.kwargs = target, args, kwargs

    def __call__(self) -> Any:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)(*self.args, **self.kwargs)


class _Worker:
    """One worker process, its pipe, and the thread that reads its reports."""

    def __init__(self, pool: WorkerPool, index: int):
        ctx = spawn_context()
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=worker.serve,
            args=(child, pool.publication.handles, pool.nice),
            name=f"bnviz-worker-{index}",
            daemon=True,
        )
        with bare_main():
            self.process.start()
        child.close()
        self.pool = pool
        self.runs: dict[int, RemoteRun] = {}
        self.alive = True
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name=f"bnviz-pool-{index}", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def send(self, message: tuple) -> None:
        with self._send_lock:
            if not self.alive:
                raise RuntimeError(WORKER_DIED)
            try:
                self.conn.send(message)
            except (OSError, EOFError, BrokenPipeError) as exc:
                raise RuntimeError(WORKER_DIED) from exc

    def _read(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                break
            kind = message[0]
            if kind == "state":
                _, run_id, state, view = message
                run = self.runs.get(run_id)
                if run is not None:
                    run._report(state, view)
            elif kind == "reply":
                self.pool._replied(message[1], message[2])
        self._died()

    def _died(self) -> None:
        with self._send_lock:
            self.alive = False
        for run in list(self.runs.values()):
            run._lost(WORKER_DIED)
        self.pool._forget(self)
        self.process.join(timeout=1)


class WorkerPool:
    """Processes that train runs for this web process (see the module docstring)."""

    def __init__(
        self,
        workers: int | None = None,
        nice: int = DEFAULT_NICE,
        shared: tuple[str, ...] = SHARED_DATASETS,
    ):
        self.size = max(1, default_workers() if workers is None else int(workers))
        self.nice = nice
        try:
            self.publication: Publication = publish(shared)
        except OSError as exc:  # no room for the files: each worker loads its own copy instead
            log.warning("Sharing the datasets failed (%s); each worker loads its own.", exc)
            self.publication = publish(())
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._started = itertools.count()
        self._run_ids = itertools.count(1)
        self._requests = itertools.count(1)
        self._pending: dict[int, Callable[[str | None], None]] = {}  # request id -> on reply
        self._closed = False

    # -- runs --

    def open_runner(self, factory: Callable[[], Any]) -> RemoteRunner:
        """Host ``factory()`` (a ``Runner``, built in the worker) and return its handle."""
        return self._open(RemoteRunner, factory)

    def open_job(self, factory: Callable[[], Any]) -> RemoteJob:
        """Host ``factory()`` (a ``Job``, built in the worker) and return its handle."""
        return self._open(RemoteJob, factory)

    def _open(self, kind: type[RemoteRun], factory: Callable[[], Any]) -> Any:
        w = self._least_loaded()
        run = kind(self, w, next(self._run_ids), factory)
        w.runs[run.run_id] = run
        try:
            self.request(w, ("open", run.run_id, factory))
        except Exception:
            w.runs.pop(run.run_id, None)
            raise
        return run

    def _least_loaded(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("The worker pool is closed.")
            self._workers = [w for w in self._workers if w.alive]
            while len(self._workers) < self.size:
                self._workers.append(_Worker(self, next(self._started)))
            return min(self._workers, key=lambda w: len(w.runs))

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._workers if w.alive and w.pid is not None]

    @property
    def run_counts(self) -> list[int]:
        with self._lock:
            return [len(w.runs) for w in self._workers if w.alive]

    # -- messages --

    def request(
        self,
        w: _Worker,
        message: tuple,
        wait: bool = True,
        timeout: float = REPLY_TIMEOUT_S,
        on_reply: Callable[[str | None], None] | None = None,
    ):
        """Send ``(kind, req, *message[1:])`` to ``w``; with ``wait``, block until the worker
        replies and raise its error as ``ValueError`` (a sentence for the page). Without ``wait``,
        ``on_reply(error)`` (if given) is called by the pool's reader thread once the worker has
        done the request and reported the run; never, if the worker dies first."""
        if not wait:
            req = None
            if on_reply is not None:
                req = next(self._requests)
                self._pending[req] = on_reply
            try:
                w.send((message[0], req, *message[1:]))
            except RuntimeError:
                self._pending.pop(req, None)
                raise
            return
        req = next(self._requests)
        slot = [threading.Event(), None]

        def done(error: str | None) -> None:
            slot[1] = error
            slot[0].set()

        self._pending[req] = done
        try:
            w.send((message[0], req, *message[1:]))
            while not slot[0].wait(0.5):
                if not w.alive:
                    raise RuntimeError(WORKER_DIED)
                timeout -= 0.5
                if timeout <= 0:
                    raise TimeoutError("The training process did not answer in time.")
        finally:
            self._pending.pop(req, None)
        if isinstance(slot[1], Message):  # the worker's UserError: a sentence in any language
            raise UserError(slot[1].msgid, **slot[1].params)
        if slot[1] is not None:
            raise ValueError(slot[1])

    def _replied(self, req: int, error: str | None) -> None:
        done = self._pending.pop(req, None)
        if done is not None:
            done(error)

    def _forget(self, w: _Worker) -> None:
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)

    def close(self) -> None:
        """Stop every worker and delete the published data."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for w in workers:
            w.alive = False
            w.conn.close()
        for w in workers:
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.kill()
        self.publication.close()
