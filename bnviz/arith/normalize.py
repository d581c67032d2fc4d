"""Steps 1-5 of a normalization along one axis, every intermediate kept (float64, read-only).

    mean  = 1/n sum x                        # along ``axis``: 0 = down each column (batch norm),
    var   = 1/n sum (x - mean)^2             #                 1 = along each row (layer norm)
    x_hat = (x - mean) / sqrt(var + eps)     # (batch, features); mean 0, variance 1 along ``axis``
    scaled = gamma * x_hat                   # gamma, beta: (features,), one per column
    y = scaled + beta

The variance is the biased one (divide by the count): it is the spread of *this* data, which is what
makes x_hat's variance 1. Given ``mean`` and ``var`` (eval-mode batch norm: the running statistics),
steps 1 and 2 are skipped and those statistics are used as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.arith.validate import readonly, require_finite


@dataclass(frozen=True)
class NormSteps:
    """One normalization, step by step. ``axis`` is the axis the statistics run along.

    axis 0 (batch norm): mean, var, std are (features,), one per column, taken across the batch.
    axis 1 (layer norm): mean, var, std are (batch,), one per row, taken across the features.
    """

    x: np.ndarray  # (batch, features)
    gamma: np.ndarray  # (features,)
    beta: np.ndarray  # (features,)
    eps: float
    axis: int
    mean: np.ndarray
    var: np.ndarray  # biased (divide by the count), or the running variance in eval mode
    std: np.ndarray  # sqrt(var + eps), the divisor of step 3
    x_hat: np.ndarray  # (batch, features)
    scaled: np.ndarray  # (batch, features) gamma * x_hat
    y: np.ndarray  # (batch, features) scaled + beta


def normalize(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    eps: float,
    axis: int,
    mean: np.ndarray | None = None,
    var: np.ndarray | None = None,
) -> NormSteps:
    """Steps 1-5 along ``axis`` on already validated inputs; ``mean``/``var`` given: used as is."""
    with np.errstate(over="ignore", invalid="ignore"):
        if mean is None:
            mean = x.mean(axis=axis)
            require_finite(x, mean=mean)
        centered = x - np.expand_dims(mean, axis)  # (batch, features)
        if var is None:
            var = (centered**2).mean(axis=axis)  # biased: 1/count
            require_finite(x, variance=var)
        std = np.sqrt(var + eps)
        x_hat = centered / np.expand_dims(std, axis)
        scaled = gamma * x_hat  # gamma broadcasts over rows: one per feature
        y = scaled + beta
        # Every intermediate the stepper shows, not only the output.
        require_finite(x, deviation=centered, divisor=std, x_hat=x_hat, scaled=scaled, output=y)
    arrays = readonly(
        x=x, gamma=gamma, beta=beta, mean=mean, var=var, std=std, x_hat=x_hat, scaled=scaled, y=y
    )
    return NormSteps(eps=eps, axis=axis, **arrays)
