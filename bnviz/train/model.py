"""The networks a run compares, with their training step's forward and backward written out.

- **plain**: ``Linear(bias) → activation`` per hidden layer;
- **bn**: ``Linear(no bias) → BatchNorm1d → activation`` (β takes the bias's role);
- **noisy BN**: as bn, with ``z ← s ⊙ z + m`` after BN while training, ``s`` and ``m`` per unit,
  drawn anew every step (:func:`draw_noise`);
- all end in ``Linear → n_classes`` logits and mean cross-entropy (``bnviz.train.variants``).

Why written out instead of ``nn.Sequential`` + autograd: the live lab steps two nets thousands of
times a second, and for nets this small autograd's bookkeeping costs about a quarter of a step. Here
every step reuses preallocated buffers and each layer's backward sits next to its forward
(micrograd style). ``Twin.to_module()`` rebuilds the same net as ``torch.nn`` modules, and the tests
check losses, gradients and running statistics against autograd: torch is the oracle.

Parameters are plain tensors (``requires_grad=False``) whose ``.grad`` the backward pass fills in, so
any ``torch.optim`` optimizer can step them. Shapes: batch ``B``, layer widths ``d_in → d_out``.
Forward passes that change nothing (probes, predictions) are ``bnviz.train.forward``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from bnviz.train.activations import ACTIVATIONS
from bnviz.train.inits import initial_weights
from bnviz.train.seeds import NOISE_STREAM, child_seed
from bnviz.train.variants import TWINS, VARIANTS

aten = torch.ops.aten

# Noisy BN's noise, per unit and per step: a shift m ~ U(-NOISE_SHIFT, NOISE_SHIFT) (non-zero mean)
# and a scale s ~ U(NOISE_SCALE) (non-unit variance). A shift of up to ±1 moves a sigmoid's input by
# as much as the plain twin's drifts in Figure 1; a scale of 0.5-2 halves or doubles its spread.
NOISE_SHIFT = 1.0
NOISE_SCALE = (0.5, 2.0)


def draw_noise(generator: torch.Generator, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One step's noise for a layer of ``width`` units: ``(scale, shift)``, each ``# (width,)``."""
    lo, hi = NOISE_SCALE
    scale = torch.rand(width, generator=generator).mul_(hi - lo).add_(lo)
    shift = torch.rand(width, generator=generator).mul_(2 * NOISE_SHIFT).sub_(NOISE_SHIFT)
    return scale, shift


@dataclass
class Layer:
    """One hidden layer's parameters, running statistics and per-step buffers."""

    W: torch.Tensor  # (d_out, d_in)
    b: torch.Tensor | None  # (d_out,) plain twin only
    gamma: torch.Tensor | None  # (d_out,) bn twin only
    beta: torch.Tensor | None
    running_mean: torch.Tensor | None
    running_var: torch.Tensor | None  # unbiased (m/(m-1)) batch variance, like torch
    # Saved by the forward pass for the backward pass:
    input: torch.Tensor | None = None  # (B, d_in) the previous layer's output (or x)
    u: torch.Tensor | None = None  # (B, d_out) bn twin: Wu before BN
    z: torch.Tensor | None = None  # (B, d_out) the nonlinearity's input
    h: torch.Tensor | None = None  # (B, d_out) the nonlinearity's output
    mu: torch.Tensor | None = None  # (d_out,) bn twin: batch mean
    invstd: torch.Tensor | None = None  # (d_out,) bn twin: 1 / sqrt(biased batch var + eps)
    noise_scale: torch.Tensor | None = None  # (d_out,) noisy BN: the last step's s
    noise_shift: torch.Tensor | None = None  # (d_out,) noisy BN: the last step's m


def _param(t: torch.Tensor) -> torch.Tensor:
    t = t.clone().contiguous()
    t.grad = torch.zeros_like(t)  # filled in place by every backward pass
    return t


