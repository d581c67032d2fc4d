"""Batch norm's invariance to the scale of a layer's weights (Ioffe & Szegedy 2015, §3.3), computed.

With BN after a layer, ``BN((cW)u) = BN(Wu)`` for any ``c > 0``: the batch mean scales by ``c`` and
the batch standard deviation too, so the normalized ``x_hat`` is the same (up to the ``eps`` under
the square root). Hence the network's output does not change, and the gradient does:
``∂ℓ/∂(cW) = (1/c) ∂ℓ/∂W``. Larger weights get smaller gradients, which is why the paper expects BN
to tolerate higher learning rates. Without BN, ``z = cWu + b`` and the output changes.

:func:`scale_invariance` measures this on the paper's net (784-100-100-100-10 sigmoid, weights from
Xavier's N(0, 2 / (fan_in + fan_out)), γ = 1, β = 0, BN in training mode: each batch normalized by its own statistics,
*biased* variance) for one batch of digits: the outputs (logits) and ``∂ℓ/∂W`` of one hidden layer
with ``W`` and with ``cW``, for the BN net and for the plain net (biases 0) built from the same
weights (Xavier rather than the lab's small N(0, 0.05²): with those the plain net's outputs all sit
near 0 and barely move whatever ``c``). ``eps`` bounds the invariance: it holds while ``c² var(Wu)``
stays well above ``eps`` (:attr:`ScaleResult.least_var`). Written out in float64 numpy, so the page needs no torch; the tests check every number
against ``torch.nn.BatchNorm1d`` and autograd.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from bnviz.i18n import N_, UserError
from bnviz.sweep.result import DATA

DIMS = (784, 100, 100, 100, 10)  # the paper's net
BATCH = 60  # the paper's batch size
EPS = 1e-5  # torch's BatchNorm1d default
C_RANGE = (0.01, 100.0)  # the factors a page may ask for
# bnviz.data names this file too, but importing it loads torch, which the page must not need.
MNIST_PATH = DATA / "mnist.npz"


@dataclass(frozen=True)
class ScaleResult:
    """``logits # (B, 10)`` of each net with ``W`` and ``cW`` for the chosen hidden ``layer``
    (1-based), and ``grad # (d_out, d_in)`` ``∂ℓ/∂W`` of that layer at each (at ``cW``: with
    respect to the scaled matrix), ``ℓ`` the mean cross-entropy of the batch."""

    c: float
    layer: int
    logits: dict[str, tuple[np.ndarray, np.ndarray]]  # net -> (at W, at cW)
    grad: dict[str, tuple[np.ndarray, np.ndarray]]
    hidden: dict[str, tuple[np.ndarray, np.ndarray]]  # the layer's own output h # (B, d_out)
    least_var: float  # the smallest batch variance of the BN net's Wu over the layer's units

    def max_layer_change(self, net: str) -> float:
        """``max |h(cW) - h(W)|`` of the scaled layer's sigmoid outputs."""
        before, after = self.hidden[net]
        return float(np.max(np.abs(after - before)))

    def max_change(self, net: str) -> float:
        """``max |logits(cW) - logits(W)|`` of ``net`` ("bn" or "plain")."""
        before, after = self.logits[net]
        return float(np.max(np.abs(after - before)))

    def grad_ratio(self, net: str) -> float:
        """``‖∂ℓ/∂(cW)‖ / ‖∂ℓ/∂W‖`` (Frobenius): ``1/c`` for the BN net."""
        before, after = self.grad[net]
        return float(np.linalg.norm(after) / np.linalg.norm(before))

    def grad_deviation(self, net: str) -> float:
        """``max |c ∂ℓ/∂(cW) - ∂ℓ/∂W| / max |∂ℓ/∂W|``: 0 when the gradient scales exactly by 1/c."""
        before, after = self.grad[net]
        return float(np.max(np.abs(self.c * after - before)) / np.max(np.abs(before)))


