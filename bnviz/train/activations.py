"""Activation registry: each nonlinearity with its local backward and its saturation rule.

Names (``"sigmoid"``, ``"tanh"``, ``"relu"``) are what travels into widgets and URLs. Saturation
thresholds, each where the slope falls to a small share of its peak: sigmoid output outside [0.02, 0.98];
|tanh| > 0.96; ReLU off (z ≤ 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from bnviz.i18n import N_

aten = torch.ops.aten


@dataclass(frozen=True)
class Activation:
    """A nonlinearity: forward and local backward side by side, and what "saturated" means for it.

    ``forward(z, out)`` writes ``h = f(z)`` into ``out``; ``backward(dh, z, h)`` returns
    ``dz = dh * f'(z)``; ``saturated(z, h)`` is a bool mask of units that pass (almost) no gradient.
    ``hist_range`` is the fixed range of the histograms of its input ``z``.
    """

    name: str
    label: str  # label and saturation_rule: English msgids (bnviz.i18n), translated where shown
    forward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    backward: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
    saturated: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    saturation_rule: str
    hist_range: tuple[float, float]
    module: Callable[[], nn.Module]


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        name="sigmoid",
        label=N_("Sigmoid (the paper)"),
        forward=lambda z, out: torch.sigmoid(z, out=out),
        backward=lambda dh, z, h: aten.sigmoid_backward(dh, h),  # dh * h * (1 - h)
        # sigmoid(±3.89) = 0.98 / 0.02: beyond that the slope h(1-h) is below 0.02, 1/12 of its peak.
        saturated=lambda z, h: (h < 0.02) | (h > 0.98),
        saturation_rule=N_("sigmoid output outside [0.02, 0.98] (input |z| > 3.9)"),
        hist_range=(-8.0, 8.0),
        module=nn.Sigmoid,
    ),
    "tanh": Activation(
        name="tanh",
        label="Tanh",
        forward=lambda z, out: torch.tanh(z, out=out),
        backward=lambda dh, z, h: aten.tanh_backward(dh, h),  # dh * (1 - h²)
        saturated=lambda z, h: h.abs() > 0.96,  # slope 1 - h² below 0.08, i.e. |z| > 1.95
        saturation_rule=N_("|tanh output| > 0.96 (input |z| > 1.95)"),
        hist_range=(-4.0, 4.0),
        module=nn.Tanh,
    ),
    "relu": Activation(
        name="relu",
        label="ReLU",
        forward=lambda z, out: torch.clamp(z, min=0.0, out=out),
        backward=lambda dh, z, h: aten.threshold_backward(dh, z, 0.0),  # dh where z > 0, else 0
        saturated=lambda z, h: z <= 0,
        saturation_rule=N_("ReLU input z ≤ 0 (the unit is off and passes no gradient)"),
        hist_range=(-4.0, 4.0),
        module=nn.ReLU,
    ),
}
