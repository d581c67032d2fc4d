"""How smooth the loss landscape is along the gradient (Santurkar et al. 2018, Figure 4 and §3).

At training step ``t``, on the step's minibatch, with ``g = ∇L(θ_t)`` (every parameter) and a grid of
step sizes ``η`` (:data:`ETA_FACTORS` times the learning rate), look at the points
``θ_η = θ_t − η g`` that a gradient step of size ``η`` would reach:

- **loss variation**: ``max_η L(θ_η) − min_η L(θ_η)``. A small range means the step size hardly
  matters: the loss is well behaved along the direction the optimizer takes;
- **gradient predictiveness**: ``‖∇L(θ_t) − ∇L(θ_η)‖`` over the grid (its range and maximum). Small
  means the gradient here predicts the gradient there;
- **effective β-smoothness**: ``max_η ‖∇L(θ_t) − ∇L(θ_η)‖ / ‖η g‖``, the largest change of gradient
  per unit of distance moved, a local estimate of the gradient's Lipschitz constant ``β``.

Our step-size grid (the paper's was tuned to its VGG runs): 9 sizes from ``lr / 4`` to ``4 lr``, each
``√2`` times the last: from a quarter of the step the run takes to four times it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from bnviz.ics.net import MeasuredNet, global_norm, measured_net
from bnviz.train.model import Twin

ETA_FACTORS = tuple(2.0 ** (k / 2) for k in range(-4, 5))  # η / lr: 1/4, 1/(2√2), ..., 4


def eta_grid(lr: float) -> np.ndarray:
    """The step sizes ``η # (9,)`` for a run at learning rate ``lr``: ``lr / 4 .. 4 lr``."""
    return lr * np.asarray(ETA_FACTORS)


@dataclass(frozen=True)
class Smoothness:
    """One measurement along ``−g``; arrays ``# (e,)`` over the step sizes ``etas``."""

    etas: np.ndarray  # (e,) step sizes η, increasing
    loss_at: float  # L(θ_t)
    grad_norm: float  # ‖g‖ = ‖∇L(θ_t)‖ over every parameter
    loss: np.ndarray  # (e,) L(θ_t − η g)
    grad_diff: np.ndarray  # (e,) ‖∇L(θ_t) − ∇L(θ_t − η g)‖

    @property
    def loss_variation(self) -> float:
        """Range of the loss over the grid (NaN where it diverged is ignored; all NaN -> NaN)."""
        return _range(self.loss)

    @property
    def grad_diff_min(self) -> float:
        return _min(self.grad_diff)

    @property
    def grad_diff_range(self) -> float:
        return _range(self.grad_diff)

    @property
    def grad_diff_max(self) -> float:
        return _max(self.grad_diff)

    @property
    def beta(self) -> float:
        """Effective β-smoothness: ``max_η ‖Δ∇L‖ / (η ‖g‖)``; NaN when ``g = 0``."""
        if not self.grad_norm > 0:
            return float("nan")
        return _max(self.grad_diff / (self.etas * self.grad_norm))


def smoothness(
    twin: Twin,
    x: torch.Tensor,
    y: torch.Tensor,
    etas: np.ndarray,
    net: MeasuredNet | None = None,
) -> Smoothness:
    """The landscape along ``−∇L`` for ``twin`` before its step on ``x # (B, input_dim)``,
    ``y # (B,)``, at each step size in ``etas # (e,)`` (module docstring). ``net``: a
    :func:`measured_net` of the same twin, if the caller has one. Changes nothing in ``twin``."""
    net = net if net is not None else measured_net(twin)
    theta = net.theta
    loss_at, g = net.loss_and_grad(theta, x, y)
    etas = np.asarray(etas, dtype=np.float64)
    loss, grad_diff = np.empty(len(etas)), np.empty(len(etas))
    for i, eta in enumerate(etas):
        stepped = {name: value - float(eta) * g[name] for name, value in theta.items()}
        loss[i], g_eta = net.loss_and_grad(stepped, x, y)
        grad_diff[i] = global_norm(g[name] - g_eta[name] for name in g)
    return Smoothness(
        etas=etas,
        loss_at=loss_at,
        grad_norm=global_norm(g.values()),
        loss=loss,
        grad_diff=grad_diff,
    )


def _range(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(a.max() - a.min()) if a.size else float("nan")


def _min(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(a.min()) if a.size else float("nan")


def _max(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(a.max()) if a.size else float("nan")
