"""What a Figure 1 result shows, as numbers: every claim in a caption (``bnviz.figure1.captions``)
is computed here from the result, never written in by hand.

- **accuracy** (panel a): each twin's final test accuracy (mean over seeds, and per seed), the gap
  bn - plain with its spread over seeds, and a verdict. A gap counts only when it is larger than
  ``NOISE_SIGMAS`` standard errors of the test-set noise (an accuracy ``p`` on ``n`` digits has
  ``sqrt(p (1 - p) / n)``) *and* of the spread over seeds (standard error of the mean gap), and has
  the same sign in every seed; otherwise it is "within noise";
- **speed**: the first recorded step where each twin's mean accuracy reaches ``REACH``, and the
  plain twin's plateau near chance (its accuracy at ``PLATEAU_STEP``, and the first step at which
  it passes ``PLATEAU_EXIT``);
- **percentiles** (panels b, c; the shown seed): where the typical unit's median goes and how wide
  its 15-85 band is at the first and the last record (and, for the bn twin, in every seed); the
  bn twin's inference view against its training view.

Accuracies are fractions in [0, 1]; "points" in the sentences are percentage points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnviz.figure1.result import Figure1Result
from bnviz.train.variants import TWINS

NOISE_SIGMAS = 2.0  # a gap within 2 standard errors is not reported as a difference
REACH = 0.95  # "how fast": the first step at which a twin's mean test accuracy reaches 95%
PLATEAU_STEP = 500  # the plain twin's accuracy here says whether it still sits near chance
PLATEAU_EXIT = 0.5  # ... and it has left the plateau once it passes 50% (chance is 10%)
CHANCE = 0.1  # ten classes


@dataclass(frozen=True)
class Accuracy:
    """Panel (a)'s numbers at the last record."""

    seeds: int
    eval_size: int
    final: dict[str, float]  # twin -> mean over seeds
    per_seed: dict[str, tuple[float, ...]]  # twin -> each seed's
    gap: float  # mean over seeds of bn - plain
    gap_lo: float  # the smallest and largest per-seed gap
    gap_hi: float
    noise: float  # standard error of one gap from the test set's size alone
    seed_noise: float  # standard error of the mean gap from the spread over seeds (0: one seed)
    reach: dict[str, int | None]  # twin -> first step with mean accuracy >= REACH (None: never)

    @property
    def verdict(self) -> str:
        """``"bn ahead"``, ``"plain ahead"`` or ``"within noise"``."""
        same_sign = self.gap_lo > 0 or self.gap_hi < 0
        if same_sign and abs(self.gap) > NOISE_SIGMAS * max(self.noise, self.seed_noise):
            return "bn ahead" if self.gap > 0 else "plain ahead"
        return "within noise"


@dataclass(frozen=True)
class Plateau:
    """The plain twin's start near chance (None fields: the run is too short to say)."""

    step: int  # the record nearest PLATEAU_STEP (>0)
    plain: float  # mean accuracy there
    bn: float
    exit_step: int | None  # first record where the plain twin's mean accuracy passes PLATEAU_EXIT
    median_share: float | None  # of the plain median's largest move from step 0 (shown seed),
    #                             the part already made by exit_step


@dataclass(frozen=True)
class Spread:
    """One twin's typical-unit percentiles (shown seed, training mode) at the first and last record."""

    median_start: float
    median_end: float
    median_lo: float  # the median's lowest and highest value over the run
    median_hi: float
    width_start: float  # 85th - 15th percentile
    width_end: float
    widths_start_all: tuple[float, ...]  # the same in every seed
    widths_end_all: tuple[float, ...]


def accuracy(result: Figure1Result) -> Accuracy:
    per_seed = {t: tuple(float(a) for a in result.final_accuracies(t)) for t in TWINS}
    final = {t: float(np.mean(per_seed[t])) for t in TWINS}
    gaps = np.array(per_seed["bn"]) - np.array(per_seed["plain"])
    n = int(result.meta.get("eval_size", 0)) or 1
    noise = math.sqrt(sum(p * (1 - p) for p in final.values()) / n)
    seed_noise = float(np.std(gaps, ddof=1) / math.sqrt(len(gaps))) if len(gaps) > 1 else 0.0
    return Accuracy(
        seeds=len(result.seeds),
        eval_size=n,
        final=final,
        per_seed=per_seed,
        gap=float(np.mean(gaps)),
        gap_lo=float(np.min(gaps)),
        gap_hi=float(np.max(gaps)),
        noise=noise,
        seed_noise=seed_noise,
        reach={t: _first_step(result, result.mean_accuracy(t) >= REACH) for t in TWINS},
    )


def plateau(result: Figure1Result) -> Plateau | None:
    """None when no record after step 0 lies within reach of ``PLATEAU_STEP``."""
    later = np.flatnonzero(result.steps > 0)
    if len(later) == 0 or result.steps_done < PLATEAU_STEP:
        return None
    i = later[np.argmin(np.abs(result.steps[later] - PLATEAU_STEP))]
    plain = result.mean_accuracy("plain")
    exit_step = _first_step(result, plain > PLATEAU_EXIT)
    share = None
    if exit_step is not None:
        moved = np.abs(
            result.shown_percentiles("plain")[:, 1] - result.shown_percentiles("plain")[0, 1]
        )
        total = float(np.max(moved))
        share = float(np.max(moved[result.steps <= exit_step])) / total if total > 0 else None
    return Plateau(
        step=int(result.steps[i]),
        plain=float(plain[i]),
        bn=float(result.mean_accuracy("bn")[i]),
        exit_step=exit_step,
        median_share=share,
    )


def spread(result: Figure1Result, twin: str) -> Spread:
    p = result.shown_percentiles(twin)
    widths = [result.band_width(twin, k) for k in range(len(result.seeds))]
    return Spread(
        median_start=float(p[0, 1]),
        median_end=float(p[-1, 1]),
        median_lo=float(np.min(p[:, 1])),
        median_hi=float(np.max(p[:, 1])),
        width_start=float(widths[0][0]),
        width_end=float(widths[0][-1]),
        widths_start_all=tuple(float(w[0]) for w in widths),
        widths_end_all=tuple(float(w[-1]) for w in widths),
    )


def inference_gap(result: Figure1Result) -> float:
    """The largest difference between the bn twin's training and inference views of any of the
    three percentiles after step 0 (shown seed); NaN before the first record after step 0."""
    later = result.steps > 0
    if not later.any():
        return float("nan")
    diff = (
        result.shown_percentiles("bn")[later]
        - result.shown_percentiles("bn", inference=True)[later]
    )
    return float(np.max(np.abs(diff)))


def _first_step(result: Figure1Result, hit: np.ndarray) -> int | None:
    where = np.flatnonzero(hit)
    return int(result.steps[where[0]]) if len(where) else None
