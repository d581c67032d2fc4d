"""What the live lab measures about a layer: fixed-bin histograms, percentiles, saturation, gradients.

All functions are pure, take torch tensors and return small tensors (or floats); none of them
allocates per training step: the engine calls them only at its recording cadence, under
``torch.no_grad()``.

Histogram encoding (fixed, so a histogram over time is a plain ``(records, n_bins)`` array):

- ``edges`` ``# (n_bins + 1,)`` increasing, evenly spaced, shared by every histogram of a run;
- ``counts`` ``# (n_bins,)`` int64, summing to the number of *finite-or-infinite* inputs:
  values below ``edges[0]`` (``-inf`` included) are counted in the first bin, values at or above
  ``edges[-1]`` (``+inf`` included) in the last, so a drifting layer piles up visibly at the edge
  instead of vanishing from the picture; NaNs are dropped (a NaN input means the twin diverged);
- empty input gives all-zero counts; constant input gives one bin holding every count.

Percentiles follow ``numpy.percentile``'s default (linear interpolation between order statistics);
NaNs are ignored, and an input with no non-NaN value gives NaN percentiles.
"""

from __future__ import annotations

import math

import torch

PERCENTILES = (15.0, 50.0, 85.0)  # the paper's Fig. 1(b, c): median and a band around it
N_BINS = 64  # histogram resolution; 64 bins over [-8, 8] is 0.25 wide, finer than the eye needs


def bin_edges(lo: float, hi: float, n_bins: int = N_BINS) -> torch.Tensor:
    """Evenly spaced edges ``# (n_bins + 1,)`` float64 from ``lo`` to ``hi``."""
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"Histogram range must be finite with lo < hi, got [{lo}, {hi}].")
    if n_bins < 1:
        raise ValueError(f"A histogram needs at least one bin, got {n_bins}.")
    return torch.linspace(lo, hi, n_bins + 1, dtype=torch.float64)


def histogram(x: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """Counts ``# (n_bins,)`` int64 of every element of ``x`` (any shape) in the bins of ``edges``.

    Out-of-range values land in the edge bins, NaNs are dropped (see the module docstring). A value
    exactly on an inner edge belongs to the bin on its right, like ``numpy.histogram``.
    """
    n_bins = edges.numel() - 1
    flat = x.detach().reshape(-1).to(torch.float64)
    flat = flat[~torch.isnan(flat)]
    # Bin k holds edges[k] <= v < edges[k+1]: count the inner edges at or below v. Comparing with
    # the edges themselves (not (v - lo) / width) puts values on an edge exactly where numpy does.
    index = torch.bucketize(flat, edges[1:-1].to(torch.float64), right=True)
    return torch.bincount(index, minlength=n_bins)


def percentiles(x: torch.Tensor, q: tuple[float, ...] = PERCENTILES) -> torch.Tensor:
    """The ``q`` percentiles ``# (len(q),)`` float64 of all elements of ``x`` (NaNs ignored)."""
    flat = x.detach().reshape(-1).to(torch.float64)
    qs = torch.tensor(q, dtype=torch.float64) / 100.0
    if flat.numel() == 0:
        return torch.full((len(q),), math.nan, dtype=torch.float64)
    return torch.nanquantile(flat, qs)


def unit_percentiles(
    z: torch.Tensor, unit: int, q: tuple[float, ...] = PERCENTILES
) -> torch.Tensor:
    """Percentiles ``# (len(q),)`` of one unit's values over the batch; ``z`` is (batch, units)."""
    return percentiles(z[:, unit], q)


def saturated_fraction(mask: torch.Tensor) -> float:
    """Fraction of True in a boolean ``mask`` (e.g. an activation's saturation rule); 0 if empty."""
    n = mask.numel()
    return float(mask.sum()) / n if n else 0.0


def norm(t: torch.Tensor) -> float:
    """Frobenius norm of a tensor as a Python float (gradient norms, weight norms)."""
    return float(torch.linalg.vector_norm(t.detach().reshape(-1).to(torch.float64)))


def update_ratio(before: torch.Tensor, after: torch.Tensor) -> float:
    """``||after - before|| / ||before||``: how big one optimizer step was relative to the weights.

    A healthy value is around 1e-3 (Karpathy's rule of thumb); 0 when ``before`` is all zeros and
    nothing changed, ``inf`` when zeros were moved.
    """
    step = norm(after - before)
    size = norm(before)
    if size == 0.0:
        return 0.0 if step == 0.0 else math.inf
    return step / size
