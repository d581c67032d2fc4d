"""Synthetic sweep results whose outcome a test chooses (no training)."""

from __future__ import annotations

import numpy as np

from bnviz.sweep.result import SweepResult

LRS = ("0.01", "0.1", "1", "10", "100")


def fake_result(
    stable_up_to: dict[str, int],
    diverge_from: dict[str, int] | None = None,
    sweep: str = "lr",
    values: tuple[str, ...] = LRS,
    seeds: int = 3,
    steps: int = 1_000,
) -> SweepResult:
    """Each variant at 95% (reaching 90% at step 300) at value indices <= ``stable_up_to[v]``,
    30% above, and diverged (every seed, at step 7) from index ``diverge_from[v]`` on."""
    variants = tuple(stable_up_to)
    diverge_from = diverge_from or {}
    shape = (len(variants), len(values), seeds)
    eval_steps = np.arange(0, steps + 1, 100)
    curves = np.zeros((*shape, len(eval_steps)))
    final = np.zeros(shape)
    div = np.zeros(shape, np.int64)
    for v, name in enumerate(variants):
        for g in range(len(values)):
            if g >= diverge_from.get(name, len(values)):
                div[v, g], final[v, g] = 7, np.nan
                curves[v, g] = np.nan
                curves[v, g, :, 0] = 0.1
            elif g <= stable_up_to[name]:
                final[v, g] = 0.95
                curves[v, g] = np.where(eval_steps >= 300, 0.95, 0.5)
            else:
                final[v, g] = 0.3
                curves[v, g] = 0.3
    return SweepResult(
        sweep, variants, values, tuple(range(seeds)), eval_steps, steps,
        curves, final, div, np.ones(shape, bool), {"summary": "synthetic"},
    )  # fmt: skip
