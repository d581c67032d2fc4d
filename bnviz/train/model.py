"""The networks a run compares, with their training step's forward and backward written out.

Per hidden layer (``bnviz.train.variants`` has the recipes and ``bnviz.train.norms`` the
normalizations):

- **plain**: ``Linear(bias) → activation``;
- **normalized before the activation** (bn, noisy BN, ln, gn): ``Linear(no bias) → norm →
  activation`` (β takes the bias's role); noisy BN adds ``z ← s ⊙ z + m`` after BN while training,
  ``s`` and ``m`` per unit, drawn anew every step (:func:`draw_noise`);
- **normalized after the activation** (bn_after): ``Linear(bias) → activation → norm``;
- all end in ``Linear → n_classes`` logits and mean cross-entropy.

Why written out instead of ``nn.Sequential`` + autograd: the live lab steps several nets thousands
of times a second, and for nets this small autograd's bookkeeping costs about a quarter of a step.
Here every step reuses preallocated buffers and each layer's backward sits next to its forward
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
from bnviz.train.noise import Noise, draw_noise
from bnviz.train.norms import Norm, make_norm
from bnviz.train.seeds import NOISE_STREAM, child_seed
from bnviz.train.variants import TWINS, VARIANTS


@dataclass
class Layer:
    """One hidden layer's parameters, running statistics and per-step buffers."""

    W: torch.Tensor  # (d_out, d_in)
    b: torch.Tensor | None  # (d_out,) unless a norm before the activation replaces it
    gamma: torch.Tensor | None  # (d_out,) normalized variants only
    beta: torch.Tensor | None
    running_mean: torch.Tensor | None  # (d_out,) BN only
    running_var: torch.Tensor | None  # unbiased (m/(m-1)) batch variance, like torch
    # Saved by the forward pass for the backward pass:
    input: torch.Tensor | None = None  # (B, d_in) the previous layer's output (or x)
    u: torch.Tensor | None = None  # (B, d_out) norm before the activation: Wu, the norm's input
    z: torch.Tensor | None = None  # (B, d_out) the nonlinearity's input
    h: torch.Tensor | None = None  # (B, d_out) the nonlinearity's output
    out: torch.Tensor | None = (
        None  # (B, d_out) norm after the activation: what the next layer sees
    )
    mu: torch.Tensor | None = None  # the norm's means: BN (d_out,), LN (B, 1), GN (B, groups)
    invstd: torch.Tensor | None = None  # 1 / sqrt(biased variance + eps), shaped as mu
    noise_scale: torch.Tensor | None = None  # (d_out,) noisy BN: the last step's s
    noise_shift: torch.Tensor | None = None  # (d_out,) noisy BN: the last step's m


def _param(t: torch.Tensor) -> torch.Tensor:
    t = t.clone().contiguous()
    t.grad = torch.zeros_like(t)  # filled in place by every backward pass
    return t


