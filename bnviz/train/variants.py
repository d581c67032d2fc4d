"""The variants a run compares: one network recipe each, built from the same initial weights.

- **plain**: ``Linear(bias) → activation`` per hidden layer;
- **bn**: ``Linear(no bias) → BatchNorm1d → activation`` (β takes the bias's role);
- **noisy_bn**: as bn, then a random per-unit scale and shift that change at every training step
  (``bnviz.train.model.draw_noise``), so the distribution the next layer sees keeps moving: the
  control of Santurkar et al. (2018) for "does batch norm work by reducing internal covariate shift?".

Every variant of a run starts from the same weight matrices, sees the same minibatches and uses the
same optimizer and learning rate, so a difference between them comes from the normalization alone
(for that seed, init and learning rate). Names travel into URLs, file columns and chart legends; this
module imports nothing heavy, so readers of shipped results can use it without torch.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """A registry entry: ``label`` for legends and captions, ``color`` for every chart."""

    name: str
    label: str
    color: str
    batch_norm: bool
    noisy: bool = False  # noise after BN while training (never at inference)


VARIANTS: dict[str, Variant] = {
    # Okabe-Ito orange / blue / green: distinguishable with every common colour-vision deficiency.
    "plain": Variant("plain", "without BN", "#E69F00", batch_norm=False),
    "bn": Variant("bn", "with BN", "#0072B2", batch_norm=True),
    "noisy_bn": Variant("noisy_bn", "noisy BN", "#009E73", batch_norm=True, noisy=True),
}
TWINS = ("plain", "bn")  # the twins of the live lab and of Figure 1
