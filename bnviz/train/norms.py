"""The normalizations a layer can apply to ``x # (B, d)``, each with its training forward, its
backward, its probing forward and its ``torch.nn`` equivalent side by side.

- :class:`BatchNorm`: per unit, over the batch: ``y = γ (x - μ_B) / sqrt(σ²_B + eps) + β`` with the
  *biased* batch variance; the running averages move by ``momentum`` towards the batch mean and the
  *unbiased* batch variance (``B / (B - 1)``), and inference uses them instead;
- :class:`LayerNorm`: per example, over its ``d`` units, with γ, β per unit;
- :class:`GroupNorm`: per example, over each of ``groups`` blocks of ``d / groups`` consecutive
  units, with γ, β per unit (``torch.nn.GroupNorm(groups, d)`` on ``(B, d)``, i.e. ``(B, d, 1)``).

LayerNorm and GroupNorm keep no running statistics: an example's output depends on that example
alone, so training and inference compute the same thing, for any batch.

The API a layer uses (``layer`` holds ``gamma``, ``beta``, the running statistics and what the
forward saves for the backward, ``mu`` and ``invstd``):

    y = norm.forward(layer, x)           # a training step: saves mu, invstd; BN: updates running stats
    dx = norm.backward(layer, dy, x)     # fills layer.gamma.grad, layer.beta.grad; returns dL/dx
    y = norm.probe(layer, x, batch)      # changes nothing: batch=B as in training, None: inference
    module = norm.module(layer)          # the torch.nn module, with copies of the running stats

Why kernels: the live lab steps several nets thousands of times a second, and one fused kernel per
direction costs a fraction of the dozen small tensor operations of the formulas. Each call sits
under its formula, and the tests check every output and gradient against ``torch.nn`` + autograd.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

aten = torch.ops.aten
ALL = [True, True, True]  # every gradient of a kernel's backward: dx, dγ, dβ


class BatchNorm:
    kind, running_stats = "bn", True

    def __init__(self, eps: float = 1e-5, momentum: float = 0.1):
        self.eps, self.momentum = eps, momentum

    def forward(self, layer, x: torch.Tensor) -> torch.Tensor:
        y, layer.mu, layer.invstd = aten.native_batch_norm(
            x, layer.gamma, layer.beta, layer.running_mean, layer.running_var,
            True, self.momentum, self.eps,
        )  # fmt: skip
        # y = γ (x - μ_B) / sqrt(σ²_B + eps) + β; running stats updated in place
        return y

    def backward(self, layer, dy: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        dx, dgamma, dbeta = aten.native_batch_norm_backward(
            dy, x, layer.gamma, layer.running_mean, layer.running_var, layer.mu, layer.invstd,
            True, self.eps, ALL,
        )  # fmt: skip
        # dβ = Σ_b dy, dγ = Σ_b dy x̂; dx = invstd/B (B dx̂ - Σ_b dx̂ - x̂ Σ_b dx̂ x̂), dx̂ = γ dy
        layer.gamma.grad.copy_(dgamma)
        layer.beta.grad.copy_(dbeta)
        return dx

    def probe(self, layer, x: torch.Tensor, batch: int | None) -> torch.Tensor:
        if batch is None:  # inference: the running averages, each example on its own
            return F.batch_norm(
                x, layer.running_mean, layer.running_var, layer.gamma, layer.beta,
                training=False, eps=self.eps,
            )  # fmt: skip
        n, d = x.shape
        chunks = x.view(n // batch, batch, d)  # (batches, B, d)
        mu = chunks.mean(dim=1, keepdim=True)
        var = chunks.var(dim=1, unbiased=False, keepdim=True)  # biased, as in a training step
        return ((chunks - mu) / torch.sqrt(var + self.eps) * layer.gamma + layer.beta).view(n, d)

    def module(self, layer) -> nn.Module:
        bn = nn.BatchNorm1d(layer.gamma.shape[0], eps=self.eps, momentum=self.momentum)
        bn.running_mean.copy_(layer.running_mean)
        bn.running_var.copy_(layer.running_var)
        return bn


class LayerNorm:
    kind, running_stats = "ln", False

    def __init__(self, eps: float = 1e-5):
        self.eps = eps

    def forward(self, layer, x: torch.Tensor) -> torch.Tensor:
        d = x.shape[1]
        y, layer.mu, layer.invstd = aten.native_layer_norm(
            x, [d], layer.gamma, layer.beta, self.eps
        )
        # y_i = γ (x_i - μ_i) / sqrt(σ²_i + eps) + β, μ_i and σ²_i (biased) over example i's units
        return y

    def backward(self, layer, dy: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        dx, dgamma, dbeta = aten.native_layer_norm_backward(
            dy, x, [x.shape[1]], layer.mu, layer.invstd, layer.gamma, layer.beta, ALL
        )
        # dβ = Σ_i dy, dγ = Σ_i dy x̂; per example: dx = invstd/d (d dx̂ - Σ_j dx̂ - x̂ Σ_j dx̂ x̂)
        layer.gamma.grad.copy_(dgamma)
        layer.beta.grad.copy_(dbeta)
        return dx

    def probe(self, layer, x: torch.Tensor, batch: int | None) -> torch.Tensor:
        return F.layer_norm(x, (x.shape[1],), layer.gamma, layer.beta, self.eps)  # any batch

    def module(self, layer) -> nn.Module:
        return nn.LayerNorm(layer.gamma.shape[0], eps=self.eps)


class GroupNorm:
    kind, running_stats = "gn", False

    def __init__(self, groups: int, eps: float = 1e-5):
        self.groups, self.eps = groups, eps

    def forward(self, layer, x: torch.Tensor) -> torch.Tensor:
        B, d = x.shape
        if d % self.groups:
            raise ValueError(f"{d} units do not split into {self.groups} groups.")
        y, layer.mu, layer.invstd = aten.native_group_norm(
            x, layer.gamma, layer.beta, B, d, 1, self.groups, self.eps
        )  # as LayerNorm, within each group g of units: μ_{i,g}, invstd_{i,g} # (B, groups)
        return y

    def backward(self, layer, dy: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        B, d = x.shape
        dx, dgamma, dbeta = aten.native_group_norm_backward(
            dy, x, layer.mu, layer.invstd, layer.gamma, B, d, 1, self.groups, ALL
        )  # as LayerNorm's, with the sums over each group's d / groups units
        layer.gamma.grad.copy_(dgamma)
        layer.beta.grad.copy_(dbeta)
        return dx

    def probe(self, layer, x: torch.Tensor, batch: int | None) -> torch.Tensor:
        return F.group_norm(x, self.groups, layer.gamma, layer.beta, self.eps)  # any batch

    def module(self, layer) -> nn.Module:
        return nn.GroupNorm(self.groups, layer.gamma.shape[0], eps=self.eps)


Norm = BatchNorm | LayerNorm | GroupNorm


def make_norm(kind: str, eps: float = 1e-5, momentum: float = 0.1, groups: int = 1) -> Norm:
    """The normalization of ``kind`` (``bnviz.train.variants.NORMS``) with these settings."""
    if kind == "bn":
        return BatchNorm(eps, momentum)
    if kind == "ln":
        return LayerNorm(eps)
    if kind == "gn":
        return GroupNorm(groups, eps)
    raise ValueError(f"Unknown normalization '{kind}'; choose one of: bn, ln, gn.")
