"""What a batch sweep result shows, as numbers: every claim of the batch-size page is computed here.

A cell is one (variant, batch size ``m``): its seeds' training-mode and inference-mode test
accuracies (mean, lowest, highest over the runs that finished without diverging), their gap, and
for BN the noise of its batch statistics (mean over seeds, per layer). A variant is **flat** across
batch sizes when its mean inference accuracy varies by at most ``FLAT`` over the batch sizes
tried. Accuracies are fractions in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.sweep.batch_measure import mean_noise_theory, var_noise_theory
from bnviz.sweep.batch_result import BatchResult

FLAT = 0.02  # 2 points of accuracy: several times the seed-to-seed spread of one cell here


@dataclass(frozen=True)
class Spread:
    """Mean, lowest and highest over the runs that count (NaN when none does)."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: np.ndarray) -> Spread:
        values = values[np.isfinite(values)]
        if not values.size:
            return cls(np.nan, np.nan, np.nan)
        return cls(float(values.mean()), float(values.min()), float(values.max()))


@dataclass(frozen=True)
class BatchCell:
    variant: str
    m: int
    seeds: int
    runs: int  # done
    diverged: int
    train: Spread  # training-mode accuracy
    infer: Spread  # inference-mode accuracy
    gap: Spread  # train - infer, per run
    mean_noise: np.ndarray  # (L,) mean over seeds; NaN without running averages
    var_noise: np.ndarray  # (L,)


def cell(result: BatchResult, v: int, g: int) -> BatchCell:
    done = result.done[v, g]
    ok = done & (result.diverged_at[v, g] == 0)
    noise = {}
    for name in ("mean_noise", "var_noise"):
        per_seed = getattr(result, name)[v, g][ok]  # (runs, L)
        finite = np.isfinite(per_seed).all(axis=1)
        noise[name] = (
            per_seed[finite].mean(axis=0) if finite.any() else np.full(per_seed.shape[1], np.nan)
        )
    return BatchCell(
        variant=result.variants[v],
        m=int(result.values[g]),
        seeds=len(result.seeds),
        runs=int(done.sum()),
        diverged=int((done & ~ok).sum()),
        train=Spread.of(result.train_accuracy[v, g][ok]),
        infer=Spread.of(result.infer_accuracy[v, g][ok]),
        gap=Spread.of(result.gap[v, g][ok]),
        **noise,
    )


def cells(result: BatchResult) -> list[list[BatchCell]]:
    """``cells[v][g]``, batch sizes in the result's order."""
    return [
        [cell(result, v, g) for g in range(len(result.values))] for v in range(len(result.variants))
    ]


def row(result: BatchResult, variant: str) -> list[BatchCell]:
    """``variant``'s cells, smallest batch first; ValueError if the result has no such variant."""
    if variant not in result.variants:
        raise ValueError(f"This batch sweep has no runs of {variant!r}.")
    v = result.variants.index(variant)
    return sorted((cell(result, v, g) for g in range(len(result.values))), key=lambda c: c.m)


@dataclass(frozen=True)
class Range:
    """How much a variant's mean accuracy moves across batch sizes: lowest at ``low_m``, highest
    at ``high_m``; ``flat`` if ``high - low <= FLAT`` (and every batch size has a finished run)."""

    low: float
    low_m: int
    high: float
    high_m: int
    flat: bool

    @property
    def width(self) -> float:
        return self.high - self.low


def accuracy_range(
    result: BatchResult, variant: str, mode: str = "infer", below: int | None = None
) -> Range | None:
    """Across batch sizes (only those smaller than ``below``, if given), of ``variant``'s mean
    ``mode`` ("infer" or "train") accuracy; None if no such batch size has a finished run."""
    cells = [c for c in row(result, variant) if below is None or c.m < below]
    known = [(getattr(c, mode).mean, c.m) for c in cells]
    known = [(a, m) for a, m in known if np.isfinite(a)]
    if not known:
        return None
    low, high = min(known), max(known)
    every = len(known) == len(cells)
    return Range(low[0], low[1], high[0], high[1], every and high[0] - low[0] <= FLAT)


def noise_ratio(result: BatchResult, variant: str = "bn", layer: int = 0) -> dict[str, np.ndarray]:
    """Measured over theory, per batch size (smallest first), for the first hidden layer by default
    (the only one whose inputs are independent examples: deeper layers see a batch its earlier BN
    layers normalized together): ``{"m", "mean", "var"}`` each ``# (G,)``, NaN where not measured."""
    cells_ = row(result, variant)
    m = np.array([c.m for c in cells_], np.float64)
    mean = np.array([c.mean_noise[layer] for c in cells_]) / mean_noise_theory(m)
    var = np.array([c.var_noise[layer] for c in cells_]) / var_noise_theory(m)
    return {"m": m, "mean": mean, "var": var}
