"""The worksheet: every number the BN arithmetic page shows for one set of inputs, in one call.

``make_worksheet(inputs)`` either returns a complete ``Worksheet`` (every step, the layer-norm
comparison and the ``Check``s against torch) or raises ``ValueError`` with the sentence to show; the
page keeps the last worksheet that worked, so a bad edit never blanks the screen. ``xhat_moments``
gives the per-feature mean and variance of x_hat that the page checks against 0 and 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.arith.batchnorm import BatchNormSteps, batchnorm_eval_steps, batchnorm_steps
from bnviz.arith.layernorm import layernorm_steps
from bnviz.arith.normalize import NormSteps
from bnviz.arith.oracle import (
    MATCH_TOL,
    max_abs_diff,
    torch_batchnorm,
    torch_batchnorm_eval,
    torch_layernorm,
)
from bnviz.arith.tensor_input import parse_tensor, parse_vector
from bnviz.arith.validate import validate_batch
from bnviz.i18n import N_

# |mean of x_hat| below this reads as 0 (float64 round-off on a typed tensor is ~1e-16).
MEAN_ZERO_TOL = 1e-9
# var(x_hat) = var / (var + eps), so it misses 1 by eps's share: "≈ 1" within this.
VAR_ONE_TOL = 1e-2


@dataclass(frozen=True)
class WorksheetInputs:
    x: np.ndarray  # (batch, features)
    gamma: np.ndarray  # (features,)
    beta: np.ndarray  # (features,)
    eps: float
    momentum: float
    running_mean: np.ndarray  # (features,) before this batch
    running_var: np.ndarray  # (features,)
    training: bool


@dataclass(frozen=True)
class Check:
    """One comparison with torch.nn: ``label`` names it (a msgid: translate it where shown),
    ``max_diff`` is max |ours - torch|."""

    label: str
    max_diff: float

    @property
    def matches(self) -> bool:
        return self.max_diff <= MATCH_TOL


@dataclass(frozen=True)
class Worksheet:
    inputs: WorksheetInputs
    shown: NormSteps  # steps 1-5 as the stepper shows them: batch stats (train) or running (eval)
    train: BatchNormSteps | None  # the train-mode pass; None for a batch of 1 (undefined)
    layernorm: NormSteps
    checks: tuple[Check, ...]  # against torch.nn.BatchNorm1d
    layernorm_check: Check  # against torch.nn.LayerNorm

    @property
    def eval_output(self) -> np.ndarray:
        """Step 7: eval mode with the running stats after this step (train) or as they are (eval)."""
        return self.train.y_eval if self.inputs.training else self.shown.y


def inputs_from_tables(
    x_table: list[list[object]],
    gamma_cells: list[object],
    beta_cells: list[object],
    eps: float,
    momentum: float,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
) -> WorksheetInputs:
    """The page's text tables -> validated WorksheetInputs (ValueError names the cell to fix)."""
    x = parse_tensor(x_table)
    features = x.shape[1]
    gamma = parse_vector(gamma_cells, "gamma", features)
    beta = parse_vector(beta_cells, "beta", features)
    return WorksheetInputs(x, gamma, beta, eps, momentum, running_mean, running_var, training)


def make_worksheet(inputs: WorksheetInputs) -> Worksheet:
    """All of the page's numbers for ``inputs``; ValueError (a sentence) if BN is undefined."""
    i = inputs
    x = validate_batch(i.x, min_batch=2 if i.training else 1)
    train = None
    if x.shape[0] >= 2:
        train = batchnorm_steps(
            x, i.gamma, i.beta, i.eps, i.momentum, i.running_mean, i.running_var
        )
    if i.training:
        shown: NormSteps = train
    else:
        shown = batchnorm_eval_steps(x, i.gamma, i.beta, i.eps, i.running_mean, i.running_var)
    layernorm = layernorm_steps(x, i.gamma, i.beta, i.eps)
    ln_check = Check(
        N_("layer-norm output"),
        max_abs_diff(layernorm.y, torch_layernorm(x, i.gamma, i.beta, i.eps)),
    )
    return Worksheet(i, shown, train, layernorm, torch_checks(i, shown, train), ln_check)


def torch_checks(
    i: WorksheetInputs, shown: NormSteps, train: BatchNormSteps | None
) -> tuple[Check, ...]:
    """Train mode: y, the running-stat update and the eval output after it (steps 5-7). Eval mode:
    the output with the current running stats first, then the train-mode checks when m >= 2."""
    checks = []
    if not i.training:
        y = torch_batchnorm_eval(i.x, i.gamma, i.beta, i.eps, i.running_mean, i.running_var)
        checks.append(
            Check(N_("eval-mode output y with the current running stats"), max_abs_diff(shown.y, y))
        )
    if train is not None:
        t = torch_batchnorm(i.x, i.gamma, i.beta, i.eps, i.momentum, i.running_mean, i.running_var)
        stats = max(
            max_abs_diff(train.running_mean, t.running_mean),
            max_abs_diff(train.running_var, t.running_var),
        )
        checks += [
            Check(N_("train-mode output y (step 5)"), max_abs_diff(train.y, t.y_train)),
            Check(N_("running_mean, running_var after one training step (step 6)"), stats),
            Check(
                N_("eval-mode output after that step (step 7)"),
                max_abs_diff(train.y_eval, t.y_eval),
            ),
        ]
    return tuple(checks)


@dataclass(frozen=True)
class XHatMoments:
    """Per feature: mean and variance of x_hat, and what the variance should be."""

    mean: np.ndarray  # (features,) ≈ 0
    var: np.ndarray  # (features,) = expected
    expected_var: np.ndarray  # (features,) var / (var + eps): 1 minus eps's share; 0 if constant

    @property
    def mean_is_zero(self) -> bool:
        return bool(np.all(np.abs(self.mean) <= MEAN_ZERO_TOL))

    @property
    def eps_dominated(self) -> list[int]:
        """Features (0-based) whose variance is so small that eps, not the data, sets x_hat's scale."""
        return [int(j) for j in np.flatnonzero(self.expected_var < 1.0 - VAR_ONE_TOL)]

    @property
    def var_is_one(self) -> bool:
        """Every feature not dominated by eps has variance ≈ 1 (a constant one stays 0)."""
        keep = self.expected_var >= 1.0 - VAR_ONE_TOL
        return bool(np.all(np.abs(self.var[keep] - 1.0) <= VAR_ONE_TOL))


def xhat_moments(s: BatchNormSteps) -> XHatMoments:
    """Batch statistics of a train-mode x_hat per feature: mean 0 and variance ≈ 1 by construction."""
    mean = s.x_hat.mean(axis=0)
    var = s.x_hat.var(axis=0)  # biased, as in the normalization
    return XHatMoments(mean, var, s.var / (s.var + s.eps))
