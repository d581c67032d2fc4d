"""What a precomputed experiment result shares: how it was made (``meta``) and its ``.npz`` file.

The Figure 1 and "Does BN reduce ICS?" results are frozen dataclasses of numpy arrays that the
pages read with numpy alone (no torch, no pickle). Each has its record ``steps``, ``total_steps`` and
a JSON-able ``meta`` mapping; this mixin gives them progress, the caption line and the file writing
they share.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from bnviz.i18n import ENGLISH, Gettext


class ShippedResult:
    """Mixin for a frozen result dataclass with ``steps # (n,)`` (record steps, in order),
    ``total_steps`` (the run's planned length) and ``meta``."""

    steps: np.ndarray
    total_steps: int
    meta: Mapping[str, Any]

    @property
    def steps_done(self) -> int:
        return int(self.steps[-1]) if len(self.steps) else 0

    @property
    def complete(self) -> bool:
        """True once the run reached its planned length (a partial result of a live run is not)."""
        return self.steps_done >= self.total_steps

    def describe(self, *details: str, _: Gettext = ENGLISH) -> str:
        """One line on how this result was made, for captions: steps, ``details``, the config."""
        steps = _("{done:,} of {total:,} steps").format(
            done=self.steps_done, total=self.total_steps
        )
        made = " · ".join([steps, *details])
        summary = self.meta.get("summary", "")
        return f"{made} · {summary}" if summary else made

    def __reduce__(self):
        # Sent from a worker process to the web process: mapping proxies do not pickle, and the
        # constructor wraps plain dicts again.
        fields = {
            f.name: _unwrap(getattr(self, f.name)) for f in dataclasses.fields(self) if f.init
        }
        return (_rebuild, (type(self), fields))

    def with_meta(self, **changes: Any):
        """A copy with ``changes`` added to ``meta`` (e.g. the CLI's wall time, provenance)."""
        return dataclasses.replace(self, meta={**self.meta, **changes})

    def _write(self, path: str | Path, arrays: dict[str, np.ndarray]) -> Path:
        """``arrays`` and ``meta`` (as a JSON string) into a compressed ``.npz`` at ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {**arrays, "meta": np.array(json.dumps(dict(self.meta), sort_keys=True))}
        with path.open("wb") as f:
            np.savez_compressed(f, **arrays)
        return path


def _unwrap(value: Any) -> Any:
    return {k: _unwrap(v) for k, v in value.items()} if isinstance(value, Mapping) else value


def _rebuild(cls: type, fields: dict[str, Any]) -> Any:
    return cls(**fields)
