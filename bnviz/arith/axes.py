"""Batch, layer, instance and group norm on one (N, C, H, W) tensor: the same five steps, other axes.

Each kind splits the tensor into sets of values that share one mean and one variance:

    batch     over (N, H, W), one set per channel c             = torch.nn.BatchNorm2d, train mode
    layer     over (C, H, W), one set per example n             = torch.nn.LayerNorm([C, H, W])
    instance  over (H, W), one set per (n, c)                   = torch.nn.InstanceNorm2d
    group     over (C/G channels, H, W), one set per (n, g)     = torch.nn.GroupNorm(G, C)

and then, for every element, with ``s`` its set ("statistic") and ``k`` the values per set:

    mean_s = 1/k sum x            var_s = 1/k sum (x - mean_s)^2      (biased, as torch normalizes)
    x_hat  = (x - mean_s) / sqrt(var_s + eps)
    y      = gamma * x_hat + beta   # gamma, beta (C,) per channel; layer norm: (C, H, W) per element

Batch norm also updates its running statistics as torch does in train mode (unbiased variance,
k/(k-1) * var, mixed in with ``momentum``). The other three use the statistics of the example
itself, so they need no batch and behave the same in training and inference (torch's defaults:
no running statistics).

``axes_steps`` validates what it is given (a ``UserError``: a sentence to act on) and returns an
``AxesSteps`` of read-only float64 arrays. Titles and statistics' labels are English msgids and
``Message``s: translate them where they are shown (``_(kind.title)``, ``render(label, _)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.arith.nchw import validate_nchw
from bnviz.arith.validate import (
    readonly,
    require_finite,
    validate_eps,
    validate_momentum,
    validate_running_stats,
)
from bnviz.i18n import N_, Message, UserError


@dataclass(frozen=True)
class Kind:
    """One normalization: its names, the axes it averages over, the shape of gamma and beta."""

    name: str  # registry key, also the page's option
    title: str  # "Batch norm", a msgid
    noun: str  # "batch norm", as it reads inside a sentence; a msgid
    reduced: str  # the axes averaged over, as the page writes them: "N, H, W"
    affine: str  # the shape of gamma and beta


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("batch", N_("Batch norm"), N_("batch norm"), "N, H, W", "(C,)"),
        Kind("layer", N_("Layer norm"), N_("layer norm"), "C, H, W", "(C, H, W)"),
        Kind("instance", N_("Instance norm"), N_("instance norm"), "H, W", "(C,)"),
        Kind("group", N_("Group norm"), N_("group norm"), "C/G, H, W", "(C,)"),
    )
}


@dataclass(frozen=True)
class AxesSteps:
    """One normalization of x (N, C, H, W), step by step; S statistics of ``count`` values each.

    ``members[n, c, h, w]`` is the statistic (0..S-1) the element is normalized with; statistic s
    belongs to ``stat_labels[s]`` and its values are ``member_indices(s)``. For batch norm S = C,
    layer norm S = N, instance norm S = N·C (s = n·C + c), group norm S = N·G (s = n·G + g).
    """

    kind: str
    groups: int  # G for group norm, 1 for the others
    eps: float
    x: np.ndarray  # (N, C, H, W)
    members: np.ndarray  # (N, C, H, W) int
    count: int  # values per statistic
    stat_labels: tuple[Message, ...]  # (S,) "channel 2", "example 1", "example 1, channel 2", ...
    mean: np.ndarray  # (S,)
    var: np.ndarray  # (S,) biased: divided by count
    std: np.ndarray  # (S,) sqrt(var + eps), the divisor
    x_hat: np.ndarray  # (N, C, H, W)
    gamma: np.ndarray  # (C,), layer norm (C, H, W)
    beta: np.ndarray  # like gamma
    y: np.ndarray  # (N, C, H, W)
    # Batch norm only (None for the others): the running-statistics update of one train step.
    momentum: float | None = None
    var_unbiased: np.ndarray | None = None  # (C,) count/(count-1) * var
    running_mean_before: np.ndarray | None = None  # (C,)
    running_var_before: np.ndarray | None = None  # (C,)
    running_mean: np.ndarray | None = None  # (C,) after the update
    running_var: np.ndarray | None = None  # (C,)

    def stat_of(self, index) -> int:
        """The statistic element (n, c, h, w) (0-based) is normalized with."""
        return int(self.members[tuple(index)])

    def member_indices(self, s: int) -> np.ndarray:
        """(count, 4) indices (n, c, h, w) of the values that form statistic s, row-major order."""
        return np.argwhere(self.members == s)

    def affine_at(self, index) -> tuple[float, float]:
        """(gamma, beta) that apply to element (n, c, h, w)."""
        _, c, h, w = (int(i) for i in index)
        at = (c,) if self.gamma.ndim == 1 else (c, h, w)
        return float(self.gamma[at]), float(self.beta[at])


def _members(kind: str, shape: tuple[int, ...], groups: int) -> tuple[np.ndarray, list[Message]]:
    """The statistic of every element, and each statistic's label."""
    n, c, h, w = shape
    ni, ci = np.indices(shape)[:2]  # (N, C, H, W) each: the example and channel of every element
    if kind == "batch":
        return ci, [Message(N_("channel {c}"), {"c": j + 1}) for j in range(c)]
    if kind == "layer":
        return ni, [Message(N_("example {number}"), {"number": i + 1}) for i in range(n)]
    if kind == "instance":
        label = N_("example {n}, channel {c}")
        labels = [Message(label, {"n": i + 1, "c": j + 1}) for i in range(n) for j in range(c)]
        return ni * c + ci, labels
    # Group norm: channels split into ``groups`` runs of C/G neighbours, as torch does.
    label = N_("example {n}, group {g}")
    labels = [Message(label, {"n": i + 1, "g": g + 1}) for i in range(n) for g in range(groups)]
    return ni * groups + ci // (c // groups), labels


