"""``Experiment``: the variants (default: the config's, ``cfg.variants``) trained in lockstep and recorded.

    exp = Experiment(RunConfig(lr=0.5, seed=0))
    exp.step(100)          # 100 steps of every variant, on the same minibatches, same optimizer and LR
    exp.set_lr(1.0)        # the next step uses 1.0; recorded as an LrEvent
    snap = exp.snapshot()  # immutable (bnviz.train.snapshot.Snapshot), safe to read from another thread

Lockstep: step ``s`` of every variant uses batch ``s`` of one ``BatchStream``; the variants are
independent otherwise, so ``step(n)`` runs the first variant's ``n`` steps in the calling thread and
the others' in worker threads (torch releases the GIL inside its kernels, so on 2 cores two variants
cost about as much wall time as one, four about twice as much). Results are bit-identical to running
them one after the other (``parallel=False``). ``variants`` picks them from
``bnviz.train.variants.VARIANTS``; None (the default) takes each config's ``cfg.variants``.

Recording, every ``cfg.record_every`` steps, on up to ``PROBE_SIZE`` fixed test examples, as the
layers see them during training (BN with the statistics of training-sized batches; see
``bnviz.train.forward``): per hidden layer the histogram and 15/50/85th percentiles of the
nonlinearity input ``z`` (variants normalized before it: also of the norm's input ``Wu``; with
running averages: also of ``z`` in inference mode),
for the layer and for one typical unit, the saturated fraction, the gradient norm and the
update:weight ratio of ``W``; per variant the mean training loss since the last record. Every
``cfg.eval_every`` steps, test accuracy (inference mode) on ``eval_size`` other test examples.

Divergence: a non-finite training loss stops that variant (``diverged_at``); the others carry on.
``reset()`` starts over (and so recovers). An ``Experiment`` is driven by one thread at a time
(``Runner`` does that); only ``snapshot()`` may be called concurrently.
"""

from __future__ import annotations

import dataclasses
import math
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType

import torch

from bnviz.config import RunConfig, check_lr
from bnviz.train.activations import ACTIVATIONS
from bnviz.train.model import Twin
from bnviz.train.optim import set_lr
from bnviz.train.probe import accuracy, probe_statistics
from bnviz.train.run import Run, TwinRun, new_run
from bnviz.train.snapshot import PERCENTILES, LrEvent, Snapshot, frozen
from bnviz.train.stats import norm

PROBE_SIZE = 256  # fixed test examples behind histograms/percentiles: 25,600 values per layer
EVAL_SIZE = 2_000  # held-out test examples behind the accuracy: ±0.7% standard error near 90%, ±0.3% near 98%
RATE_WINDOW_S = 2.0  # steps_per_second is measured over this much recent wall time


def configure_torch_threads(n: int = 1) -> int:
    """Set torch's intra-op threads for the whole process; call once at app start.

    One thread per twin: the nets are too small for intra-op parallelism to pay, and the twins
    already run in two threads, so more would oversubscribe a 2-core server.
    """
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


