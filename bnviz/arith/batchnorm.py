"""Batch normalization written out as data: every intermediate of the forward pass, as float64.

Ioffe & Szegedy (2015), Algorithm 1 (train mode) and Algorithm 2 (inference), in torch's conventions:

    mean = 1/m sum_i x_i                      # (features,)  per feature, down each column
    var  = 1/m sum_i (x_i - mean)^2           # biased: this is what normalizes the batch
    x_hat = (x - mean) / sqrt(var + eps)      # (batch, features); per feature mean 0, variance 1
    scaled = gamma * x_hat                    # gamma (features,), default 1
    y = scaled + beta                         # beta (features,), default 0
    var_unbiased = m/(m-1) * var              # what torch stores in running_var
    running_mean <- (1 - momentum) * running_mean + momentum * mean
    running_var  <- (1 - momentum) * running_var  + momentum * var_unbiased
    y_eval = gamma * (x - running_mean) / sqrt(running_var + eps) + beta   # with the updated stats

Every function takes x of shape (batch, features) (array or nested lists) and raises ``ValueError``
with a sentence a student can act on for input that has no batch norm: empty, ragged, non-finite,
a batch of 1 in train mode, eps <= 0, gamma/beta of the wrong length, values whose variance overflows.
A constant column is valid: its variance is 0 and eps alone keeps the division finite (x_hat = 0).
Returned arrays are read-only copies. Steps 1-5 are ``normalize.py``'s; layer norm is ``layernorm.py``,
the backward pass ``backward.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.arith.normalize import NormSteps, normalize
from bnviz.arith.validate import (
    readonly,
    require_finite,
    validate_affine,
    validate_batch,
    validate_eps,
    validate_momentum,
    validate_running_stats,
)


@dataclass(frozen=True)
class BatchNormSteps(NormSteps):
    """Train-mode batch norm (axis 0) plus the running-stat update and the eval-mode output."""

    momentum: float
    var_unbiased: np.ndarray  # (features,) m/(m-1) * var
    running_mean_before: np.ndarray  # (features,)
    running_var_before: np.ndarray  # (features,)
    running_mean: np.ndarray  # (features,) after one update
    running_var: np.ndarray  # (features,) after one update
    y_eval: np.ndarray  # (batch, features) Alg. 2 with the updated running stats


def batchnorm_eval_steps(
    x: object,
    gamma: object = None,
    beta: object = None,
    eps: float = 1e-5,
    running_mean: object = None,
    running_var: object = None,
) -> NormSteps:
    """Eval-mode batch norm (Alg. 2): the running statistics stand in for mean and var.

    ``mean``/``var`` of the result are the running stats used; each example is normalized on its
    own, so a batch of 1 is fine here. Nothing is updated.
    """
    x = validate_batch(x)
    features = x.shape[1]
    gamma, beta = validate_affine(gamma, beta, features)
    running_mean, running_var = validate_running_stats(running_mean, running_var, features)
    eps = validate_eps(eps)
    return normalize(x, gamma, beta, eps, axis=0, mean=running_mean, var=running_var)


def batchnorm_steps(
    x: object,
    gamma: object = None,
    beta: object = None,
    eps: float = 1e-5,
    momentum: float = 0.1,
    running_mean: object = None,
    running_var: object = None,
) -> BatchNormSteps:
    """Train-mode batch norm on x (batch >= 2, features), every intermediate kept.

    gamma, beta, running_mean, running_var: (features,) or None for torch's defaults (1, 0, 0, 1).
    The result matches ``torch.nn.BatchNorm1d`` in float64: ``y`` in train mode, the updated
    ``running_mean``/``running_var``, and ``y_eval`` from the same module switched to eval mode.
    """
    x = validate_batch(x, min_batch=2)
    m, features = x.shape
    gamma, beta = validate_affine(gamma, beta, features)
    running_mean_before, running_var_before = validate_running_stats(
        running_mean, running_var, features
    )
    eps = validate_eps(eps)
    momentum = validate_momentum(momentum)

    train = normalize(x, gamma, beta, eps, axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        # Unbiased for the running estimate: it estimates the population variance, which a
        # batch's own (biased) variance underestimates by the factor (m-1)/m.
        var_unbiased = train.var * (m / (m - 1))
        new_mean = (1 - momentum) * running_mean_before + momentum * train.mean
        new_var = (1 - momentum) * running_var_before + momentum * var_unbiased
        require_finite(x, var_unbiased=var_unbiased, running_mean=new_mean, running_var=new_var)
    y_eval = batchnorm_eval_steps(x, gamma, beta, eps, new_mean, new_var).y
    extra = readonly(
        var_unbiased=var_unbiased,
        running_mean_before=running_mean_before,
        running_var_before=running_var_before,
        running_mean=new_mean,
        running_var=new_var,
    )
    fields = {k: getattr(train, k) for k in NormSteps.__dataclass_fields__}
    return BatchNormSteps(**fields, momentum=momentum, y_eval=y_eval, **extra)
