"""What normalization accepts, and the sentence a student gets for anything else.

Every function takes what a page or a caller passed (arrays, nested lists, numbers) and returns a
validated float64 copy, or raises ``ValueError`` with a sentence that says what to fix: an empty,
ragged or non-finite tensor, a batch of 1 in train mode, eps or momentum out of range, a per-feature
vector of the wrong length, a negative running variance, or a result that overflows float64.
"""

from __future__ import annotations

import math

import numpy as np

from bnviz.arith.tensor_input import cell_name, parse_tensor
from bnviz.i18n import N_, UserError

EPS_MAX = 1.0  # eps only guards the division; beyond 1 it would swamp a unit-scale variance


def validate_batch(x: object, *, min_batch: int = 1) -> np.ndarray:
    """x -> float64 copy (batch, features); ValueError saying what to fix otherwise."""
    if isinstance(x, list | tuple):
        if len(x) > 0 and not all(isinstance(r, list | tuple | np.ndarray) for r in x):
            raise UserError(
                N_(
                    "x must be a table (batch, features): write each example as a row of "
                    "numbers, e.g. [[1.0, 2.0], [3.0, 4.0]]."
                )
            )
        x = parse_tensor(x)  # ragged rows, text and empty cells get their own sentences
    try:
        x = np.array(x, dtype=np.float64)  # copies: callers' arrays are never aliased
    except (TypeError, ValueError):
        raise UserError(N_("x must hold numbers only: check every cell of the tensor.")) from None
    if x.size == 0:
        raise UserError(N_("The tensor is empty: enter at least one row (example) and one column."))
    if x.ndim != 2:
        raise UserError(
            N_(
                "x must be 2-D (batch, features) but has {ndim} dimension(s): rows are the "
                "examples of the batch, columns are the features."
            ),
            ndim=x.ndim,
        )
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        i, j = bad[0]
        raise UserError(
            N_("The value at {where} is {value}: batch norm needs finite numbers, so replace it."),
            where=cell_name(i, j),
            value=x[i, j],
        )
    if x.shape[0] < min_batch:
        raise UserError(
            N_(
                "A batch of 1 example has no spread, so its variance is undefined and train mode "
                "cannot normalize it (torch.nn.BatchNorm1d refuses too): add a row, or switch to "
                "eval mode, which uses the running statistics instead."
            )
        )
    return x


def validate_per_feature(values: object, name: str, features: int, default: float) -> np.ndarray:
    """gamma/beta/running stats -> float64 (features,); None means ``default`` for every feature."""
    if values is None:
        return np.full(features, default, dtype=np.float64)
    try:
        v = np.array(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise UserError(
            N_("{name} must hold numbers only: one number per feature."), name=name
        ) from None
    if v.size != features:
        raise UserError(
            N_(
                "{name} has {count} values but the tensor has {features} features: give exactly "
                "one {name} per feature."
            ),
            name=name,
            count=v.size,
            features=features,
        )
    if not np.isfinite(v).all():
        raise UserError(
            N_("{name} must be finite numbers: replace the NaN or infinite value."), name=name
        )
    return v


def _number(value: object, message: str) -> float:
    """float(value), or ``UserError(message)`` for text, None and the like."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UserError(message) from None


def validate_eps(eps: object) -> float:
    """eps must lie in (0, ``EPS_MAX``]: it keeps a constant column from dividing by 0, and no more."""
    eps = _number(eps, N_("eps must be a number greater than 0, e.g. 1e-5."))
    if not math.isfinite(eps) or eps <= 0:
        raise UserError(
            N_(
                "eps is {eps}, but it must be greater than 0 (e.g. 1e-5): it keeps the division "
                "sqrt(var + eps) away from zero when a feature's variance is 0."
            ),
            eps=eps,
        )
    if eps > EPS_MAX:
        raise UserError(
            N_(
                "eps is {eps:g}, but it must be at most {eps_max:g}: it only guards the division "
                "sqrt(var + eps), and a large eps would drown the variance it divides by "
                "(torch's default is 1e-5)."
            ),
            eps=eps,
            eps_max=EPS_MAX,
        )
    return eps


def validate_momentum(momentum: object) -> float:
    """momentum must lie in [0, 1]: the weight of the new batch in the running average."""
    momentum = _number(momentum, N_("momentum must be a number between 0 and 1, e.g. 0.1."))
    if not (0.0 <= momentum <= 1.0):
        raise UserError(
            N_(
                "momentum is {momentum}, but it must lie between 0 and 1: it is the weight of the "
                "new batch in the running average (torch's default is 0.1)."
            ),
            momentum=momentum,
        )
    return momentum


def require_finite(x: np.ndarray, **arrays: np.ndarray) -> None:
    """Raise the overflow sentence if any result overflowed float64 (inf or NaN)."""
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            biggest = float(np.max(np.abs(x)))
            raise UserError(
                N_(
                    "The numbers are too large for float64: the {name} overflows (float64 stops "
                    "at about 1.8e308; the largest |x| here is {biggest:.3g}, and the variance "
                    "squares it). Keep |x| below about 1e150 and gamma, beta moderate."
                ),
                name=name,
                biggest=biggest,
            )


def validate_affine(gamma: object, beta: object, features: int) -> tuple[np.ndarray, np.ndarray]:
    """gamma, beta -> float64 (features,) each; None means torch's initial 1 and 0."""
    gamma = validate_per_feature(gamma, "gamma", features, 1.0)
    beta = validate_per_feature(beta, "beta", features, 0.0)
    return gamma, beta


def validate_running_stats(
    running_mean: object, running_var: object, features: int
) -> tuple[np.ndarray, np.ndarray]:
    """running_mean, running_var -> float64 (features,) each; None means torch's initial 0 and 1."""
    mean = validate_per_feature(running_mean, "running_mean", features, 0.0)
    var = validate_per_feature(running_var, "running_var", features, 1.0)
    if (var < 0).any():
        raise UserError(N_("running_var must be 0 or more: a variance is never negative."))
    return mean, var


def readonly(**arrays: np.ndarray) -> dict[str, np.ndarray]:
    """The arrays, made read-only in place (results are shared, never edited)."""
    for a in arrays.values():
        a.setflags(write=False)
    return arrays
