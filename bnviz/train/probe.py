"""What is recorded about a twin: statistics of its hidden layers on the fixed probe batch, and
its accuracy on held-out examples. Pure functions of a twin; the engine stores the results.

Per hidden layer (``L`` layers, ``n_bins`` histogram bins), ``probe_statistics`` returns the columns
of ``TwinHistory.record``:

- ``pct_z``, ``pct_z_unit`` ``# (L, 3)``: 15/50/85th percentiles of the nonlinearity input ``z``
  over the whole layer and over the typical unit; ``pct_wu``, ``pct_wu_unit``: the same for the bn
  twin's pre-BN ``Wu`` (NaN for the plain twin);
- ``saturated`` ``# (L,)``: the activation's saturated fraction;
- ``grad_norm``, ``update_ratio`` ``# (L,)``: of each layer's ``W`` (NaN when not given);
- histograms ``hist_z``, ``hist_wu`` ``# (L, n_bins)`` int64 (zeros for the plain twin's ``Wu``).
"""

from __future__ import annotations

import numpy as np
import torch

from bnviz.train.model import Twin
from bnviz.train.stats import (
    histogram_of_sorted,
    percentiles_of_sorted,
    saturated_fraction,
    sorted_values,
    unit_percentiles,
    update_ratio,
)


@torch.no_grad()
def probe_statistics(
    twin: Twin,
    probe_x: torch.Tensor,
    edges: torch.Tensor,
    typical_units: list[int],
    grads: list[float] | None = None,
    before: list[torch.Tensor] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(points, hists)`` of ``twin`` on ``probe_x # (n, input_dim)`` (see the module docstring).

    ``grads``: each layer's gradient norm of this step; ``before``: each layer's ``W`` before the
    optimizer step (for the update ratio). Both None at step 0.
    """
    probes, _ = twin.probe(probe_x)
    n_layers = len(probes)
    nan3 = np.full((n_layers, 3), np.nan)
    points = {
        "pct_z": nan3.copy(),
        "pct_z_unit": nan3.copy(),
        "pct_wu": nan3.copy(),
        "pct_wu_unit": nan3.copy(),
        "saturated": np.empty(n_layers),
        "grad_norm": np.full(n_layers, np.nan),
        "update_ratio": np.full(n_layers, np.nan),
    }
    hists = {"hist_z": np.zeros((n_layers, len(edges) - 1), np.int64)}
    hists["hist_wu"] = np.zeros_like(hists["hist_z"])
    for k, (probe, layer) in enumerate(zip(probes, twin.layers, strict=True)):
        unit = typical_units[k]
        z = sorted_values(probe.z)  # one sort serves the percentiles and the histogram
        points["pct_z"][k] = percentiles_of_sorted(z)
        points["pct_z_unit"][k] = unit_percentiles(probe.z, unit)
        hists["hist_z"][k] = histogram_of_sorted(z, edges)
        if probe.wu is not None:
            wu = sorted_values(probe.wu)
            points["pct_wu"][k] = percentiles_of_sorted(wu)
            points["pct_wu_unit"][k] = unit_percentiles(probe.wu, unit)
            hists["hist_wu"][k] = histogram_of_sorted(wu, edges)
        points["saturated"][k] = saturated_fraction(twin.activation.saturated(probe.z, probe.h))
        if grads is not None:
            points["grad_norm"][k] = grads[k]
        if before is not None:
            points["update_ratio"][k] = update_ratio(before[k], layer.W)
    return points, hists


@torch.no_grad()
def accuracy(twin: Twin, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``x # (n, input_dim)`` classified as ``y # (n,)`` (eval mode), in [0, 1]."""
    predicted = twin.predict(x).argmax(dim=1)
    return float((predicted == y).double().mean())
