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
Returned arrays are read-only copies. LayerNorm lives in ``layernorm.py``, the backward pass in
``arithmetic_backward.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnviz.tensor_input import parse_tensor

FLOAT64_MAX = float(np.finfo(np.float64).max)  # about 1.8e308


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
    var: np.ndarray  # biased (divide by the count): the variance of *this* data
    std: np.ndarray  # sqrt(var + eps), the divisor of step 3
    x_hat: np.ndarray  # (batch, features)
    scaled: np.ndarray  # (batch, features) gamma * x_hat
    y: np.ndarray  # (batch, features) scaled + beta


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


# ----------------------------------------------------------------------------- validation


def validate_batch(x: object, *, min_batch: int = 1) -> np.ndarray:
    """x -> float64 copy (batch, features); ValueError saying what to fix otherwise."""
    if isinstance(x, list | tuple):
        if len(x) > 0 and not all(isinstance(r, list | tuple | np.ndarray) for r in x):
            raise ValueError(
                "x must be a table (batch, features): write each example as a row of numbers, "
                "e.g. [[1.0, 2.0], [3.0, 4.0]]."
            )
        x = parse_tensor(x)  # ragged rows, text and empty cells get their own sentences
    try:
        x = np.array(x, dtype=np.float64)  # copies: callers' arrays are never aliased
    except (TypeError, ValueError):
        raise ValueError("x must hold numbers only: check every cell of the tensor.") from None
    if x.size == 0:
        raise ValueError("The tensor is empty: enter at least one row (example) and one column.")
    if x.ndim != 2:
        raise ValueError(
            f"x must be 2-D (batch, features) but has {x.ndim} dimension(s): "
            "rows are the examples of the batch, columns are the features."
        )
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        i, j = bad[0]
        raise ValueError(
            f"The value at row {i + 1}, feature {j + 1} is {x[i, j]}: "
            "batch norm needs finite numbers, so replace it."
        )
    if x.shape[0] < min_batch:
        raise ValueError(
            "A batch of 1 example has no spread, so its variance is undefined and train mode cannot "
            "normalize it (torch.nn.BatchNorm1d refuses too): add a row, or switch to eval mode, "
            "which uses the running statistics instead."
        )
    return x


