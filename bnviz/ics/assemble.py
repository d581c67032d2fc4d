"""An :class:`bnviz.ics.result.ICSResult` out of a run: the engine's records and the measurements.

The engine records accuracy and bands into its bounded history (``bnviz.train.history``); the job
collects one :class:`Measurement` per measured step. :func:`build_result` joins them into the small
arrays of a result, at any time during a run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnviz.ics.gradient_change import GradientChange
from bnviz.ics.result import ICS_VARIANTS, ICSResult
from bnviz.ics.smoothness import Smoothness
from bnviz.train.snapshot import Snapshot


@dataclass(frozen=True)
class Measurement:
    """Both measurements of every variant, before step ``step``, on that step's minibatch."""

    step: int
    change: dict[str, GradientChange]  # variant -> gradient change of its hidden layers 1..L-1
    smooth: dict[str, Smoothness]  # variant -> landscape along its gradient


def build_result(
    snap: Snapshot,
    measured: list[Measurement],
    etas: np.ndarray,
    total_steps: int,
    meta: dict,
) -> ICSResult:
    """The records of ``snap`` at the steps where every variant has both accuracy and band
    (variants of a run in progress may be one record apart), and the ``measured`` so far."""
    variants = tuple(v for v in ICS_VARIANTS if v in snap.twins)
    last = {v: snap.twins[v].layers[-1] for v in variants}
    common = last[variants[0]].steps
    for v in variants:
        common = np.intersect1d(np.intersect1d(common, last[v].steps), snap.twins[v].acc_steps)
    accuracy, bands = {}, {}
    for v in variants:
        pick_band = np.searchsorted(last[v].steps, common)
        pick_acc = np.searchsorted(snap.twins[v].acc_steps, common)
        bands[v] = np.array(last[v].pct_z_unit[pick_band], dtype=np.float64)
        accuracy[v] = np.array(snap.twins[v].acc[pick_acc], dtype=np.float64)
    layers = tuple(range(1, len(snap.config.hidden)))
    m, K = len(measured), len(layers)
    series: dict[str, dict[str, np.ndarray]] = {}
    for name, attribute in (("grad_diff", "diff"), ("grad_norm", "norm"), ("grad_cos", "cos")):
        series[name] = {
            v: np.array([getattr(x.change[v], attribute) for x in measured], np.float64).reshape(
                m, K
            )
            for v in variants
        }
    for name, attribute in (
        ("loss_variation", "loss_variation"),
        ("grad_change_min", "grad_diff_min"),
        ("grad_change_max", "grad_diff_max"),
        ("beta", "beta"),
    ):
        series[name] = {
            v: np.array([getattr(x.smooth[v], attribute) for x in measured], np.float64)
            for v in variants
        }
    return ICSResult(
        variants=variants,
        steps=common.astype(np.int64),
        accuracy=accuracy,
        bands=bands,
        unit=int(last[variants[0]].typical_unit),
        measure_steps=np.array([x.step for x in measured], dtype=np.int64),
        layers=layers,
        etas=np.asarray(etas, dtype=np.float64),
        total_steps=int(total_steps),
        quantiles=tuple(float(q) for q in snap.percentiles),
        meta={**meta, "probe_size": snap.probe_size, "eval_size": snap.eval_size},
        **series,
    )