class Experiment:
    """The lockstep variants of one ``RunConfig`` (see the module docstring). ``eval_size``: test
    examples behind the accuracy (None: every test example outside the probe set)."""

    def __init__(
        self,
        cfg: RunConfig | None = None,
        *,
        parallel: bool = True,
        probe_size: int = PROBE_SIZE,
        eval_size: int | None = EVAL_SIZE,
        variants: tuple[str, ...] | None = None,
    ):
        self.parallel = parallel
        self._variants = None if variants is None else tuple(variants)
        self._probe_size, self._eval_size = probe_size, eval_size
        self._pool: ThreadPoolExecutor | None = None
        self._pool_size = 0
        self._run: Run | None = None
        self.reset(cfg or RunConfig())

    # -- state --

    @property
    def cfg(self) -> RunConfig:
        """The current run's config (``cfg.lr`` is the LR it started with; see ``lr``)."""
        return self._run.cfg

    @property
    def variants(self) -> tuple[str, ...]:
        """The variants of the current run, in order."""
        return tuple(self._run.twins)

    @property
    def step_count(self) -> int:
        """Lockstep steps taken in this run."""
        return self._run.step

    @property
    def lr(self) -> float:
        """The learning rate the next step uses."""
        return self._run.lr

    @property
    def all_diverged(self) -> bool:
        return all(r.diverged_at is not None for r in self._run.twins.values())

    @property
    def last_record_time(self) -> float:
        """``time.monotonic()`` of the newest probe record (the Runner tops up by time)."""
        return self._run.last_record_time

    @property
    def probe_x(self) -> torch.Tensor:
        """The fixed probe batch ``# (probe_size, input_dim)`` behind every probe statistic."""
        return self._run.probe_x

    @property
    def twins(self) -> dict[str, Twin]:
        """The live networks (for tests and inspection; do not touch them while stepping)."""
        return {name: r.twin for name, r in self._run.twins.items()}

    # -- control --

    def reset(self, cfg: RunConfig | None = None) -> None:
        """Start over: fresh twins from ``cfg`` (default: the same config at the current LR)."""
        if cfg is None:
            cfg = self.cfg if self._run is None else dataclasses.replace(self.cfg, lr=self.lr)
        run = new_run(cfg, self._probe_size, self._eval_size, self._variants)
        for twin_run in run.twins.values():  # the starting point of every chart
            self._record(run, twin_run, 0, None, None)
            self._evaluate(run, twin_run, 0)
        self._run = run

    def set_lr(self, lr: float) -> None:
        """Use ``lr`` from the next step on; a change is recorded as an ``LrEvent``."""
        lr, run = check_lr(lr), self._run
        if lr == run.lr:
            return
        with run.lock:
            run.events.append(LrEvent(step=run.step, lr=lr, previous=run.lr))
            run.lr = lr
        for twin_run in run.twins.values():
            set_lr(twin_run.optimizer, lr)

    def step(self, n: int = 1, record_last: bool = False) -> int:
        """Take ``n`` lockstep steps; returns ``step_count``.

        ``record_last`` also records after the last of them, off the ``record_every`` cadence
        (slow-motion and single-stepping want every step on the charts). Twins that diverged sit
        out; when all have, nothing moves.
        """
        if n < 0:
            raise ValueError(f"Cannot take a negative number of steps ({n}).")
        run = self._run
        active = [r for r in run.twins.values() if r.diverged_at is None]
        if n == 0 or not active:
            return run.step
        start = run.step
        idx = run.batches.indices(start, n)  # (n, B): the same batches for every variant
        record_at = start + n if record_last else -1
        if self.parallel and len(active) > 1:
            pool = self._executor()
            futures = [pool.submit(self._train, run, r, start, idx, record_at) for r in active[1:]]
            try:
                self._train(run, active[0], start, idx, record_at)
            finally:
                for future in futures:
                    future.result()  # wait for the others (and re-raise an error, if any)
        else:
            for twin_run in active:
                self._train(run, twin_run, start, idx, record_at)
        run.step = max(r.history.step for r in active)  # start + n unless every variant diverged
        with run.lock:
            run.step_times.append((time.perf_counter(), run.step))
        return run.step

    def snapshot(self) -> Snapshot:
        """An immutable copy of everything recorded so far (see ``bnviz.train.snapshot.Snapshot``)."""
        run = self._run
        twins = {name: r.history.snapshot() for name, r in run.twins.items()}
        healthy = [t.step for t in twins.values() if t.diverged_at is None]
        with run.lock:
            events, lr, step_times = tuple(run.events), run.lr, list(run.step_times)
        activation = ACTIVATIONS[run.cfg.activation]
        return Snapshot(
            step=min(healthy) if healthy else max(t.step for t in twins.values()),
            lr=lr,
            events=events,
            twins=MappingProxyType(twins),
            hist_edges=frozen(run.edges.numpy().copy()),
            percentiles=PERCENTILES,
            activation=activation.name,
            saturation_rule=activation.saturation_rule,
            probe_size=run.probe_x.shape[0],
            eval_size=run.eval_x.shape[0],
            steps_per_second=_rate(step_times),
            config=run.cfg,
        )

    def close(self) -> None:
        """Stop the worker thread (also done when the experiment is garbage collected)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    # -- the work --

    def _executor(self) -> ThreadPoolExecutor:
        workers = max(1, len(self.variants) - 1)
        if self._pool is not None and self._pool_size != workers:  # a reset changed the variants
            self._pool.shutdown(wait=False)
            self._pool = None
        if self._pool is None:
            self._pool_size = workers
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="bnviz-twin")
            weakref.finalize(self, self._pool.shutdown, wait=False)
        return self._pool

    def _train(self, run: Run, tr: TwinRun, start: int, idx: torch.Tensor, record_at: int):
        """``idx.shape[0]`` steps of one twin. Kept lean: this loop is the lab's hot path."""
        twin, opt, hist, x, y = tr.twin, tr.optimizer, tr.history, tr.x, tr.y
        x_train, y_train = run.data.x_train, run.data.y_train
        record_every, eval_every = run.cfg.record_every, run.cfg.eval_every
        for i in range(idx.shape[0]):
            rows = idx[i]
            torch.index_select(x_train, 0, rows, out=x)
            torch.index_select(y_train, 0, rows, out=y)
            loss = float(twin.train_step(x, y))  # one sync per step: measured ~1% of a step
            s = start + i + 1
            if not math.isfinite(loss):
                tr.diverged_at = s
                hist.mark_diverged(s)
                return
            tr.loss_sum += loss
            tr.loss_n += 1
            if s % record_every == 0 or s == record_at:
                grads = [norm(layer.W.grad) for layer in twin.layers]
                before = [layer.W.clone() for layer in twin.layers]
                opt.step()
                hist.step = s
                self._record(run, tr, s, grads, before)
            else:
                opt.step()
                hist.step = s
            if s % eval_every == 0:
                self._evaluate(run, tr, s)

    def _record(self, run: Run, tr: TwinRun, s: int, grads, before) -> None:
        """Probe-batch statistics after ``s`` steps, and the mean training loss since the last."""
        hist = tr.history
        points, hists = probe_statistics(
            tr.twin, run.probe_x, run.edges, hist.typical_units, run.probe_batch, grads, before
        )
        if tr.loss_n:
            hist.record_loss(s, tr.loss_sum / tr.loss_n)
            tr.loss_sum, tr.loss_n = 0.0, 0
        hist.record(s, hists, **points)
        run.last_record_time = time.monotonic()

    def _evaluate(self, run: Run, tr: TwinRun, s: int) -> None:
        tr.history.record_accuracy(s, accuracy(tr.twin, run.eval_x, run.eval_y))


def _rate(points: list[tuple[float, int]]) -> float:
    """Lockstep steps per second over the last ``RATE_WINDOW_S``; 0.0 if nothing moved lately."""
    now = time.perf_counter()
    if len(points) < 2 or now - points[-1][0] > RATE_WINDOW_S / 2:
        return 0.0
    recent = [p for p in points if now - p[0] <= RATE_WINDOW_S]
    if len(recent) < 2:  # chunks longer than the window: use the last one
        recent = points[-2:]
    (t0, s0), (t1, s1) = recent[0], recent[-1]
    return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0
