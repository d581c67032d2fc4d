"""A small made-up ICSResult for file and figure tests (no training)."""

from __future__ import annotations

import numpy as np

from bnviz.ics.result import ICS_VARIANTS, ICSResult


def fake_result(n: int = 11, m: int = 21, total: int = 1000, **meta) -> ICSResult:
    rng = np.random.default_rng(0)
    V = ICS_VARIANTS
    return ICSResult(
        variants=V,
        steps=np.linspace(0, total, n).astype(np.int64),
        accuracy={v: np.linspace(0.1, 0.9 + 0.03 * i, n) for i, v in enumerate(V)},
        bands={v: np.sort(rng.normal(size=(n, 3)), axis=1) for v in V},
        unit=7,
        measure_steps=np.linspace(0, total, m).astype(np.int64),
        layers=(1, 2),
        etas=0.5 * 2.0 ** (np.arange(-4, 5) / 2),
        grad_diff={v: rng.uniform(0.01, 0.2, (m, 2)) for v in V},
        grad_norm={v: rng.uniform(0.2, 0.4, (m, 2)) for v in V},
        grad_cos={v: rng.uniform(0.5, 1.0, (m, 2)) for v in V},
        loss_variation={v: rng.uniform(0.01, 1.0, m) for v in V},
        grad_change_min={v: rng.uniform(0.01, 0.1, m) for v in V},
        grad_change_max={v: rng.uniform(0.2, 2.0, m) for v in V},
        beta={v: rng.uniform(1.0, 3.0, m) for v in V},
        total_steps=total,
        meta={"summary": "test", **meta},
    )
