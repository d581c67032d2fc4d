"""The immutable picture of a run that pages, plots and other threads read: ``Snapshot``.

Everything in a snapshot is a frozen dataclass of read-only numpy arrays, copied out of the bounded
history under its lock (``bnviz.train.history``), so a reader needs no lock while training goes on.
Shapes: ``p`` probe records, ``h`` histograms, ``a`` accuracy records, ``n_bins`` histogram bins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bnviz.config import RunConfig

PERCENTILES = (15.0, 50.0, 85.0)  # the paper's Fig. 1(b, c): median and a band around it
# The percentile series of a LayerSnapshot, each (records, len(PERCENTILES)).
PERCENTILE_SERIES = (
    "pct_z",
    "pct_z_unit",
    "pct_wu",
    "pct_wu_unit",
    "pct_z_eval",
    "pct_z_unit_eval",
)


def frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class LayerSnapshot:
    """One hidden layer of one variant, on the probe set. ``p`` records, ``h`` histograms.

    "z" is the nonlinearity's input as the layer sees it during training (normalized before it:
    γ x_hat + β, BN with the statistics of training-sized batches; BN after it: ``Wu + b``, which
    nothing normalizes); "z_eval" the same in inference mode (variants with running averages:
    bn, noisy BN, BN after); "wu" the norm's input ``Wu`` (variants normalized before the
    nonlinearity: bn, noisy BN, ln, gn). Series that do not apply are None.
    Percentile columns are ``Snapshot.percentiles`` (15, 50, 85). The "unit" percentiles are over
    the probe set for unit ``typical_unit`` only.
    """

    index: int  # 0 = first hidden layer
    width: int  # units in the layer
    typical_unit: int  # the unit followed by the *_unit percentiles (chosen once from the seed)
    steps: np.ndarray  # (p,) int64 step of each record
    pct_z: np.ndarray  # (p, 3) float64 percentiles of z over (probe examples x units)
    pct_z_unit: np.ndarray  # (p, 3) float64 percentiles of z of the typical unit
    pct_wu: np.ndarray | None  # (p, 3) as pct_z for Wu (see above)
    pct_wu_unit: np.ndarray | None  # (p, 3)
    pct_z_eval: np.ndarray | None  # (p, 3) as pct_z, in inference mode (see above)
    pct_z_unit_eval: np.ndarray | None  # (p, 3) as pct_z_unit, in inference mode
    saturated: np.ndarray  # (p,) float64 fraction of (example, unit) pairs saturated, in [0, 1]
    grad_norm: np.ndarray  # (p,) float64 ||dLoss/dW|| of this layer's weight matrix
    update_ratio: np.ndarray  # (p,) float64 ||ΔW|| / ||W|| of the optimizer step at that record
    hist_steps: np.ndarray  # (h,) int64 step of each histogram
    hist_z: np.ndarray  # (h, n_bins) int64 counts of z in Snapshot.hist_edges (probe_size x width)
    hist_wu: np.ndarray | None  # (h, n_bins) int64 counts of Wu in the same bins
    hist_z_eval: np.ndarray | None  # (h, n_bins) int64 z in inference mode


@dataclass(frozen=True)
class TwinSnapshot:
    """One twin's history. ``loss_steps``/``loss``: mean training (minibatch) loss over the steps
    since the previous record (none at step 0); ``acc_steps``/``acc``: test accuracy in [0, 1] on the
    held-out subset (eval mode), step 0 included."""

    name: str  # the variant: "plain", "bn", ... (bnviz.train.variants)
    batch_norm: bool  # it has BN (before or after the nonlinearity)
    step: int  # steps this twin has taken (stops growing when it diverges)
    diverged_at: int | None  # the step whose loss was not finite; None while healthy
    loss_steps: np.ndarray  # (p,) int64
    loss: np.ndarray  # (p,) float64
    acc_steps: np.ndarray  # (a,) int64
    acc: np.ndarray  # (a,) float64
    layers: tuple[LayerSnapshot, ...]  # hidden layers, input side first


@dataclass(frozen=True)
class LrEvent:
    """A learning-rate change made after ``step`` steps: steps ``step + 1, ...`` use ``lr``."""

    step: int
    lr: float
    previous: float


@dataclass(frozen=True)
class Snapshot:
    """An immutable picture of an experiment; everything in it is safe to read from any thread."""

    step: int  # lockstep steps completed by every healthy twin
    lr: float  # learning rate of the next step
    events: tuple[LrEvent, ...]  # learning-rate changes, oldest first
    twins: Mapping[str, TwinSnapshot]  # read-only mapping: variant name -> its history
    hist_edges: np.ndarray  # (n_bins + 1,) float64 bin edges of every histogram; out-of-range
    #                         values are counted in the first / last bin, NaNs dropped
    percentiles: tuple[float, ...]  # (15.0, 50.0, 85.0): columns of every pct_* array
    activation: str
    saturation_rule: str  # what "saturated" means here, as a sentence for a caption
    probe_size: int  # examples in the fixed probe batch (histograms, percentiles, saturation)
    eval_size: int  # held-out test examples behind the accuracy
    steps_per_second: float  # recent lockstep throughput; 0.0 when not stepping
    config: RunConfig  # the run's settings (config.lr is the LR it started with)

    def __reduce__(self):
        # Pickled from a worker process to the web process: a mapping proxy does not pickle.
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        fields["twins"] = dict(self.twins)
        return (_unpickle, (fields,))


def _unpickle(fields: dict) -> Snapshot:
    fields["twins"] = MappingProxyType(fields["twins"])
    for twin in fields["twins"].values():
        _refreeze(twin)
    _refreeze_array(fields["hist_edges"])
    return Snapshot(**fields)


def _refreeze(obj) -> None:
    """Unpickled numpy arrays are writable again: make them read-only, as the contract says."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            _refreeze_array(value)
        elif isinstance(value, tuple):
            for item in value:
                if dataclasses.is_dataclass(item):
                    _refreeze(item)


def _refreeze_array(a: np.ndarray) -> None:
    a.flags.writeable = False
