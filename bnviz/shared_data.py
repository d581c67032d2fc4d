"""One copy of a dataset's pixels for every worker process on a server.

MNIST as float32 is ~220 MB; a pool of workers that each loaded it would pay that once per worker.
Instead the web process writes each split once to a file (``publish``), and every worker maps that
file copy-on-write (``attach``): the pages live once in the operating system's page cache and are
shared by every process that maps them, and a write (which the tensors' inference mode already makes
loud) would touch a private copy, never the file. A file, not ``/dev/shm``: containers get a 64 MB
``/dev/shm`` by default, too small for MNIST. Where the files go: ``BNVIZ_SHARED_DIR`` (the Docker
image and deploy/k8s set a volume of their own), else the system's temporary directory. Where they
cannot be written, the pool goes on without them and each worker loads its own copy.

    shared = publish(("mnist",))        # web process, once
    attach(shared.handles)              # in each worker: load_dataset("mnist") now maps the file
    shared.close()                      # web process, at exit: deletes the files
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bnviz.data import DATASETS, Dataset, provide
from bnviz.spawn import bare_main, spawn_context

SHARED_DATASETS = ("mnist",)  # the default live-lab dataset; others load per worker when asked


@dataclass(frozen=True)
class SharedDataset:
    """A picklable handle to a published dataset: where its pixels are, and its small parts."""

    name: str
    x_train: str  # file of float32 (n_train, input_dim), C order
    x_test: str
    shape_train: tuple[int, int]
    shape_test: tuple[int, int]
    y_train: np.ndarray  # (n_train,) int64 (small: copied into each worker)
    y_test: np.ndarray
    n_classes: int
    description: str


class Publication:
    """Datasets written to a private temporary directory; ``close()`` deletes it."""

    def __init__(self, handles: tuple[SharedDataset, ...], directory: Path | None):
        self.handles, self.directory = handles, directory

    def close(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def publish(names: tuple[str, ...] = SHARED_DATASETS, directory: str | None = None) -> Publication:
    """Write each named dataset's pixels to one file under ``directory`` (default
    ``BNVIZ_SHARED_DIR``, else the system's temporary directory). The writing happens in a
    short-lived process of its own: loading MNIST leaves memory behind in a process, and the web
    process, which trains nothing, should not keep it."""
    if not names:
        return Publication((), None)
    root = directory or os.environ.get("BNVIZ_SHARED_DIR") or None
    path = Path(tempfile.mkdtemp(prefix="bnviz-data-", dir=root))
    with bare_main():
        helper = spawn_context().Pool(1)
    with helper:
        handles = helper.apply(_write, (names, str(path)))
    return Publication(handles, path)


def _write(names: tuple[str, ...], directory: str) -> tuple[SharedDataset, ...]:
    handles = []
    for name in names:
        ds = DATASETS[name].loader()
        paths = {}
        for split in ("train", "test"):
            file = Path(directory) / f"{name}-x_{split}.f32"
            getattr(ds, f"x_{split}").numpy().tofile(file)
            paths[split] = str(file)
        handles.append(
            SharedDataset(
                name=name,
                x_train=paths["train"],
                x_test=paths["test"],
                shape_train=tuple(ds.x_train.shape),
                shape_test=tuple(ds.x_test.shape),
                y_train=ds.y_train.numpy().copy(),
                y_test=ds.y_test.numpy().copy(),
                n_classes=ds.n_classes,
                description=ds.description,
            )
        )
    return tuple(handles)


def _mapped(path: str, shape: tuple[int, int]) -> torch.Tensor:
    # mode "c": copy-on-write, so the mapping is shared until someone writes (nobody should).
    pixels = np.memmap(path, dtype=np.float32, mode="c", shape=shape)
    with torch.inference_mode():
        return torch.from_numpy(pixels)


def attach(handles: tuple[SharedDataset, ...]) -> None:
    """Serve each published dataset from its files in this process (``bnviz.data.provide``)."""
    for h in handles:
        with torch.inference_mode():
            y_train, y_test = torch.from_numpy(h.y_train), torch.from_numpy(h.y_test)
        provide(
            Dataset(
                name=h.name,
                x_train=_mapped(h.x_train, h.shape_train),
                y_train=y_train,
                x_test=_mapped(h.x_test, h.shape_test),
                y_test=y_test,
                n_classes=h.n_classes,
                description=h.description,
            )
        )