def validate_groups(groups: object, channels: int) -> int:
    """G for group norm: a whole number from 1 to C that divides C."""
    divisors = [d for d in range(1, channels + 1) if channels % d == 0]
    choices = ", ".join(str(d) for d in divisors)
    try:
        ok = not isinstance(groups, bool) and float(groups).is_integer()
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or int(float(groups)) not in divisors:
        raise UserError(
            N_(
                "G = {groups!r} does not split C = {channels} channels into equal groups: choose "
                "G among the divisors of {channels}: {choices}."
            ),
            groups=groups,
            channels=channels,
            choices=choices,
        )
    return int(float(groups))


# A set of one value has no spread. Torch refuses it for batch and instance norm; for layer and
# group norm it returns y = beta whatever x is, which says nothing about normalizing: refused too.
ONE_VALUE = {
    "batch": N_(
        "Batch norm averages each channel over N × H × W values, and here that is 1 value: its "
        "variance is undefined and torch.nn.BatchNorm2d refuses it in train mode. Add an example "
        "(N ≥ 2) or a position (H × W ≥ 2)."
    ),
    "layer": N_(
        "Layer norm averages each example over its C × H × W values, and here that is 1 value: "
        "x̂ would be 0 and y would be β whatever x is. Add a channel or a position."
    ),
    "instance": N_(
        "Instance norm averages each channel of each example over its H × W positions, and here "
        "that is 1 value: its variance is undefined and torch.nn.InstanceNorm2d refuses it. Make "
        "H or W at least 2 (a (batch, features) tensor has no positions)."
    ),
    "group": N_(
        "Group norm averages each group over its C/G × H × W values, and here that is 1 value: "
        "x̂ would be 0 and y would be β whatever x is. Choose fewer groups or add a position."
    ),
}


def _check_count(kind: str, count: int) -> None:
    if count < 2:
        raise UserError(ONE_VALUE[kind])


def _affine(values: object, name: str, shape: tuple[int, ...], default: float) -> np.ndarray:
    """gamma or beta in ``shape``; None means ``default`` everywhere. Layer norm's (C, H, W) also
    takes one value per channel (C,), repeated over the positions."""
    if values is None:
        return np.full(shape, default, dtype=np.float64)
    try:
        v = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise UserError(
            N_("{name} must hold numbers only: one number per channel."), name=name
        ) from None
    if len(shape) == 3 and v.shape == shape[:1]:
        v = np.broadcast_to(v[:, None, None], shape).copy()
    if v.shape != shape:
        shown = " × ".join(str(s) for s in shape)
        needs = (
            N_(
                "{name} has shape {shape} but this norm needs {shown} values: one per channel "
                "(or per element of (C, H, W))."
            )
            if len(shape) == 3
            else N_("{name} has shape {shape} but this norm needs {shown} values: one per channel.")
        )
        raise UserError(needs, name=name, shape=v.shape, shown=shown)
    if not np.isfinite(v).all():
        raise UserError(
            N_("{name} must be finite numbers: replace the NaN or infinite value."), name=name
        )
    return v


