"""Noisy BN's noise: a random per-unit scale and shift after BN, new at every training step.

The control of Santurkar et al. (2018): ``z ← s ⊙ z + m`` after each BN while training, so the
distribution the next layer sees keeps moving however well BN normalizes. ``draw_noise`` is one
step's draw for one layer; :class:`Noise` is the same as a ``torch.nn`` module for the oracle.
"""

from __future__ import annotations

import torch
from torch import nn

# Noisy BN's noise, per unit and per step: a shift m ~ U(-NOISE_SHIFT, NOISE_SHIFT) (non-zero mean)
# and a scale s ~ U(NOISE_SCALE) (non-unit variance). A shift of up to ±1 moves a sigmoid's input by
# as much as the plain twin's drifts in Figure 1; a scale of 0.5-2 halves or doubles its spread.
NOISE_SHIFT = 1.0
NOISE_SCALE = (0.5, 2.0)


def draw_noise(generator: torch.Generator, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One step's noise for a layer of ``width`` units: ``(scale, shift)``, each ``# (width,)``."""
    lo, hi = NOISE_SCALE
    scale = torch.rand(width, generator=generator).mul_(hi - lo).add_(lo)
    shift = torch.rand(width, generator=generator).mul_(2 * NOISE_SHIFT).sub_(NOISE_SHIFT)
    return scale, shift


class Noise(nn.Module):
    """``z ↦ s ⊙ z + m`` in train mode, the identity in eval mode (noise is a training-time thing)."""

    def __init__(self, scale: torch.Tensor | None, shift: torch.Tensor | None, width: int):
        super().__init__()
        self.register_buffer("scale", torch.ones(width) if scale is None else scale.clone())
        self.register_buffer("shift", torch.zeros(width) if shift is None else shift.clone())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.scale + self.shift if self.training else z