class Twin:
    """One network of a run. ``norm`` (``"bn"``, ``"ln"``, ``"gn"`` or None) is the layers'
    normalization, before the activation or, with ``after``, after it; ``batch_norm=True`` is short
    for ``norm="bn"``. ``noise_seed`` (BN before the activation only) makes it noisy BN, its noise
    drawn from a generator seeded with it, one draw per layer per step. ``groups``: GroupNorm's.
    ``bn_eps`` is every normalization's eps, ``bn_momentum`` BN's.

    ``weights`` are the matrices from :func:`initial_weights` (hidden layers, then output); they are
    copied, so twins built from the same list start identical but never share storage.
    """

    def __init__(
        self,
        name: str,
        weights: list[torch.Tensor],
        activation: str,
        batch_norm: bool = False,
        bn_momentum: float = 0.1,
        bn_eps: float = 1e-5,
        noise_seed: int | None = None,
        *,
        norm: str | None = None,
        after: bool = False,
        groups: int = 1,
    ):
        norm = norm or ("bn" if batch_norm else None)
        if noise_seed is not None and (norm != "bn" or after):
            raise ValueError("Noise follows batch norm: a noisy twin needs batch_norm=True.")
        self.name = name
        self.activation = ACTIVATIONS[activation]
        self.norm: Norm | None = (
            None if norm is None else make_norm(norm, bn_eps, bn_momentum, groups)
        )
        self.after = after and norm is not None  # the norm acts on the activation's output
        self.bn_momentum = bn_momentum
        self.bn_eps = bn_eps
        self.noise = None if noise_seed is None else torch.Generator().manual_seed(noise_seed)
        bias, stats = self.norm is None or self.after, norm == "bn"
        self.layers: list[Layer] = []
        for W in weights[:-1]:
            d_out = W.shape[0]
            if norm == "gn" and d_out % groups:
                raise ValueError(f"GroupNorm's {groups} groups do not divide {d_out} units.")
            self.layers.append(
                Layer(
                    W=_param(W),
                    b=_param(torch.zeros(d_out)) if bias else None,
                    gamma=None if norm is None else _param(torch.ones(d_out)),
                    beta=None if norm is None else _param(torch.zeros(d_out)),
                    running_mean=torch.zeros(d_out) if stats else None,
                    running_var=torch.ones(d_out) if stats else None,
                )
            )
        self.W_out = _param(weights[-1])  # (n_classes, d_last)
        self.b_out = _param(torch.zeros(weights[-1].shape[0]))
        self._batch = 0

    @property
    def batch_norm(self) -> bool:
        return self.norm is not None and self.norm.kind == "bn"

    @property
    def norm_before(self) -> bool:
        """Whether the nonlinearity's input is normalized (then ``layer.u = W h`` comes first)."""
        return self.norm is not None and not self.after

    # -- parameters --

    def named_parameters(self) -> list[tuple[str, torch.Tensor]]:
        """``(name, tensor)`` in ``to_module().named_parameters()`` order and naming."""
        named, index = [], 0
        for layer in self.layers:
            named.append((f"{index}.weight", layer.W))
            if layer.b is not None:
                named.append((f"{index}.bias", layer.b))
            if self.norm is not None:  # Linear, [act], norm, [noise], [act]
                at = index + (2 if self.after else 1)
                named += [(f"{at}.weight", layer.gamma), (f"{at}.bias", layer.beta)]
            index += 2 + (self.norm is not None) + (self.noise is not None)
        named += [(f"{index}.weight", self.W_out), (f"{index}.bias", self.b_out)]
        return named

    def parameters(self) -> list[torch.Tensor]:
        return [p for _, p in self.named_parameters()]

    def _buffers(self, batch: int) -> None:
        """(Re)allocate the per-step activations for a batch of ``batch`` rows."""
        for layer in self.layers:
            d_out = layer.W.shape[0]
            layer.u = torch.empty(batch, d_out) if self.norm_before else None
            layer.z = None if self.norm_before else torch.empty(batch, d_out)
            layer.h = torch.empty(batch, d_out)
        self._logits = torch.empty(batch, self.W_out.shape[0])
        self._rows = torch.arange(batch)
        self._batch = batch

    # -- one training step --

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Forward and backward on a minibatch; fills every parameter's ``.grad``; returns the loss.

        ``x # (B, d_in)`` float32, ``y # (B,)`` int64. BatchNorm uses batch statistics (biased
        variance) and updates the running statistics in place; noisy BN draws this step's noise.
        The optimizer step is the caller's. Returns the 0-d mean cross-entropy (not synced to
        Python). No autograd is involved (parameters do not require grad): no ``no_grad`` needed.
        """
        batch = x.shape[0]
        if batch != self._batch:
            self._buffers(batch)
        act, norm, h = self.activation, self.norm, x
        for layer in self.layers:
            layer.input = h
            if self.norm_before:
                torch.mm(h, layer.W.t(), out=layer.u)  # u = W h, no bias: β replaces it
                layer.z = norm.forward(layer, layer.u)  # z = γ x̂ + β
                if self.noise is not None:
                    layer.noise_scale, layer.noise_shift = draw_noise(self.noise, layer.z.shape[1])
                    layer.z.mul_(layer.noise_scale).add_(layer.noise_shift)  # z <- s z + m
            else:
                torch.addmm(layer.b, h, layer.W.t(), out=layer.z)  # z = W h + b
            act.forward(layer.z, layer.h)
            h = layer.h
            if self.after:
                h = layer.out = norm.forward(layer, layer.h)  # the next layer sees BN(f(z))
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
            if self.after:
                dh = norm.backward(layer, dh, layer.h)  # through out = norm(h)
            dz = act.backward(dh, layer.z, layer.h)
            if self.noise is not None:
                dz = dz * layer.noise_scale  # through z <- s z + m
            if self.norm_before:
                du = norm.backward(layer, dz, layer.u)  # fills dγ, dβ
            else:
                du = dz
                torch.sum(dz, dim=0, out=layer.b.grad)
            torch.mm(du.t(), layer.input, out=layer.W.grad)  # dW = du^T h_prev
            if i > 0:  # the first layer's input is data: no gradient needed
                dh = du @ layer.W
        return loss

    def to_module(self) -> nn.Sequential:
        """The same network, with copies of the current parameters and running statistics, as
        ``torch.nn`` modules (``Linear``, the norm, activation, ..., ``Linear``; the norm after the
        activation for ``after``). Noisy BN gets a :class:`Noise` module after each BN holding the
        last step's noise (none before the first step), applied in train mode only."""
        modules: list[nn.Module] = []
        for layer in self.layers:
            d_out, d_in = layer.W.shape
            modules.append(nn.Linear(d_in, d_out, bias=layer.b is not None))
            if self.norm_before:
                modules.append(self.norm.module(layer))
            if self.noise is not None:
                modules.append(Noise(layer.noise_scale, layer.noise_shift, d_out))
            modules.append(self.activation.module())
            if self.after:
                modules.append(self.norm.module(layer))
        modules.append(nn.Linear(self.W_out.shape[1], self.W_out.shape[0]))
        net = nn.Sequential(*modules)
        with torch.no_grad():
            params = dict(net.named_parameters())
            for name, tensor in self.named_parameters():
                params[name].copy_(tensor)
        return net


def build_twins(
    dims: list[int],
    activation: str,
    init: str,
    init_std: float,
    seed: int,
    bn_momentum: float = 0.1,
    bn_eps: float = 1e-5,
    variants: tuple[str, ...] = TWINS,
    groups: int = 4,
) -> dict[str, Twin]:
    """``{name: Twin}`` for each of ``variants`` (``bnviz.train.variants``), from one draw of initial
    weights. ``dims`` = ``[input_dim, *hidden, n_classes]``. Same weight matrices in every variant; biases and
    β start at 0, γ at 1. Noisy BN's noise is seeded from ``seed`` too. ``groups``: GroupNorm's.
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
            bn_momentum=bn_momentum,
            bn_eps=bn_eps,
            noise_seed=noise_seed if VARIANTS[name].noisy else None,
            norm=VARIANTS[name].norm,
            after=VARIANTS[name].after,
            groups=groups,
        )
        for name in variants
    }