@functools.cache
def digits(n: int = BATCH) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` MNIST test digits ``# (n, 784)`` float64 in [0, 1] and labels ``# (n,)``;
    reads only the test arrays of the embedded file."""
    with np.load(MNIST_PATH) as npz:
        x = npz["x_test"][:n].reshape(n, -1).astype(np.float64) / 255.0
        y = npz["y_test"][:n].astype(np.int64)
    return x, y


def initial_weights(seed: int = 0, dims=DIMS) -> list[np.ndarray]:
    """``W_l # (dims[l+1], dims[l])`` from Xavier's N(0, 2 / (d_in + d_out)), output layer last."""
    rng = np.random.default_rng(seed)
    return [
        rng.normal(0.0, np.sqrt(2.0 / (d_in + d_out)), (d_out, d_in))
        for d_in, d_out in zip(dims[:-1], dims[1:], strict=True)
    ]


def forward_backward(
    weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, batch_norm: bool, layer: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(logits # (B, classes), ∂ℓ/∂W_layer, h_layer # (B, d_out), least var)`` of the net with
    these weights (biases, β = 0, γ = 1), ``layer`` 1-based among the hidden layers; ``least var``:
    the smallest batch variance of that layer's ``Wu`` over its units."""
    if not 1 <= layer <= len(weights) - 1:
        raise ValueError(f"layer must be between 1 and {len(weights) - 1}, got {layer}")
    saved, h, us = [], x, []
    for W in weights[:-1]:
        u = h @ W.T  # (B, d_out)
        us.append(u)
        if batch_norm:
            mu, var = u.mean(axis=0), u.var(axis=0)  # biased, as BN normalizes
            invstd = 1.0 / np.sqrt(var + EPS)
            x_hat = (u - mu) * invstd
            z = x_hat  # γ = 1, β = 0
        else:
            x_hat = invstd = None
            z = u  # b = 0
        out = 1.0 / (1.0 + np.exp(-z))
        saved.append((h, x_hat, invstd, out))
        h = out
    logits = h @ weights[-1].T
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    batch = x.shape[0]
    g = p.copy()
    g[np.arange(batch), y] -= 1.0
    g /= batch  # ∂ℓ/∂logits of the mean cross-entropy
    dh = g @ weights[-1]
    for k in range(len(weights) - 2, layer - 2, -1):
        h_in, x_hat, invstd, out = saved[k]
        dz = dh * out * (1.0 - out)
        if batch_norm:  # ∂ℓ/∂u through x_hat = (u - μ) / sqrt(σ² + eps), batch statistics
            du = invstd / batch * (batch * dz - dz.sum(axis=0) - x_hat * (dz * x_hat).sum(axis=0))
        else:
            du = dz
        if k == layer - 1:
            least = float(us[k].var(axis=0).min())
            return logits, du.T @ h_in, saved[k][3], least
        dh = du @ weights[k]
    raise AssertionError("unreachable: layer was checked above")


def scale_invariance(c: float, layer: int = 1, seed: int = 0, batch: int = BATCH) -> ScaleResult:
    """Both nets' logits and ``∂ℓ/∂W_layer`` with ``W_layer`` and with ``c W_layer`` (see the
    module docstring); ValueError with a sentence for a ``c`` or ``layer`` out of range."""
    lo, hi = C_RANGE
    if not (isinstance(c, int | float) and lo <= c <= hi):
        raise UserError(
            N_("Choose a factor c between {lo} and {hi}, got {value}."),
            lo=f"{lo:g}",
            hi=f"{hi:g}",
            value=repr(c),
        )
    hidden = len(DIMS) - 2
    if not 1 <= layer <= hidden:
        raise UserError(
            N_("Choose a hidden layer between 1 and {max}, got {layer}."), max=hidden, layer=layer
        )
    x, y = digits(batch)
    weights = initial_weights(seed)
    scaled = list(weights)
    scaled[layer - 1] = c * weights[layer - 1]
    logits, grad, hidden, least = {}, {}, {}, 0.0
    for net, bn in (("bn", True), ("plain", False)):
        before = forward_backward(weights, x, y, bn, layer)
        after = forward_backward(scaled, x, y, bn, layer)
        logits[net] = (before[0], after[0])
        grad[net] = (before[1], after[1])
        hidden[net] = (before[2], after[2])
        if bn:
            least = before[3]
    return ScaleResult(float(c), layer, logits, grad, hidden, least)
