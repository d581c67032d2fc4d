"""One seed, many independent random streams: weights, probe split, minibatches, noise.

A run's ``seed`` draws its initial weights directly; every other random choice draws from a child
seed ``child_seed(seed, stream)``, so changing, say, how the probe set is drawn never changes the
weights or the batches of the same seed.
"""

from __future__ import annotations

import numpy as np

PROBE_STREAM = 1  # the probe set, the evaluation subset and the typical units
BATCH_STREAM = 2  # the minibatch order
NOISE_STREAM = 3  # noisy BN's per-step scale and shift


def child_seed(seed: int, stream: int) -> int:
    """An independent seed for ``stream`` of ``seed`` (numpy's SeedSequence spawning)."""
    return int(np.random.SeedSequence((seed, stream)).generate_state(1)[0])
