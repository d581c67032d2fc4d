"""What the batch sweep measures on a trained network: accuracy in both modes, and how noisy batch
statistics are at batch size ``m``.

The test digits, shuffled once (a fixed permutation), are cut into ``n // m`` batches of ``m`` (the
last ``n mod m`` digits are left out, so both modes see the same ``n_used`` digits):

- **inference mode**: each digit on its own, BN with its running averages (what a deployed network
  computes); LayerNorm and GroupNorm have no running averages and compute the same in both modes;
- **training mode**: each batch normalized with its own mean and *biased* variance, exactly as in a
  training step (``bnviz.train.forward``), nothing updated;
- **noise of the batch statistics** (BN layers only, NaN otherwise), from the same training-mode
  pass: for BN's input ``x`` of each unit ``j`` (``Wu``; its activation's output for BN after the
  nonlinearity) and each batch ``b``, the batch mean ``μ_B`` and biased variance ``σ²_B``, then

      mean_noise = mean over units j of  std over batches of (μ_B − running_mean_j) / sqrt(running_var_j + eps)
      var_noise  = mean over units j of  std over batches of  σ²_B / (running_var_j + eps)

  (std with ``ddof=1``). For ``m`` independent draws from a Gaussian whose mean and variance the
  running averages hold, these are ``1 / sqrt(m)`` and ``sqrt(2 (m − 1)) / m`` (``m σ²_B / σ²`` is
  χ² with ``m − 1`` degrees of freedom): :func:`mean_noise_theory`, :func:`var_noise_theory`. (The
  unbiased variance's spread would be ``sqrt(2 / (m − 1))``, ``m / (m − 1)`` times larger; BN divides
  by the biased one.) Heavier tails than a Gaussian's make the variance noisier than that.

Shapes: ``L`` hidden layers. Pure torch; the tests check every number against ``torch.nn``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from bnviz.train.forward import layer_values
from bnviz.train.model import Twin


@dataclass(frozen=True)
class BatchMeasure:
    """One trained network's numbers at batch size ``m`` (see the module docstring)."""

    m: int
    n_used: int  # test digits in the ``n_used // m`` batches, seen by both modes
    train_accuracy: float  # training mode, in [0, 1]
    infer_accuracy: float  # inference mode, in [0, 1]
    mean_noise: np.ndarray  # (L,) float64; NaN for a layer without running averages
    var_noise: np.ndarray  # (L,)


def mean_noise_theory(m: int | np.ndarray) -> np.ndarray:
    """``std(μ_B − μ) / σ = 1 / sqrt(m)`` for ``m`` independent draws."""
    return 1.0 / np.sqrt(np.asarray(m, dtype=np.float64))


def var_noise_theory(m: int | np.ndarray) -> np.ndarray:
    """``std(σ²_B / σ²) = sqrt(2 (m − 1)) / m`` for ``m`` independent Gaussian draws, ``σ²_B`` biased."""
    m = np.asarray(m, dtype=np.float64)
    return np.sqrt(2.0 * (m - 1.0)) / m


def shuffled_batches(n: int, m: int, seed: int) -> torch.Tensor:
    """``# (n // m * m,)`` indices of ``n`` examples in a fixed random order, a whole number of
    batches of ``m`` (consecutive runs of ``m`` indices); ValueError if not even one batch fits."""
    if not 2 <= m <= n:
        raise ValueError(f"{n} test examples do not make one batch of {m} (>= 2).")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[: n // m * m]


@torch.no_grad()
def measure(twin: Twin, x: torch.Tensor, y: torch.Tensor, m: int, seed: int = 0) -> BatchMeasure:
    """``twin``'s numbers on ``x # (n, d_in)``, ``y # (n,)`` at batch size ``m``, the batches drawn
    by :func:`shuffled_batches` from ``seed``. Nothing in ``twin`` changes."""
    idx = shuffled_batches(x.shape[0], m, seed)
    x, y = x.index_select(0, idx), y.index_select(0, idx)
    train_layers, train_logits = layer_values(twin, x, train_batch=m)
    _, infer_logits = layer_values(twin, x)
    n_layers = len(twin.layers)
    mean_noise, var_noise = np.full(n_layers, np.nan), np.full(n_layers, np.nan)
    if twin.norm is not None and twin.norm.running_stats:
        for k, (values, layer) in enumerate(zip(train_layers, twin.layers, strict=True)):
            bn_input = values.wu if twin.norm_before else values.h  # (n_used, d)
            mean_noise[k], var_noise[k] = noise(
                bn_input, m, layer.running_mean, layer.running_var, twin.norm.eps
            )
    return BatchMeasure(
        m=m,
        n_used=int(x.shape[0]),
        train_accuracy=_accuracy(train_logits, y),
        infer_accuracy=_accuracy(infer_logits, y),
        mean_noise=mean_noise,
        var_noise=var_noise,
    )


def noise(
    x: torch.Tensor, m: int, running_mean: torch.Tensor, running_var: torch.Tensor, eps: float
) -> tuple[float, float]:
    """``(mean_noise, var_noise)`` of one layer's BN input ``x # (n, d)`` cut into consecutive
    batches of ``m`` rows, around ``running_mean``, ``running_var # (d,)`` (module docstring)."""
    n, d = x.shape
    if n % m or n // m < 2:
        raise ValueError(f"{n} rows do not make two or more batches of {m}.")
    batches = x.double().view(n // m, m, d)  # (batches, m, d)
    mu_b = batches.mean(dim=1)  # (batches, d)
    var_b = batches.var(dim=1, unbiased=False)  # biased: what BN divides by
    scale = running_var.double() + eps
    mean_dev = (mu_b - running_mean.double()) / scale.sqrt()
    var_ratio = var_b / scale
    return (
        float(mean_dev.std(dim=0, unbiased=True).mean()),
        float(var_ratio.std(dim=0, unbiased=True).mean()),
    )


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((logits.argmax(dim=1) == y).double().mean())
