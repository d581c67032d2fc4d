"""Dataset registry: embedded MNIST (the default) and small 2-D toy sets.

Contract
--------
``load_dataset(name)`` returns a frozen :class:`Dataset` whose tensors are

- ``x_train`` ``# (n_train, input_dim)`` float32, contiguous; ``x_test`` ``# (n_test, input_dim)``
- ``y_train`` ``# (n_train,)`` int64 class ids in ``[0, n_classes)``; ``y_test`` ``# (n_test,)``

Each dataset is loaded once per process (the result is cached) and the same tensors are shared by
every browser session, so **consumers must never mutate them**. To make an accidental write loud
instead of silent, the tensors are created as torch *inference tensors*: an in-place op
(``x_train -= mean``, ``x_train[0].zero_()``, ``x_train[i] = v``) raises ``RuntimeError``. Torch
raises after the kernel has run, so this exposes the bug at its first run; it does not undo the write.
Reading is unrestricted:

- ``x_train[idx]`` with an index tensor (a minibatch) is an ordinary copy and may be fed to a model
  that is being trained;
- a basic slice such as ``x_test[:500]`` is a *view* and stays an inference tensor: fine under
  ``torch.no_grad()``, but autograd refuses to save it for backward. Index with a tensor
  (``x_test[torch.arange(500)]``) or ``.clone()`` it if it must enter a graph.

No network is used at run time: MNIST ships as ``bnviz/data/mnist.npz`` (uint8, made by
``scripts/make_mnist.py``); the toy sets are generated with numpy from fixed seeds.

``"mnist-binary"`` is the same embedded MNIST with every pixel set to 0 or 1 (ink where the grey
level is above one half), as the paper's binary inputs. It is built from the uint8 file only when a
process first asks for it, never as a by-product of loading grey MNIST, so a process that uses one
of the two holds one float32 copy (~220 MB), not two.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bnviz.i18n import ENGLISH, N_, Gettext

MNIST_PATH = Path(__file__).parent / "data" / "mnist.npz"
DEFAULT_DATASET = "mnist"
BINARY_THRESHOLD = 128  # uint8 >= 128 <=> grey level uint8 / 255 > 0.5 (127 / 255 = 0.498)

TOY_SEED = 0  # one fixed seed: the toy sets are the same on every machine and every run
TOY_N_TRAIN = 3000  # per toy set; small enough to generate in milliseconds
TOY_N_TEST = 1000


@dataclass(frozen=True)
class Dataset:
    """A classification dataset as shared, read-only torch tensors (see the module docstring)."""

    name: str
    x_train: torch.Tensor  # (n_train, input_dim) float32
    y_train: torch.Tensor  # (n_train,) int64
    x_test: torch.Tensor  # (n_test, input_dim) float32
    y_test: torch.Tensor  # (n_test,) int64
    n_classes: int
    description: str  # one line for the UI

    def __post_init__(self) -> None:
        # Checked once at load time, so every consumer can rely on the contract without re-checking.
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.dtype != torch.float32 or x.ndim != 2 or not x.is_contiguous():
                raise ValueError(f"x_{split} must be a contiguous 2-D float32 tensor")
            if y.dtype != torch.int64 or y.shape != (x.shape[0],):
                raise ValueError(f"y_{split} must be int64 of shape ({x.shape[0]},)")
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise ValueError("x_train and x_test must have the same number of features")

    @property
    def input_dim(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_train(self) -> int:
        return self.x_train.shape[0]

    @property
    def n_test(self) -> int:
        return self.x_test.shape[0]


@dataclass(frozen=True)
class DatasetSpec:
    """A registry entry: a label for widgets (an English msgid) and a loader that builds the :class:`Dataset`."""

    label: str
    loader: Callable[[], Dataset]


# --- MNIST ---------------------------------------------------------------------------------------


def _load_mnist(binary: bool = False) -> Dataset:
    """MNIST from the embedded uint8 file, as float32 pixels / 255, flattened to (n, 784).

    Why / 255: uint8 pixels span 0..255, so / 255 maps them onto exactly [0, 1] (0 = background,
    1 = full ink), the convention of torchvision's ``ToTensor``. No mean/std standardization: the
    paper's plain network sees raw intensities, which is what makes its inputs drift.
    Memory: the uint8 arrays are dropped after conversion; one float32 copy (~220 MB) is kept.

    ``binary``: each pixel is 1.0 where ``uint8 / 255 > 0.5`` (``uint8 >= BINARY_THRESHOLD``), else
    0.0: the paper's binary images.
    """
    if not MNIST_PATH.exists():
        raise FileNotFoundError(
            f"{MNIST_PATH} is missing; create it with `python scripts/make_mnist.py`."
        )
    with np.load(MNIST_PATH) as npz:
        splits = {key: npz[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    return Dataset(
        name="mnist-binary" if binary else "mnist",
        x_train=_pixels(splits.pop("x_train"), binary),
        y_train=_labels(splits.pop("y_train")),
        x_test=_pixels(splits.pop("x_test"), binary),
        y_test=_labels(splits.pop("y_test")),
        n_classes=10,
        description=_mnist_description(binary),
    )


def _pixels(images: np.ndarray, binary: bool = False) -> torch.Tensor:
    """uint8 ``# (n, 28, 28)`` -> inference float32 ``# (n, 784)`` in [0, 1] (``binary``: 0 or 1),
    one float32 allocation."""
    flat = torch.from_numpy(images).reshape(images.shape[0], -1)  # a view of the numpy buffer
    with torch.inference_mode():
        if binary:  # the bool mask is 1 byte a pixel, a quarter of the float32 copy
            return flat.ge(BINARY_THRESHOLD).to(torch.float32)
        return flat.to(torch.float32).div_(255.0)  # .to makes the one float32 copy; div_ in place


def _labels(labels: np.ndarray) -> torch.Tensor:
    with torch.inference_mode():
        return torch.from_numpy(labels).to(torch.int64)


# --- 2-D toy sets ---------------------------------------------------------------------------------
# Each generator returns (x, y): x (n, 2) float64 roughly in [-2, 2], y (n,) class ids. Train and
# test are drawn from the same generator in one call, then split, so they never share points.


def _spirals(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spiral arms; not linearly separable, needs hidden layers."""
    n_classes = 3
    y = rng.integers(0, n_classes, size=n)
    r = rng.uniform(0.05, 1.0, size=n)  # radius along the arm
    theta = y * (2 * math.pi / n_classes) + 4.0 * r + rng.normal(0.0, 0.2, size=n)
    x = 1.8 * np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return x, y


