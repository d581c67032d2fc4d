"""What is recorded about a twin: statistics of its hidden layers on the fixed probe set, and
its accuracy on held-out examples. Pure functions of a twin; the engine stores the results.

The layers are probed as they are during training (``bnviz.train.forward``: BN with the statistics
of training-sized batches), and variants with running statistics (bn, noisy BN, BN after the
nonlinearity) also in inference mode (running averages), a separate series; for LayerNorm and
GroupNorm it would repeat the training-mode one. Per hidden layer (``L`` layers, ``n_bins`` histogram bins), ``probe_statistics`` returns the
columns of ``TwinHistory.record``:

- ``pct_z``, ``pct_z_unit`` ``# (L, 3)``: 15/50/85th percentiles of the nonlinearity input ``z``
  in training mode, over the whole layer and over the typical unit; ``pct_wu``, ``pct_wu_unit``:
  the same for the norm's input ``Wu`` (variants normalized before the nonlinearity);
  ``pct_z_eval``, ``pct_z_unit_eval``: ``z`` in inference mode (NaN without running statistics,
  where the two modes are the same);
- ``saturated`` ``# (L,)``: the activation's saturated fraction, in training mode;
- ``grad_norm``, ``update_ratio`` ``# (L,)``: of each layer's ``W`` (NaN when not given);
- histograms ``hist_z``, ``hist_wu``, ``hist_z_eval`` ``# (L, n_bins)`` int64 (zeros where a
  series does not apply).
"""

from __future__ import annotations

import numpy as np
import torch

from bnviz.train.forward import layer_values, predict
from bnviz.train.model import Twin
from bnviz.train.snapshot import PERCENTILE_SERIES
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
    train_batch: int,
    grads: list[float] | None = None,
    before: list[torch.Tensor] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(points, hists)`` of ``twin`` on ``probe_x # (n, input_dim)`` (see the module docstring).

    ``train_batch``: the training batch size (``n`` is a multiple of it). ``grads``: each layer's
    gradient norm of this step; ``before``: each layer's ``W`` before the optimizer step (for the
    update ratio). Both None at step 0.
    """
    probes, _ = layer_values(twin, probe_x, train_batch)
    n_layers = len(probes)
    nan3 = np.full((n_layers, 3), np.nan)
    points = {name: nan3.copy() for name in PERCENTILE_SERIES}
    points["saturated"] = np.empty(n_layers)
    points["grad_norm"] = np.full(n_layers, np.nan)
    points["update_ratio"] = np.full(n_layers, np.nan)
    zeros = np.zeros((n_layers, len(edges) - 1), np.int64)
    hists = {"hist_z": zeros, "hist_wu": zeros.copy(), "hist_z_eval": zeros.copy()}
    if twin.norm is not None and twin.norm.running_stats:
        for k, values in enumerate(layer_values(twin, probe_x)[0]):
            z = sorted_values(values.z)
            points["pct_z_eval"][k] = percentiles_of_sorted(z)
            points["pct_z_unit_eval"][k] = unit_percentiles(values.z, typical_units[k])
            hists["hist_z_eval"][k] = histogram_of_sorted(z, edges)
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
    """Fraction of ``x # (n, input_dim)`` classified as ``y # (n,)`` (inference mode), in [0, 1]."""
    predicted = predict(twin, x).argmax(dim=1)
    return float((predicted == y).double().mean())
