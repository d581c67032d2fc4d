"""bnviz.arith.oracle: the page's torch oracle agrees with the arithmetic core (and catches a change)."""

import numpy as np

from bnviz.arith.backward import batchnorm_backward
from bnviz.arith.batchnorm import batchnorm_eval_steps, batchnorm_steps
from bnviz.arith.layernorm import layernorm_steps
from bnviz.arith.oracle import (
    MATCH_TOL,
    max_abs_diff,
    torch_batchnorm,
    torch_batchnorm_eval,
    torch_batchnorm_grads,
    torch_layernorm,
)

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 4)) * 3 + 1
GAMMA, BETA = RNG.uniform(0.5, 2, 4), RNG.normal(size=4)
RM, RV = RNG.normal(size=4), RNG.uniform(0.5, 2, 4)


def test_batchnorm_train_update_and_eval():
    s = batchnorm_steps(X, GAMMA, BETA, 1e-3, 0.3, RM, RV)
    t = torch_batchnorm(X, GAMMA, BETA, 1e-3, 0.3, RM, RV)
    assert max_abs_diff(s.y, t.y_train) <= MATCH_TOL
    assert max_abs_diff(s.running_mean, t.running_mean) <= MATCH_TOL
    assert max_abs_diff(s.running_var, t.running_var) <= MATCH_TOL
    assert max_abs_diff(s.y_eval, t.y_eval) <= MATCH_TOL
    # The check can fail: eps differs -> outputs differ by far more than the tolerance.
    assert max_abs_diff(batchnorm_steps(X, GAMMA, BETA, 0.5).y, t.y_train) > MATCH_TOL


def test_eval_layernorm_and_grads():
    e = batchnorm_eval_steps(X[:1], GAMMA, BETA, 1e-5, RM, RV)
    assert max_abs_diff(e.y, torch_batchnorm_eval(X[:1], GAMMA, BETA, 1e-5, RM, RV)) <= MATCH_TOL
    ln = layernorm_steps(X, GAMMA, BETA, 1e-5)
    assert max_abs_diff(ln.y, torch_layernorm(X, GAMMA, BETA, 1e-5)) <= MATCH_TOL
    grad_y = RNG.normal(size=X.shape)
    g = batchnorm_backward(X, grad_y, GAMMA, 1e-5)
    dx, dgamma, dbeta = torch_batchnorm_grads(X, grad_y, GAMMA, BETA, 1e-5)
    assert max(max_abs_diff(g.dx, dx), max_abs_diff(g.dgamma, dgamma)) <= MATCH_TOL
    assert max_abs_diff(g.dbeta, dbeta) <= MATCH_TOL
