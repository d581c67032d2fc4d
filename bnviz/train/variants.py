"""The variants a run compares: one network recipe each, built from the same initial weights.

- **plain**: ``Linear(bias) → activation`` per hidden layer;
- **bn**: ``Linear(no bias) → BatchNorm1d → activation`` (β takes the bias's role).

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


VARIANTS: dict[str, Variant] = {
    # Okabe-Ito orange / blue: distinguishable with every common colour-vision deficiency.
    "plain": Variant("plain", "without BN", "#E69F00", batch_norm=False),
    "bn": Variant("bn", "with BN", "#0072B2", batch_norm=True),
}
TWINS = tuple(VARIANTS)  # ("plain", "bn"): the twins of the live lab and of Figure 1
