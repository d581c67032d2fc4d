"""Internal covariate shift measured as gradient change (Santurkar et al. 2018, Definition 2.1).

The 2015 story says a layer suffers when the layers below it change its input. Santurkar et al. ask
what that does to the layer's *optimization problem*: how much does the gradient layer ``k`` should
follow change because the layers below have just moved? At training step ``t``, on the step's
minibatch ``(x, y)``:

- ``G  = ∇_{W_k} L(θ_t)``: the gradient of layer ``k``'s weight matrix, everything at ``θ_t``;
- ``G' = ∇_{W_k} L(θ'_{<k}, θ_{≥k})``: the same gradient after the layers below ``k`` have taken
  their SGD update of step ``t``, ``θ'_j = θ_j − lr ∇_{θ_j} L(θ_t)`` for every layer ``j < k``
  (weights, and biases or BN's ``γ, β``), while layer ``k`` and everything above stay at ``θ_t``.

Recorded per hidden layer ``k ≥ 1`` (0-based; layer 0 has no layers below it, so ``G' = G``):
``‖G − G'‖``, ``‖G‖`` and ``cos(G, G')``. Large ``‖G − G'‖`` and small cosine mean the layers below
pull the ground from under layer ``k``. The update is plain SGD at the run's learning rate (the
paper's setup and ours; an optimizer with state would need its own update rule here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from bnviz.ics.net import MeasuredNet, cosine, measured_net
from bnviz.train.model import Twin


@dataclass(frozen=True)
class GradientChange:
    """One measurement; arrays ``# (L - 1,)`` over the hidden layers ``layers`` = ``1 .. L - 1``."""

    layers: tuple[int, ...]  # 0-based hidden-layer indices, layer 0 left out (always G' = G)
    diff: np.ndarray  # ‖G − G'‖, Frobenius norm of the weight-gradient change
    norm: np.ndarray  # ‖G‖
    cos: np.ndarray  # cos(G, G') in [-1, 1]

    @property
    def relative(self) -> np.ndarray:
        """``‖G − G'‖ / ‖G‖``: the change as a share of the gradient itself."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.diff / self.norm


def gradient_change(
    twin: Twin, x: torch.Tensor, y: torch.Tensor, lr: float, net: MeasuredNet | None = None
) -> GradientChange:
    """``G`` vs ``G'`` of every hidden layer but the first, for ``twin`` before its step on
    ``x # (B, input_dim)``, ``y # (B,)`` at learning rate ``lr`` (module docstring). ``net``: a
    :func:`measured_net` of the same twin, if the caller has one. Changes nothing in ``twin``."""
    net = net if net is not None else measured_net(twin)
    theta = net.theta
    _, grads = net.loss_and_grad(theta, x, y)
    measured = tuple(range(1, len(net.layers)))
    diff, norm, cos = (np.empty(len(measured)) for _ in range(3))
    for i, k in enumerate(measured):
        below = {name for layer in net.layers[:k] for name in layer}
        moved = {
            name: (value - lr * grads[name]) if name in below else value
            for name, value in theta.items()
        }
        _, grads_moved = net.loss_and_grad(moved, x, y)
        G, G_moved = grads[net.weights[k]], grads_moved[net.weights[k]]
        diff[i] = float((G - G_moved).double().norm())
        norm[i] = float(G.double().norm())
        cos[i] = cosine(G, G_moved)
    return GradientChange(layers=measured, diff=diff, norm=norm, cos=cos)
