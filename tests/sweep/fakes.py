"""Synthetic sweep results whose outcome a test chooses (no training)."""

from __future__ import annotations

import numpy as np

from bnviz.sweep.batch_result import BatchResult
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


BATCHES = ("2", "4", "16", "60", "256")


def fake_batch_result(
    infer: dict[str, list[float]],
    train: dict[str, list[float]] | None = None,
    seeds: int = 3,
    noise_factor: float = 1.0,
    done: int | None = None,
) -> BatchResult:
    """Each variant's inference accuracy per batch size of ``BATCHES`` (every seed within ±0.2
    points of it), its training-mode accuracy (default: the same), BN's noise ``noise_factor``
    times the theory in layer 1 and a tenth of it deeper; only the first ``done`` runs (flat order)
    done."""
    from bnviz.sweep.batch_measure import mean_noise_theory, var_noise_theory

    variants, train = tuple(infer), train or {}
    shape = (len(variants), len(BATCHES), seeds)
    jitter = np.linspace(-0.002, 0.002, seeds) if seeds > 1 else np.zeros(1)
    i_acc, t_acc = np.zeros(shape), np.zeros(shape)
    mean_noise, var_noise = np.full((*shape, 3), np.nan), np.full((*shape, 3), np.nan)
    m = np.array([int(b) for b in BATCHES], np.float64)
    for v, name in enumerate(variants):
        i_acc[v] = np.array(infer[name])[:, None] + jitter
        t_acc[v] = np.array(train.get(name, infer[name]))[:, None] + jitter
        if name == "bn":
            for layer, k in enumerate((1.0, 0.1, 0.1)):
                mean_noise[v, :, :, layer] = (noise_factor * k * mean_noise_theory(m))[:, None]
                var_noise[v, :, :, layer] = (noise_factor * k * var_noise_theory(m))[:, None]
    finished = np.ones(shape, bool)
    if done is not None:
        finished.ravel()[done:] = False
        for a in (i_acc, t_acc):
            a[~finished] = np.nan
        mean_noise[~finished], var_noise[~finished] = np.nan, np.nan
    return BatchResult(
        variants, BATCHES, tuple(range(seeds)), 60_000,
        [60_000 // int(b) for b in BATCHES], [0.5 * int(b) / 60 for b in BATCHES],
        [10_000 // int(b) * int(b) for b in BATCHES],
        t_acc, i_acc, mean_noise, var_noise, np.zeros(shape, np.int64), finished,
        {"summary": "synthetic"},
    )  # fmt: skip
