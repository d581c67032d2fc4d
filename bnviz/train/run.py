"""The state of one run of the lockstep variants: what ``Experiment.reset`` builds and ``step`` mutates.

A :class:`Run` owns everything that belongs to one config: every variant's network with its
optimizer and history, the minibatch stream, the fixed probe set and eval subset, the LR and the
step. An ``Experiment`` swaps in a new ``Run`` on reset, so a reader sees the old run or the new one,
never a mix.
"""

from __future__ import annotations

import collections
import dataclasses
import threading

import torch

from bnviz.config import RunConfig
from bnviz.data import Dataset, load_dataset
from bnviz.train.activations import ACTIVATIONS
from bnviz.train.batches import BatchStream
from bnviz.train.history import MAX_EVENTS, TwinHistory
from bnviz.train.model import Twin, build_twins
from bnviz.train.optim import Optimizer, make_optimizer
from bnviz.train.seeds import BATCH_STREAM, PROBE_STREAM, child_seed
from bnviz.train.stats import bin_edges


@dataclasses.dataclass
class TwinRun:
    """One twin's training state within a run (owned by the thread that steps it)."""

    twin: Twin
    optimizer: Optimizer
    history: TwinHistory
    x: torch.Tensor  # (B, input_dim) minibatch buffer, refilled in place every step
    y: torch.Tensor  # (B,)
    diverged_at: int | None = None
    loss_sum: float = 0.0  # training losses since the last record
    loss_n: int = 0


@dataclasses.dataclass
class Run:
    """Everything one run owns; ``reset`` swaps in a new one, so readers see old or new, never a mix."""

    cfg: RunConfig
    data: Dataset  # shared, read-only (bnviz.data)
    twins: dict[str, TwinRun]  # variant name -> its training state
    batches: BatchStream
    probe_x: torch.Tensor  # (probe_size, input_dim): probe_size is a multiple of probe_batch
    probe_batch: int  # the training batch size, or less when the probe set is smaller
    eval_x: torch.Tensor  # (eval_size, input_dim)
    eval_y: torch.Tensor  # (eval_size,)
    edges: torch.Tensor  # (n_bins + 1,)
    lr: float
    step: int = 0
    last_record_time: float = 0.0
    events: collections.deque = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=MAX_EVENTS)
    )
    # (time.perf_counter(), step) after every chunk of steps: the recent speed is measured from these
    step_times: collections.deque = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=64)
    )
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


def new_run(
    cfg: RunConfig, probe_size: int, eval_size: int | None, variants: tuple[str, ...] | None = None
) -> Run:
    """Fresh networks of ``variants`` (None: ``cfg.variants``) for ``cfg``, the probe set (up to ``probe_size`` test
    examples, a whole number of training-sized batches), the eval subset (``eval_size`` other test
    examples; None: all of them) and the typical units, all drawn once from ``cfg.seed``."""
    data = load_dataset(cfg.dataset)
    variants = cfg.variants if variants is None else variants
    dims = [data.input_dim, *cfg.hidden, data.n_classes]
    nets = build_twins(
        dims,
        cfg.activation,
        cfg.init,
        cfg.init_std,
        cfg.seed,
        cfg.bn_momentum,
        cfg.bn_eps,
        variants,
        cfg.groups,
    )
    # The probe set, the eval subset and the typical units: drawn once from the seed.
    generator = torch.Generator().manual_seed(child_seed(cfg.seed, PROBE_STREAM))
    most = min(probe_size, data.n_test // 2)
    probe_batch = min(cfg.batch_size, most)
    n_probe = probe_batch * (most // probe_batch)
    rest = data.n_test - n_probe
    n_eval = rest if eval_size is None else min(eval_size, rest)
    order = torch.randperm(data.n_test, generator=generator)
    probe_idx, eval_idx = order[:n_probe], order[n_probe : n_probe + n_eval]
    typical = [int(torch.randint(w, (1,), generator=generator)) for w in cfg.hidden]
    activation = ACTIVATIONS[cfg.activation]
    edges = bin_edges(*activation.hist_range)
    twin_runs = {}
    for name, twin in nets.items():
        twin_runs[name] = TwinRun(
            twin=twin,
            optimizer=make_optimizer(cfg.optimizer, twin.parameters(), cfg.lr),
            history=TwinHistory(
                name,
                twin.batch_norm,
                list(cfg.hidden),
                typical,
                len(edges) - 1,
                wu=twin.norm_before,
                inference=twin.norm is not None and twin.norm.running_stats,
            ),
            x=torch.empty(cfg.batch_size, data.input_dim),
            y=torch.empty(cfg.batch_size, dtype=torch.int64),
        )
    return Run(
        cfg=cfg,
        data=data,
        twins=twin_runs,
        batches=BatchStream(data.n_train, cfg.batch_size, child_seed(cfg.seed, BATCH_STREAM)),
        probe_x=data.x_test.index_select(0, probe_idx),
        probe_batch=probe_batch,
        eval_x=data.x_test.index_select(0, eval_idx),
        eval_y=data.y_test.index_select(0, eval_idx),
        edges=edges,
        lr=cfg.lr,
    )
