"""The minibatch sequence: which training examples step ``s`` uses, the same for both twins.

Epoch ``e`` is a permutation of the training set drawn from a generator seeded by ``(seed, e)``, cut
into ``n // batch_size`` batches (the remainder is left out of that epoch). Any step's batch can be
computed directly, so the sequence does not depend on how the steps are chunked, and a test can
replay it. Indices are int64 tensors: ``index_select`` gathers rows into a preallocated buffer.
"""

from __future__ import annotations

import numpy as np
import torch


class BatchStream:
    def __init__(self, n_train: int, batch_size: int, seed: int):
        if not 1 <= batch_size <= n_train:
            raise ValueError(
                f"The batch size must be between 1 and the {n_train:,} training examples, "
                f"got {batch_size}."
            )
        self.n_train, self.batch_size, self.seed = n_train, batch_size, seed
        self.steps_per_epoch = n_train // batch_size
        self._epoch, self._perm = -1, torch.empty(0, dtype=torch.int64)

    def _epoch_batches(self, epoch: int) -> torch.Tensor:
        """``# (steps_per_epoch, batch_size)`` indices of one epoch (the last epoch is cached)."""
        if epoch != self._epoch:
            state = np.random.SeedSequence((self.seed, epoch)).generate_state(1)[0]
            generator = torch.Generator().manual_seed(int(state))
            perm = torch.randperm(self.n_train, generator=generator)
            used = self.steps_per_epoch * self.batch_size
            self._epoch, self._perm = epoch, perm[:used].view(self.steps_per_epoch, -1)
        return self._perm

    def indices(self, start: int, count: int) -> torch.Tensor:
        """Indices ``# (count, batch_size)`` int64 for steps ``start, ..., start + count - 1``.

        Step ``s`` (0-based: the step that moves the weights from ``s`` to ``s + 1`` steps taken)
        uses row ``s % steps_per_epoch`` of epoch ``s // steps_per_epoch``.
        """
        parts, step, end = [], start, start + count
        while step < end:
            epoch, row = divmod(step, self.steps_per_epoch)
            take = min(end - step, self.steps_per_epoch - row)
            parts.append(self._epoch_batches(epoch)[row : row + take])
            step += take
        if not parts:
            return torch.empty(0, self.batch_size, dtype=torch.int64)
        return parts[0] if len(parts) == 1 else torch.cat(parts)
