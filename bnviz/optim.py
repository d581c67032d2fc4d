"""Optimizer registry: the names that travel into widgets and URLs, mapped to ``torch.optim`` builders.

Each builder takes the parameter list and the learning rate and returns a ``torch.optim.Optimizer``.
Both twins get their own optimizer from the same entry, so they differ only by batch norm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    label: str
    make: Callable[[list[torch.Tensor], float], torch.optim.Optimizer]


# foreach=True: one multi-tensor kernel per update instead of one per parameter (fewer dispatches).
OPTIMIZERS: dict[str, OptimizerSpec] = {
    "sgd": OptimizerSpec(
        "sgd", "SGD", lambda params, lr: torch.optim.SGD(params, lr=lr, foreach=True)
    ),
    "momentum": OptimizerSpec(
        "momentum",
        "SGD + momentum 0.9",
        lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9, foreach=True),
    ),
    "adam": OptimizerSpec(
        "adam", "Adam", lambda params, lr: torch.optim.Adam(params, lr=lr, foreach=True)
    ),
}


def make_optimizer(name: str, params: list[torch.Tensor], lr: float) -> torch.optim.Optimizer:
    """The registry's optimizer ``name`` over ``params`` at learning rate ``lr``."""
    if name not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[name].make(params, lr)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Change the learning rate in place; the optimizer's state (momentum, Adam moments) is kept."""
    for group in optimizer.param_groups:
        group["lr"] = lr