def validate_per_feature(values: object, name: str, features: int, default: float) -> np.ndarray:
    """gamma/beta/running stats -> float64 (features,); None means ``default`` for every feature."""
    if values is None:
        return np.full(features, default, dtype=np.float64)
    try:
        v = np.array(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers only: one number per feature.") from None
    if v.size != features:
        raise ValueError(
            f"{name} has {v.size} values but the tensor has {features} features: "
            f"give exactly one {name} per feature."
        )
    if not np.isfinite(v).all():
        raise ValueError(f"{name} must be finite numbers: replace the NaN or infinite value.")
    return v


def validate_eps(eps: object) -> float:
    """eps must be a finite number > 0: it is what keeps a constant column from dividing by 0."""
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise ValueError("eps must be a number greater than 0, e.g. 1e-5.") from None
    if not math.isfinite(eps) or eps <= 0:
        raise ValueError(
            f"eps is {eps}, but it must be greater than 0 (e.g. 1e-5): it keeps the division "
            "sqrt(var + eps) away from zero when a feature's variance is 0."
        )
    return eps


def validate_momentum(momentum: object) -> float:
    try:
        momentum = float(momentum)
    except (TypeError, ValueError):
        raise ValueError("momentum must be a number between 0 and 1, e.g. 0.1.") from None
    if not (0.0 <= momentum <= 1.0):
        raise ValueError(
            f"momentum is {momentum}, but it must lie between 0 and 1: it is the weight of the "
            "new batch in the running average (torch's default is 0.1)."
        )
    return momentum


def require_finite(x: np.ndarray, **arrays: np.ndarray) -> None:
    """Raise the overflow sentence if any result overflowed float64 (inf or NaN)."""
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            biggest = float(np.max(np.abs(x)))
            raise ValueError(
                f"The numbers are too large for float64: the {name} overflows (float64 stops at "
                f"about 1.8e308; the largest |x| here is {biggest:.3g}, and the variance squares "
                "it). Keep |x| below about 1e150 and gamma, beta moderate."
            )


def _readonly(**arrays: np.ndarray) -> dict[str, np.ndarray]:
    for a in arrays.values():
        a.setflags(write=False)
    return arrays


# ----------------------------------------------------------------------------- forward


def normalize(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float, axis: int
) -> NormSteps:
    """Steps 1-5 along ``axis`` on already validated inputs (shared by batch norm and layer norm)."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean = x.mean(axis=axis)
        require_finite(x, mean=mean)
        centered = x - np.expand_dims(mean, axis)  # (batch, features)
        var = (centered**2).mean(axis=axis)  # biased: 1/count
        require_finite(x, variance=var)
        std = np.sqrt(var + eps)
        x_hat = centered / np.expand_dims(std, axis)
        scaled = gamma * x_hat  # gamma broadcasts over rows: one per feature
        y = scaled + beta
        require_finite(x, output=y)
    arrays = _readonly(x=x, gamma=gamma, beta=beta, mean=mean, var=var, std=std, x_hat=x_hat,
                       scaled=scaled, y=y)  # fmt: skip
    return NormSteps(eps=eps, axis=axis, **arrays)


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
    gamma = validate_per_feature(gamma, "gamma", features, 1.0)
    beta = validate_per_feature(beta, "beta", features, 0.0)
    running_mean = validate_per_feature(running_mean, "running_mean", features, 0.0)
    running_var = validate_per_feature(running_var, "running_var", features, 1.0)
    if (running_var < 0).any():
        raise ValueError("running_var must be 0 or more: a variance is never negative.")
    eps = validate_eps(eps)
    with np.errstate(over="ignore", invalid="ignore"):
        centered = x - running_mean
        std = np.sqrt(running_var + eps)
        x_hat = centered / std
        scaled = gamma * x_hat
        y = scaled + beta
        require_finite(x, output=y)
    arrays = _readonly(x=x, gamma=gamma, beta=beta, mean=running_mean, var=running_var, std=std,
                       x_hat=x_hat, scaled=scaled, y=y)  # fmt: skip
    return NormSteps(eps=eps, axis=0, **arrays)


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
    gamma = validate_per_feature(gamma, "gamma", features, 1.0)
    beta = validate_per_feature(beta, "beta", features, 0.0)
    running_mean_before = validate_per_feature(running_mean, "running_mean", features, 0.0)
    running_var_before = validate_per_feature(running_var, "running_var", features, 1.0)
    if (running_var_before < 0).any():
        raise ValueError("running_var must be 0 or more: a variance is never negative.")
    eps = validate_eps(eps)
    momentum = validate_momentum(momentum)

    train = normalize(x, gamma, beta, eps, axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        # Unbiased for the running estimate: it estimates the population variance, which a
        # batch's own (biased) variance underestimates by the factor (m-1)/m.
        var_unbiased = train.var * (m / (m - 1))
        new_mean = (1 - momentum) * running_mean_before + momentum * train.mean
        new_var = (1 - momentum) * running_var_before + momentum * var_unbiased
        require_finite(x, running_var=new_var)
    y_eval = batchnorm_eval_steps(x, gamma, beta, eps, new_mean, new_var).y
    extra = _readonly(var_unbiased=var_unbiased, running_mean_before=running_mean_before,
                      running_var_before=running_var_before, running_mean=new_mean,
                      running_var=new_var)  # fmt: skip
    fields = {k: getattr(train, k) for k in NormSteps.__dataclass_fields__}
    return BatchNormSteps(**fields, momentum=momentum, y_eval=y_eval, **extra)


def __getattr__(name: str):
    """``layernorm_steps`` and ``batchnorm_backward`` live in their own modules (each imports this
    one); they are importable from here too, as the arithmetic's public surface."""
    if name == "layernorm_steps":
        from bnviz.layernorm import layernorm_steps

        return layernorm_steps
    if name == "batchnorm_backward":
        from bnviz.arithmetic_backward import batchnorm_backward

        return batchnorm_backward
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
