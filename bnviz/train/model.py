"""The twin networks, with their forward and backward passes written out.

- **plain**: ``Linear(bias) → activation`` per hidden layer;
- **bn**: ``Linear(no bias) → BatchNorm1d → activation`` (β takes the bias's role);
- both end in ``Linear → n_classes`` logits and mean cross-entropy.

Why written out instead of ``nn.Sequential`` + autograd: the live lab steps two nets thousands of
times a second, and for nets this small autograd's bookkeeping costs about a quarter of a step. Here
every step reuses preallocated buffers and each layer's backward sits next to its forward
(micrograd style). ``Twin.to_module()`` rebuilds the same net as ``torch.nn`` modules, and the tests
check losses, gradients and running statistics against autograd: torch is the oracle.

Parameters are plain tensors (``requires_grad=False``) whose ``.grad`` the backward pass fills in, so
any ``torch.optim`` optimizer can step them. Shapes: batch ``B``, layer widths ``d_in → d_out``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from bnviz.train.activations import ACTIVATIONS
from bnviz.train.inits import initial_weights
from bnviz.train.variants import VARIANTS

aten = torch.ops.aten

# --- the twins -----------------------------------------------------------------------------------


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


@dataclass
class LayerProbe:
    """One hidden layer's values on a probe batch (eval mode: BN uses its running statistics)."""

    wu: torch.Tensor | None  # (n, d_out) bn twin: Wu before BN; None for the plain twin
    z: torch.Tensor  # (n, d_out) the nonlinearity's input
    h: torch.Tensor  # (n, d_out) the nonlinearity's output


def _param(t: torch.Tensor) -> torch.Tensor:
    t = t.clone().contiguous()
    t.grad = torch.zeros_like(t)  # filled in place by every backward pass
    return t


class Twin:
    """One of the two networks. ``batch_norm`` selects the bn twin's layer recipe.

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
    ):
        self.name = name
        self.activation = ACTIVATIONS[activation]
        self.batch_norm = batch_norm
        self.bn_momentum = bn_momentum
        self.bn_eps = bn_eps
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
                index += 3
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
        variance) and updates the running statistics in place. The optimizer step is the caller's.
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

    # -- evaluation --

    @torch.no_grad()
    def probe(self, x: torch.Tensor) -> tuple[list[LayerProbe], torch.Tensor]:
        """Eval-mode forward of ``x # (n, d_in)``: every hidden layer's values and the logits.

        BN uses its running statistics (as at inference), so probing changes nothing in the twin.
        """
        probes, h = [], x
        for layer in self.layers:
            if self.batch_norm:
                wu = h @ layer.W.t()
                z = F.batch_norm(
                    wu,
                    layer.running_mean,
                    layer.running_var,
                    layer.gamma,
                    layer.beta,
                    training=False,
                    eps=self.bn_eps,
                )
            else:
                wu, z = None, torch.addmm(layer.b, h, layer.W.t())
            h = self.activation.forward(z, torch.empty_like(z))
            probes.append(LayerProbe(wu=wu, z=z, h=h))
        return probes, torch.addmm(self.b_out, h, self.W_out.t())

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Eval-mode logits ``# (n, n_classes)``."""
        return self.probe(x)[1]

    def to_module(self) -> nn.Sequential:
        """The same network, with copies of the current parameters and running statistics, as
        ``torch.nn`` modules (``Linear``, ``BatchNorm1d``, activation, ..., ``Linear``)."""
        modules: list[nn.Module] = []
        for layer in self.layers:
            d_out, d_in = layer.W.shape
            modules.append(nn.Linear(d_in, d_out, bias=not self.batch_norm))
            if self.batch_norm:
                bn = nn.BatchNorm1d(d_out, eps=self.bn_eps, momentum=self.bn_momentum)
                bn.running_mean.copy_(layer.running_mean)
                bn.running_var.copy_(layer.running_var)
                modules.append(bn)
            modules.append(self.activation.module())
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
) -> dict[str, Twin]:
    """``{"plain": Twin, "bn": Twin}`` from one draw of initial weights.

    ``dims`` = ``[input_dim, *hidden, n_classes]``. Same weight matrices in both twins; the plain
    twin's biases and the bn twin's β start at 0, γ at 1.
    """
    weights = initial_weights(dims, init, init_std, seed)
    return {
        name: Twin(name, weights, activation, v.batch_norm, bn_momentum=bn_momentum, bn_eps=bn_eps)
        for name, v in VARIANTS.items()
    }
