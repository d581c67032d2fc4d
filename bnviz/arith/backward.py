"""The batch-norm backward pass written out with the chain rule (Ioffe & Szegedy 2015, Sec. 3).

Given the upstream gradient grad_y = dL/dy (batch, features) of a train-mode forward pass:

    dbeta  = sum_i grad_y                                   # (features,)  y = scaled + beta
    dgamma = sum_i grad_y * x_hat                           # (features,)  scaled = gamma * x_hat
    dx_hat = grad_y * gamma                                 # (batch, features)
    dvar   = sum_i dx_hat * (x - mean) * -1/2 (var + eps)^(-3/2)
    dmean  = sum_i dx_hat * -1/sqrt(var + eps) + dvar * sum_i -2 (x - mean) / m
    dx     = dx_hat / sqrt(var + eps) + dvar * 2 (x - mean) / m + dmean / m

The mean and the variance depend on every example, so each dx_i collects gradient through them from
the whole batch: that is what makes batch norm's backward differ from a fixed affine map. No autograd
here; the tests check these numbers against torch's autograd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.arith.normalize import normalize
from bnviz.arith.validate import require_finite, validate_batch, validate_eps, validate_per_feature
from bnviz.i18n import N_, UserError


@dataclass(frozen=True)
class BatchNormGrads:
    grad_y: np.ndarray  # (batch, features) upstream gradient dL/dy
    dbeta: np.ndarray  # (features,)
    dgamma: np.ndarray  # (features,)
    dx_hat: np.ndarray  # (batch, features)
    dvar: np.ndarray  # (features,)
    dmean: np.ndarray  # (features,)
    dx: np.ndarray  # (batch, features)


def batchnorm_backward(
    x: object, grad_y: object, gamma: object = None, eps: float = 1e-5
) -> BatchNormGrads:
    """Gradients of a train-mode batch norm (batch statistics) w.r.t. x, gamma and beta.

    x, grad_y: (batch >= 2, features) of the same shape; gamma: (features,) or None for ones.
    beta does not enter any gradient, so it is not an argument.
    """
    x = validate_batch(x, min_batch=2)
    m, features = x.shape
    try:
        grad_y = validate_batch(grad_y)
    except ValueError as err:
        reason = err.message if isinstance(err, UserError) else str(err)
        raise UserError(
            N_("The upstream gradient is not usable: {reason}"), reason=reason
        ) from None
    if grad_y.shape != x.shape:
        raise UserError(
            N_(
                "The upstream gradient has shape {grad_shape} but x has {x_shape}: give one "
                "gradient value per entry of the tensor."
            ),
            grad_shape=grad_y.shape,
            x_shape=x.shape,
        )
    gamma = validate_per_feature(gamma, "gamma", features, 1.0)
    eps = validate_eps(eps)
    f = normalize(x, gamma, np.zeros(features), eps, axis=0)
    centered = x - f.mean  # (batch, features)

    with np.errstate(over="ignore", invalid="ignore"):
        dbeta = grad_y.sum(axis=0)
        dgamma = (grad_y * f.x_hat).sum(axis=0)
        dx_hat = grad_y * gamma
        dvar = (dx_hat * centered).sum(axis=0) * -0.5 * (f.var + eps) ** -1.5
        # The second term is 0 in exact arithmetic (deviations sum to 0); kept as in the paper.
        dmean = (dx_hat * -1.0 / f.std).sum(axis=0) + dvar * (-2.0 * centered).sum(axis=0) / m
        dx = dx_hat / f.std + dvar * 2.0 * centered / m + dmean / m
        require_finite(x, dbeta=dbeta, dgamma=dgamma, dx_hat=dx_hat, dvar=dvar, dmean=dmean, dx=dx)
    for a in (grad_y, dbeta, dgamma, dx_hat, dvar, dmean, dx):
        a.setflags(write=False)
    return BatchNormGrads(grad_y, dbeta, dgamma, dx_hat, dvar, dmean, dx)
