"""Weight-initialisation registry, and the one draw of initial weights that both twins share."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from bnviz.i18n import N_


@dataclass(frozen=True)
class Init:
    """A weight initialisation: ``W ~ N(0, std²)`` with ``std = std_of(fan_in, fan_out, init_std)``."""

    name: str
    label: str
    std_of: Callable[[int, int, float], float]


INITS: dict[str, Init] = {
    # The paper: "initialized to small random Gaussian values"; the std is ours (RunConfig.init_std).
    "gaussian": Init(
        "gaussian", N_("Small Gaussian (the paper)"), lambda fan_in, fan_out, std: std
    ),
    "xavier": Init(
        "xavier",
        "Xavier / Glorot",
        lambda fan_in, fan_out, std: math.sqrt(2.0 / (fan_in + fan_out)),
    ),
    "he": Init("he", "He / Kaiming", lambda fan_in, fan_out, std: math.sqrt(2.0 / fan_in)),
}


def initial_weights(dims: list[int], init: str, init_std: float, seed: int) -> list[torch.Tensor]:
    """Weight matrices ``W_l # (dims[l+1], dims[l])`` for every layer, output layer last.

    Drawn once from a generator seeded with ``seed``, so both twins can start from copies of the
    very same matrices. Biases, β start at 0 and γ at 1 (torch's defaults for BatchNorm1d).
    """
    generator = torch.Generator().manual_seed(seed)
    spec = INITS[init]
    weights = []
    for d_in, d_out in zip(dims[:-1], dims[1:], strict=True):
        std = spec.std_of(d_in, d_out, init_std)
        weights.append(torch.randn(d_out, d_in, generator=generator) * std)
    return weights
