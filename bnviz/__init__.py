"""bnviz: make internal covariate shift and batch normalization visible.

The pure core of the app: it never imports streamlit (``ui/`` and ``pages/`` hold the Streamlit glue).
One concept per package; data flows one way::

    RunConfig ──► Experiment (twins in lockstep, torch) ──► History (bounded) ──► Snapshot (immutable)
                      ▲ play / pause / step / set_lr / reset                          │
                   Runner (a background thread; the page only sends commands)        ▼
                                                             train.plots / figure1.plots: figure dicts

- ``config``: :class:`RunConfig`, one run's settings, validated, and its URL round trip.
- ``data``: the dataset registry (embedded MNIST, 2-D toy sets), loaded once per process.
- ``style``: the look every chart shares (variant colours and labels, fonts, axis helpers).
- ``train/``: the live lab's engine — activations, inits, optimizers, the minibatch stream, the
  written-out twin networks, probe statistics, bounded history, snapshots, ``Experiment``,
  ``Runner``, the server-wide session registry, and the live lab's figure builders.
- ``arith/``: batch norm (and layer norm) step by step as data, its backward pass, the torch oracle,
  the BN stepper's worksheet and text, and parsing what a student types.
- ``figure1/``: the paper's Figure 1 — the bounded job, its result and files, its panels, and the CLI
  ``python -m bnviz.figure1``.
- ``ics/``: "Does batch norm reduce internal covariate shift?" (Santurkar et al. 2018) — noisy BN,
  ICS as gradient change, loss-landscape smoothness; CLI ``python -m bnviz.ics``.

The stable entry points are importable from here (lazily, so ``import bnviz`` stays light)::

    from bnviz import RunConfig, Experiment, Runner, batchnorm_steps
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_ENTRY_POINTS = {
    "RunConfig": "bnviz.config",
    "Experiment": "bnviz.train.experiment",
    "Runner": "bnviz.train.runner",
    "batchnorm_steps": "bnviz.arith.batchnorm",
}
__all__ = ["Experiment", "RunConfig", "Runner", "batchnorm_steps"]

if TYPE_CHECKING:
    from bnviz.arith.batchnorm import batchnorm_steps
    from bnviz.config import RunConfig
    from bnviz.train.experiment import Experiment
    from bnviz.train.runner import Runner


def __getattr__(name: str):
    # Lazy: the entry points pull in torch, and a page that only reads a shipped result should not.
    if name in _ENTRY_POINTS:
        return getattr(importlib.import_module(_ENTRY_POINTS[name]), name)
    raise AttributeError(f"module 'bnviz' has no attribute {name!r}")
