"""The state of one run of the lockstep twins: what ``Experiment.reset`` builds and ``step`` mutates.

A :class:`Run` owns everything that belongs to one config: both twins with their optimizers and
histories, the minibatch stream, the fixed probe batch and eval subset, the LR and the step. An
``Experiment`` swaps in a new ``Run`` on reset, so a reader sees the old run or the new one, never
a mix.
"""

from __future__ import annotations

import collections
import dataclasses
import threading

import numpy as np
import torch

from bnviz.config import RunConfig
from bnviz.data import Dataset, load_dataset
from bnviz.train.activations import ACTIVATIONS
from bnviz.train.batches import BatchStream
from bnviz.train.history import MAX_EVENTS, TwinHistory
from bnviz.train.model import Twin, build_twins
from bnviz.train.optim import Optimizer, make_optimizer
from bnviz.train.stats import bin_edges
from bnviz.train.variants import TWINS


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
    probe_x: torch.Tensor  # (probe_size, input_dim)
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


def new_run(cfg: RunConfig, probe_size: int, eval_size: int) -> Run:
    """Fresh twins for ``cfg``, and the probe batch (``probe_size`` test examples), the eval subset
    (``eval_size`` others) and the typical units, all drawn once from ``cfg.seed``."""
    data = load_dataset(cfg.dataset)
    dims = [data.input_dim, *cfg.hidden, data.n_classes]
    twins = build_twins(
        dims, cfg.activation, cfg.init, cfg.init_std, cfg.seed, cfg.bn_momentum, cfg.bn_eps
    )
    # The probe batch, the eval subset and the typical units: drawn once from the seed.
    generator = torch.Generator().manual_seed(child_seed(cfg.seed, 1))
    n_probe = min(probe_size, data.n_test // 2)
    n_eval = min(eval_size, data.n_test - n_probe)
    order = torch.randperm(data.n_test, generator=generator)
    probe_idx, eval_idx = order[:n_probe], order[n_probe : n_probe + n_eval]
    typical = [int(torch.randint(w, (1,), generator=generator)) for w in cfg.hidden]
    activation = ACTIVATIONS[cfg.activation]
    edges = bin_edges(*activation.hist_range)
    twin_runs = {}
    for name in TWINS:
        twin = twins[name]
        twin_runs[name] = TwinRun(
            twin=twin,
            optimizer=make_optimizer(cfg.optimizer, twin.parameters(), cfg.lr),
            history=TwinHistory(name, twin.batch_norm, list(cfg.hidden), typical, len(edges) - 1),
            x=torch.empty(cfg.batch_size, data.input_dim),
            y=torch.empty(cfg.batch_size, dtype=torch.int64),
        )
    return Run(
        cfg=cfg,
        data=data,
        twins=twin_runs,
        batches=BatchStream(data.n_train, cfg.batch_size, child_seed(cfg.seed, 2)),
        probe_x=data.x_test.index_select(0, probe_idx),
        eval_x=data.x_test.index_select(0, eval_idx),
        eval_y=data.y_test.index_select(0, eval_idx),
        edges=edges,
        lr=cfg.lr,
    )


def child_seed(seed: int, stream: int) -> int:
    """Independent seeds for the weights (``seed`` itself), the batches and the probe split."""
    return int(np.random.SeedSequence((seed, stream)).generate_state(1)[0])
