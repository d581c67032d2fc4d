"""Layer normalization, step by step: the batch-norm arithmetic turned 90 degrees.

Batch norm takes mean and variance down each column (one feature, across the examples of the batch);
layer norm takes them along each row (one example, across its features), so it needs no batch, has no
running statistics and behaves the same in train and eval mode. gamma and beta are still per feature,
as in ``torch.nn.LayerNorm(features)``.
"""

from __future__ import annotations

from bnviz.arith.normalize import NormSteps, normalize
from bnviz.arith.validate import validate_affine, validate_batch, validate_eps


def layernorm_steps(
    x: object, gamma: object = None, beta: object = None, eps: float = 1e-5
) -> NormSteps:
    """LayerNorm over the feature axis of x (batch, features); mean/var/std are (batch,).

    Matches ``torch.nn.LayerNorm(features, eps=eps)`` in float64 (biased variance, like BN's
    normalization). A single feature is valid: its variance is 0, so x_hat is 0 and y is beta.
    """
    x = validate_batch(x)
    gamma, beta = validate_affine(gamma, beta, x.shape[1])
    eps = validate_eps(eps)
    return normalize(x, gamma, beta, eps, axis=1)
