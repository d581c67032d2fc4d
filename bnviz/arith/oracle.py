"""The oracle: torch.nn's own BatchNorm1d, LayerNorm and autograd on the student's tensor, in float64.

The arithmetic modules never call torch; these functions do, so the page can show that its
step-by-step numbers are torch's numbers (``MATCH_TOL`` says when they agree). Inputs are already
validated float64 arrays (batch, features) and (features,); outputs are numpy float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from bnviz.arith.axes import AxesSteps

# Float64 round-off on tensors a student can type stays far below this; anything above is a real
# difference in the arithmetic, not noise.
MATCH_TOL = 1e-9


@dataclass(frozen=True)
class TorchBatchNorm:
    y_train: np.ndarray  # (batch, features) train-mode output
    running_mean: np.ndarray  # (features,) after the train-mode call
    running_var: np.ndarray  # (features,)
    y_eval: np.ndarray  # (batch, features) the same module in eval mode, after the update


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def _batchnorm1d(gamma, beta, eps, momentum, running_mean, running_var) -> torch.nn.BatchNorm1d:
    bn = torch.nn.BatchNorm1d(len(gamma), eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(_t(gamma))
        bn.bias.copy_(_t(beta))
        bn.running_mean.copy_(_t(running_mean))
        bn.running_var.copy_(_t(running_var))
    return bn


@torch.no_grad()
def torch_batchnorm(x, gamma, beta, eps, momentum, running_mean, running_var) -> TorchBatchNorm:
    """One train-mode call of ``BatchNorm1d`` (updates its running stats), then one eval call."""
    bn = _batchnorm1d(gamma, beta, eps, momentum, running_mean, running_var).train()
    y_train = bn(_t(x)).numpy()
    y_eval = bn.eval()(_t(x)).numpy()
    return TorchBatchNorm(y_train, bn.running_mean.numpy(), bn.running_var.numpy(), y_eval)


@torch.no_grad()
def torch_batchnorm_eval(x, gamma, beta, eps, running_mean, running_var) -> np.ndarray:
    """``BatchNorm1d`` in eval mode with the given running stats (nothing is updated)."""
    bn = _batchnorm1d(gamma, beta, eps, 0.1, running_mean, running_var).eval()
    return bn(_t(x)).numpy()


@torch.no_grad()
def torch_layernorm(x, gamma, beta, eps) -> np.ndarray:
    ln = torch.nn.LayerNorm(len(gamma), eps=eps, dtype=torch.float64)
    ln.weight.copy_(_t(gamma))
    ln.bias.copy_(_t(beta))
    return ln(_t(x)).numpy()


def torch_batchnorm_grads(x, grad_y, gamma, beta, eps) -> tuple[np.ndarray, ...]:
    """Autograd through a train-mode ``BatchNorm1d``: (dx, dgamma, dbeta)."""
    bn = _batchnorm1d(gamma, beta, eps, 0.1, np.zeros(len(gamma)), np.ones(len(gamma))).train()
    xt = _t(x).requires_grad_(True)
    bn(xt).backward(_t(grad_y))
    return xt.grad.numpy(), bn.weight.grad.numpy(), bn.bias.grad.numpy()


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


# --- the four norms of an (N, C, H, W) tensor (the "Which axis?" page) -----------------------------


@dataclass(frozen=True)
class TorchNorm:
    module: str  # as constructed, e.g. "torch.nn.GroupNorm(2, 4)"
    y: np.ndarray  # (N, C, H, W)
    running_mean: np.ndarray | None  # (C,) batch norm after its train-mode call; else None
    running_var: np.ndarray | None


@torch.no_grad()
def torch_norm(s: AxesSteps) -> TorchNorm:
    """The torch module of ``s.kind`` with s's gamma, beta, eps (and running stats), applied to s.x."""
    n, c, h, w = s.x.shape
    if s.kind == "batch":
        module = f"torch.nn.BatchNorm2d({c})"
        norm = torch.nn.BatchNorm2d(c, eps=s.eps, momentum=s.momentum, dtype=torch.float64)
        norm.running_mean.copy_(_t(s.running_mean_before))
        norm.running_var.copy_(_t(s.running_var_before))
    elif s.kind == "layer":
        module = f"torch.nn.LayerNorm([{c}, {h}, {w}])"
        norm = torch.nn.LayerNorm([c, h, w], eps=s.eps, dtype=torch.float64)
    elif s.kind == "instance":
        module = f"torch.nn.InstanceNorm2d({c}, affine=True)"
        norm = torch.nn.InstanceNorm2d(c, eps=s.eps, affine=True, dtype=torch.float64)
    else:
        module = f"torch.nn.GroupNorm({s.groups}, {c})"
        norm = torch.nn.GroupNorm(s.groups, c, eps=s.eps, dtype=torch.float64)
    norm.weight.copy_(_t(s.gamma))
    norm.bias.copy_(_t(s.beta))
    y = norm.train()(_t(s.x)).numpy()
    if s.kind != "batch":
        return TorchNorm(module, y, None, None)
    return TorchNorm(module, y, norm.running_mean.numpy(), norm.running_var.numpy())


def norm_diff(s: AxesSteps, t: TorchNorm) -> float:
    """max |ours - torch| over y (and batch norm's updated running statistics)."""
    diffs = [max_abs_diff(s.y, t.y)]
    if t.running_mean is not None:
        diffs += [max_abs_diff(s.running_mean, t.running_mean)]
        diffs += [max_abs_diff(s.running_var, t.running_var)]
    return max(diffs)


@dataclass(frozen=True)
class NormCheck:
    """The page's one-line verdict: ``s`` against its torch module."""

    module: str  # e.g. "torch.nn.GroupNorm(2, 4)"
    max_diff: float  # max |ours - torch| over y (and batch norm's running statistics)

    @property
    def matches(self) -> bool:
        return self.max_diff <= MATCH_TOL


def norm_check(s: AxesSteps) -> NormCheck:
    t = torch_norm(s)
    return NormCheck(t.module, norm_diff(s, t))