def _moons(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (the classic "moons"), with Gaussian noise."""
    y = rng.integers(0, 2, size=n)
    t = rng.uniform(0.0, math.pi, size=n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) + rng.normal(0.0, 0.1, size=(n, 2))
    return 1.2 * (x - [0.5, 0.25]), y  # centred on the origin


def _blobs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at the corners of a square; almost linearly separable (the easy case)."""
    centres = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    y = rng.integers(0, len(centres), size=n)
    x = centres[y] + rng.normal(0.0, 0.35, size=(n, 2))
    return x, y


_TOY_GENERATORS = {"spirals": _spirals, "moons": _moons, "blobs": _blobs}
_TOY_N_CLASSES = {"spirals": 3, "moons": 2, "blobs": 4}


def make_toy(name: str, seed: int = TOY_SEED) -> Dataset:
    """Generate a 2-D toy set (uncached). ``load_dataset`` uses ``seed=TOY_SEED``."""
    rng = np.random.default_rng(seed)
    x, y = _TOY_GENERATORS[name](rng, TOY_N_TRAIN + TOY_N_TEST)
    with torch.inference_mode():
        x_t = torch.from_numpy(x).to(torch.float32).contiguous()
        y_t = torch.from_numpy(y).to(torch.int64)
        x_train, x_test = x_t[:TOY_N_TRAIN].clone(), x_t[TOY_N_TRAIN:].clone()
        y_train, y_test = y_t[:TOY_N_TRAIN].clone(), y_t[TOY_N_TRAIN:].clone()
    n_classes = _TOY_N_CLASSES[name]
    return Dataset(
        name=name,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        n_classes=n_classes,
        description=_toy_description(name),
    )


def _mnist_description(binary: bool, _: Gettext = ENGLISH) -> str:
    if binary:
        return _(
            "MNIST handwritten digits: 60,000 train / 10,000 test, 28×28 pixels 0 or 1 (ink where "
            "the grey level > 0.5)"
        )
    return _("MNIST handwritten digits: 60,000 train / 10,000 test, 28×28 pixels in [0, 1]")


def _toy_description(name: str, _: Gettext = ENGLISH) -> str:
    return _(
        "2-D toy set '{name}': {train:,} train / {test:,} test points, {classes} classes"
    ).format(name=name, train=TOY_N_TRAIN, test=TOY_N_TEST, classes=_TOY_N_CLASSES[name])


def describe(name: str, _: Gettext = ENGLISH) -> str:
    """A dataset's one-line description without loading it (the web process shows it, the
    workers hold the data), in ``_``'s language."""
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}.")
    return (
        _mnist_description(name == "mnist-binary", _)
        if name.startswith("mnist")
        else _toy_description(name, _)
    )


# --- registry ------------------------------------------------------------------------------------

# In display order, the default first.
DATASETS: dict[str, DatasetSpec] = {
    "mnist": DatasetSpec(label=N_("MNIST digits (28×28)"), loader=_load_mnist),
    "mnist-binary": DatasetSpec(
        label=N_("MNIST digits, binary (the paper's inputs)"),
        loader=lambda: _load_mnist(binary=True),
    ),
    "spirals": DatasetSpec(
        label=N_("Spirals (2-D, 3 classes)"), loader=lambda: make_toy("spirals")
    ),
    "moons": DatasetSpec(label=N_("Moons (2-D, 2 classes)"), loader=lambda: make_toy("moons")),
    "blobs": DatasetSpec(label=N_("Blobs (2-D, 4 classes)"), loader=lambda: make_toy("blobs")),
}

# functools.cache alone is not enough: Streamlit sessions run in threads, and two first calls racing
# would each load MNIST (2 x 220 MB) and hand out different objects. The lock loads each name once.
_load_lock = threading.Lock()


@functools.cache
def _load_cached(name: str) -> Dataset:
    return DATASETS[name].loader()


def load_dataset(name: str = DEFAULT_DATASET) -> Dataset:
    """The named dataset, loaded once per process; every caller gets the same object.

    Raises ``ValueError`` naming the valid choices for an unknown name, and ``FileNotFoundError`` if
    the embedded MNIST file is missing.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}.")
    with _load_lock:
        provided = _provided.get(name)
        return provided if provided is not None else _load_cached(name)


_provided: dict[str, Dataset] = {}


def provide(dataset: Dataset) -> None:
    """Serve ``dataset`` for its name from now on instead of loading it: a worker process hands in
    the copy it maps from shared memory (``bnviz.shared_data``), so no worker holds its own."""
    if dataset.name not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset.name!r}; choose one of: {', '.join(DATASETS)}.")
    with _load_lock:
        _provided[dataset.name] = dataset