class Twin:
    """One network of a run. ``batch_norm`` selects the bn recipe; ``noise_seed`` (bn only) makes
    it noisy BN, its noise drawn from a generator seeded with it, one draw per layer per step.

    ``weights`` are the matrices from :func:`initial_weights` (hidden layers, then output); they are
    copied, so twins built from the same list start identical but never share storage.
    """

    def __init__(
        self,
        name: str,
        weights: list[torch.Tensor],
        activation: str,
        batch_norm: bool,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-5,
        noise_seed: int | None = None,
    ):
        if noise_seed is not None and not batch_norm:
            raise ValueError("Noise follows batch norm: a noisy twin needs batch_norm=True.")
        self.name = name
        self.activation = ACTIVATIONS[activation]
        self.batch_norm = batch_norm
        self.bn_momentum = bn_momentum
        self.bn_eps = bn_eps
        self.noise = None if noise_seed is None else torch.Generator().manual_seed(noise_seed)
        self.layers: list[Layer] = []
        for W in weights[:-1]:
            d_out = W.shape[0]
            bn = batch_norm
            self.layers.append(
                Layer(
                    W=_param(W),
                    b=None if bn else _param(torch.zeros(d_out)),
                    gamma=_param(torch.ones(d_out)) if bn else None,
                    beta=_param(torch.zeros(d_out)) if bn else None,
                    running_mean=torch.zeros(d_out) if bn else None,
                    running_var=torch.ones(d_out) if bn else None,
                )
            )
        self.W_out = _param(weights[-1])  # (n_classes, d_last)
        self.b_out = _param(torch.zeros(weights[-1].shape[0]))
        self._batch = 0

    # -- parameters --

    def named_parameters(self) -> list[tuple[str, torch.Tensor]]:
        """``(name, tensor)`` in ``to_module().named_parameters()`` order and naming."""
        named, index = [], 0
        for layer in self.layers:
            named.append((f"{index}.weight", layer.W))
            if self.batch_norm:
                named += [(f"{index + 1}.weight", layer.gamma), (f"{index + 1}.bias", layer.beta)]
                index += 4 if self.noise is not None else 3
            else:
                named.append((f"{index}.bias", layer.b))
                index += 2
        named += [(f"{index}.weight", self.W_out), (f"{index}.bias", self.b_out)]
        return named

    def parameters(self) -> list[torch.Tensor]:
        return [p for _, p in self.named_parameters()]

    def _buffers(self, batch: int) -> None:
        """(Re)allocate the per-step activations for a batch of ``batch`` rows."""
        for layer in self.layers:
            d_out = layer.W.shape[0]
            layer.u = torch.empty(batch, d_out) if self.batch_norm else None
            layer.z = None if self.batch_norm else torch.empty(batch, d_out)
            layer.h = torch.empty(batch, d_out)
        self._logits = torch.empty(batch, self.W_out.shape[0])
        self._rows = torch.arange(batch)
        self._batch = batch

    # -- one training step --

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Forward and backward on a minibatch; fills every parameter's ``.grad``; returns the loss.

        ``x # (B, d_in)`` float32, ``y # (B,)`` int64. BatchNorm uses batch statistics (biased
        variance) and updates the running statistics in place; noisy BN draws this step's noise.
        The optimizer step is the caller's.
        Returns the 0-d mean cross-entropy (not synced to Python: call ``float()`` when needed).
        No autograd is involved (parameters do not require grad), so no ``no_grad`` is needed.
        """
        batch = x.shape[0]
        if batch != self._batch:
            self._buffers(batch)
        act, h = self.activation, x
        for layer in self.layers:
            layer.input = h
            if self.batch_norm:
                torch.mm(h, layer.W.t(), out=layer.u)  # u = W h, no bias: β replaces it
                layer.z, layer.mu, layer.invstd = aten.native_batch_norm(
                    layer.u,
                    layer.gamma,
                    layer.beta,
                    layer.running_mean,
                    layer.running_var,
                    True,
                    self.bn_momentum,
                    self.bn_eps,
                )  # z = γ (u - μ_B) / sqrt(σ²_B + eps) + β; running stats updated in place
                if self.noise is not None:
                    layer.noise_scale, layer.noise_shift = draw_noise(self.noise, layer.z.shape[1])
                    layer.z.mul_(layer.noise_scale).add_(layer.noise_shift)  # z <- s z + m
            else:
                torch.addmm(layer.b, h, layer.W.t(), out=layer.z)  # z = W h + b
            act.forward(layer.z, layer.h)
            h = layer.h
        torch.addmm(self.b_out, h, self.W_out.t(), out=self._logits)
        logp = torch.log_softmax(self._logits, dim=1)
        loss = F.nll_loss(logp, y)  # mean cross-entropy over the batch

        # d loss / d logits = (softmax - onehot(y)) / B
        g = logp.exp_()
        g[self._rows, y] -= 1.0
        g.div_(batch)
        torch.mm(g.t(), h, out=self.W_out.grad)
        torch.sum(g, dim=0, out=self.b_out.grad)
        dh = g @ self.W_out  # (B, d_last)
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            dz = act.backward(dh, layer.z, layer.h)
            if self.noise is not None:
                dz = dz * layer.noise_scale  # through z <- s z + m
            if self.batch_norm:
                du, dgamma, dbeta = aten.native_batch_norm_backward(
                    dz,
                    layer.u,
                    layer.gamma,
                    layer.running_mean,
                    layer.running_var,
                    layer.mu,
                    layer.invstd,
                    True,
                    self.bn_eps,
                    [True, True, True],
                )
                layer.gamma.grad.copy_(dgamma)
                layer.beta.grad.copy_(dbeta)
            else:
                du = dz
                torch.sum(dz, dim=0, out=layer.b.grad)
            torch.mm(du.t(), layer.input, out=layer.W.grad)  # dW = du^T h_prev
            if i > 0:  # the first layer's input is data: no gradient needed
                dh = du @ layer.W
        return loss

    def to_module(self) -> nn.Sequential:
        """The same network, with copies of the current parameters and running statistics, as
        ``torch.nn`` modules (``Linear``, ``BatchNorm1d``, activation, ..., ``Linear``). Noisy BN
        gets a :class:`Noise` module after each BN holding the last step's noise (none before the
        first step), applied in train mode only."""
        modules: list[nn.Module] = []
        for layer in self.layers:
            d_out, d_in = layer.W.shape
            modules.append(nn.Linear(d_in, d_out, bias=not self.batch_norm))
            if self.batch_norm:
                bn = nn.BatchNorm1d(d_out, eps=self.bn_eps, momentum=self.bn_momentum)
                bn.running_mean.copy_(layer.running_mean)
                bn.running_var.copy_(layer.running_var)
                modules.append(bn)
            if self.noise is not None:
                modules.append(Noise(layer.noise_scale, layer.noise_shift, d_out))
            modules.append(self.activation.module())
        modules.append(nn.Linear(self.W_out.shape[1], self.W_out.shape[0]))
        net = nn.Sequential(*modules)
        with torch.no_grad():
            params = dict(net.named_parameters())
            for name, tensor in self.named_parameters():
                params[name].copy_(tensor)
        return net


class Noise(nn.Module):
    """``z ↦ s ⊙ z + m`` in train mode, the identity in eval mode (noise is a training-time thing)."""

    def __init__(self, scale: torch.Tensor | None, shift: torch.Tensor | None, width: int):
        super().__init__()
        self.register_buffer("scale", torch.ones(width) if scale is None else scale.clone())
        self.register_buffer("shift", torch.zeros(width) if shift is None else shift.clone())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.scale + self.shift if self.training else z


def build_twins(
    dims: list[int],
    activation: str,
    init: str,
    init_std: float,
    seed: int,
    bn_momentum: float = 0.1,
    bn_eps: float = 1e-5,
    variants: tuple[str, ...] = TWINS,
) -> dict[str, Twin]:
    """``{name: Twin}`` for each of ``variants`` (``bnviz.train.variants``), from one draw of initial
    weights.

    ``dims`` = ``[input_dim, *hidden, n_classes]``. Same weight matrices in every variant; biases and
    β start at 0, γ at 1. Noisy BN's noise is seeded from ``seed`` too.
    """
    unknown = [name for name in variants if name not in VARIANTS]
    if unknown or not variants:
        raise ValueError(f"Choose variants among {', '.join(VARIANTS)}, got {list(variants)}.")
    weights = initial_weights(dims, init, init_std, seed)
    noise_seed = child_seed(seed, NOISE_STREAM)
    return {
        name: Twin(
            name,
            weights,
            activation,
            VARIANTS[name].batch_norm,
            bn_momentum=bn_momentum,
            bn_eps=bn_eps,
            noise_seed=noise_seed if VARIANTS[name].noisy else None,
        )
        for name in variants
    }