def axes_steps(
    x: object,
    kind: str,
    groups: object = 1,
    gamma: object = None,
    beta: object = None,
    eps: float = 1e-5,
    momentum: float = 0.1,
    running_mean: object = None,
    running_var: object = None,
) -> AxesSteps:
    """``kind`` ("batch", "layer", "instance", "group") of x (N, C, H, W) or (batch, features).

    ``groups`` is G (group norm only). gamma, beta: (C,), or for layer norm (C, H, W) or (C,);
    None means torch's initial 1 and 0. running_mean, running_var (C,): batch norm's statistics
    before this step, None for torch's initial 0 and 1. The result matches the torch module named
    in the module docstring in float64 (train mode for batch norm, with its running-stat update).
    """
    if kind not in KINDS:
        raise UserError(
            N_("kind is {kind!r}, but it must be one of: {kinds}."),
            kind=kind,
            kinds=", ".join(KINDS),
        )
    x = validate_nchw(x)
    n, c, h, w = x.shape
    groups = validate_groups(groups, c) if kind == "group" else 1
    affine_shape = (c, h, w) if kind == "layer" else (c,)
    gamma = _affine(gamma, "gamma", affine_shape, 1.0)
    beta = _affine(beta, "beta", affine_shape, 0.0)
    eps = validate_eps(eps)
    members, labels = _members(kind, x.shape, groups)
    # (S, count): every row is one statistic's values, in the order member_indices lists them.
    rows = x.transpose(1, 0, 2, 3).reshape(c, -1) if kind == "batch" else x.reshape(len(labels), -1)
    count = rows.shape[1]
    _check_count(kind, count)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = rows.mean(axis=1)
        require_finite(x, mean=mean)
        var = ((rows - mean[:, None]) ** 2).mean(axis=1)  # biased: 1/count
        require_finite(x, variance=var)
        std = np.sqrt(var + eps)
        x_hat = (x - mean[members]) / std[members]
        scale = gamma[None, :, None, None] if gamma.ndim == 1 else gamma[None]
        shift = beta[None, :, None, None] if beta.ndim == 1 else beta[None]
        y = scale * x_hat + shift
        require_finite(x, x_hat=x_hat, output=y)
    arrays = readonly(x=x, members=members, mean=mean, var=var, std=std, x_hat=x_hat)
    arrays |= readonly(gamma=gamma, beta=beta, y=y)
    common = {
        "kind": kind,
        "groups": groups,
        "eps": eps,
        "count": count,
        "stat_labels": tuple(labels),
    }
    if kind != "batch":
        return AxesSteps(**common, **arrays)
    return AxesSteps(
        **common, **arrays, **_running(x, var, mean, count, momentum, running_mean, running_var)
    )


def _running(x, var, mean, count, momentum, running_mean, running_var) -> dict:
    """Batch norm's running-statistics update after this train step, as torch makes it."""
    momentum = validate_momentum(momentum)
    before_mean, before_var = validate_running_stats(running_mean, running_var, x.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        # Unbiased: the running estimate is of the population's variance, which the batch's own
        # (biased) variance underestimates by (count - 1)/count.
        var_unbiased = var * (count / (count - 1))
        new_mean = (1 - momentum) * before_mean + momentum * mean
        new_var = (1 - momentum) * before_var + momentum * var_unbiased
        require_finite(x, var_unbiased=var_unbiased, running_var=new_var, running_mean=new_mean)
    extra = readonly(
        var_unbiased=var_unbiased,
        running_mean_before=before_mean,
        running_var_before=before_var,
        running_mean=new_mean,
        running_var=new_var,
    )
    return {"momentum": momentum, **extra}


def xhat_moments(s: AxesSteps) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per statistic (S,): the mean of x_hat (0), its biased variance, and what that variance is by
    construction, var / (var + eps): 1 minus eps's share (0 for a constant set)."""
    sums = np.bincount(s.members.reshape(-1), weights=s.x_hat.reshape(-1))
    squares = np.bincount(s.members.reshape(-1), weights=s.x_hat.reshape(-1) ** 2)
    mean = sums / s.count
    return mean, squares / s.count - mean**2, s.var / (s.var + s.eps)
