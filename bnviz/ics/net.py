"""A twin at training step ``t`` as ``torch.nn`` + autograd: the copy every measurement works on.

The measurements of Santurkar et al. (2018) need the loss and its gradient at points the run never
visits: ``θ_t`` with the layers below ``k`` moved (gradient change), ``θ_t − η g`` (smoothness). They
get them from :class:`MeasuredNet`, a copy of the twin built by ``Twin.to_module()``, evaluated with
``torch.func.functional_call`` at any parameters ``θ`` (a dict ``name -> tensor``) on the step's
minibatch:

- **Train mode**, as the step itself: BN normalizes with the minibatch's own mean and variance.
  Evaluating the copy moves *its* running statistics; the run's are never read or written.
- **Noisy BN** uses the noise that step ``t`` itself draws (:func:`upcoming_noise`), taken from a
  *copy* of the twin's noise generator. So ``G`` is exactly the gradient step ``t`` follows, and the
  run's generator does not advance: measuring never changes the run being trained.

Parameter names are ``Twin.named_parameters()``'s (``"0.weight"``, ``"1.bias"``, ...). Shapes: batch
``B``, ``x # (B, input_dim)`` float32, ``y # (B,)`` int64.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from bnviz.train.model import Twin
from bnviz.train.noise import Noise, draw_noise

Params = dict[str, torch.Tensor]  # a point θ of the parameter space, in the twin's naming


def upcoming_noise(twin: Twin) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
    """The ``(scale, shift)`` per hidden layer that the twin's next training step will draw, or None
    for a twin without noise. Drawn from a copy of the generator, in the order ``train_step`` draws
    (layer by layer), so the twin's own generator is left where it was."""
    if twin.noise is None:
        return None
    generator = torch.Generator()
    generator.set_state(twin.noise.get_state())
    return [draw_noise(generator, layer.W.shape[0]) for layer in twin.layers]


@dataclass(frozen=True)
class MeasuredNet:
    """A train-mode copy of a twin and how its parameters group into layers.

    ``theta`` is the twin's ``θ_t`` (detached copies); ``layers[k]`` names hidden layer ``k``'s
    parameters (``W`` with ``b``, or ``W`` with ``γ`` and ``β``), ``weights[k]`` its ``W`` alone;
    the output layer belongs to no hidden layer.
    """

    net: nn.Sequential
    theta: Params
    layers: tuple[tuple[str, ...], ...]
    weights: tuple[str, ...]

    def loss_and_grad(self, theta: Mapping[str, torch.Tensor], x, y) -> tuple[float, Params]:
        """Mean cross-entropy at ``theta`` on ``(x, y)`` and its gradient (one tensor per parameter,
        same names and shapes). ``theta`` is not modified."""
        point = {name: t.detach().requires_grad_() for name, t in theta.items()}
        loss = F.cross_entropy(functional_call(self.net, point, (x,)), y)
        grads = torch.autograd.grad(loss, list(point.values()))
        return float(loss.detach()), dict(zip(point, grads, strict=True))


def measured_net(twin: Twin) -> MeasuredNet:
    """The twin as it stands before its next training step (see the module docstring)."""
    net = twin.to_module().train()
    noise = upcoming_noise(twin)
    if noise is not None:
        with torch.no_grad():
            for module, (scale, shift) in zip(
                (m for m in net if isinstance(m, Noise)), noise, strict=True
            ):
                module.scale.copy_(scale)
                module.shift.copy_(shift)
    layers, current = [], None
    for index, module in enumerate(net):
        if isinstance(module, nn.Linear):  # a Linear opens a layer (the last one: the output)
            current = [f"{index}.{name}" for name, _ in module.named_parameters()]
            layers.append(current)
        elif isinstance(module, nn.BatchNorm1d | nn.LayerNorm | nn.GroupNorm):  # γ, β: the Linear's
            current += [f"{index}.{name}" for name, _ in module.named_parameters()]
    hidden = tuple(tuple(names) for names in layers[:-1])
    theta = {name: p.detach().clone() for name, p in net.named_parameters()}
    return MeasuredNet(net, theta, hidden, tuple(names[0] for names in hidden))


def global_norm(tensors: Iterable[torch.Tensor]) -> float:
    """``sqrt(Σ ‖t‖²)``: the Euclidean norm of tensors taken together as one vector."""
    return math.sqrt(sum(float(t.double().square().sum()) for t in tensors))


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """``⟨a, b⟩ / (‖a‖ ‖b‖)`` in float64; NaN when either is zero."""
    a, b = a.double().reshape(-1), b.double().reshape(-1)
    denominator = float(a.norm() * b.norm())
    return float(a @ b) / denominator if denominator > 0 else math.nan
