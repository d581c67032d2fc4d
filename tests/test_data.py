"""bnviz.data and scripts/make_mnist.py: the embedded MNIST, the toy sets, the registry contract."""

from __future__ import annotations

import importlib.util
import pickle
import threading
import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bnviz import data
from bnviz.data import DATASETS, Dataset, DatasetSpec, load_dataset, make_toy
from tests.conftest import ROOT

TOY_NAMES = ["spirals", "moons", "blobs"]


def _import_script():
    spec = importlib.util.spec_from_file_location("make_mnist", ROOT / "scripts" / "make_mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_mnist = _import_script()


@pytest.fixture(scope="module")
def mnist() -> Dataset:
    return load_dataset("mnist")


@pytest.fixture(scope="module")
def mnist_npz() -> dict[str, np.ndarray]:
    with np.load(data.MNIST_PATH) as npz:
        return {key: npz[key] for key in make_mnist.NPZ_KEYS}


# --- the embedded file ----------------------------------------------------------------------------


def test_embedded_file_is_the_verified_mnist(mnist_npz):
    make_mnist.verify(mnist_npz)  # shapes, uint8, label counts, first labels
    # The digest recorded in bnviz/data/README.md when the file was made.
    assert make_mnist.content_sha256(mnist_npz) == (
        "869043a08a4d18821fa17546401bfbe66053b5e347a0a99c9ae9e6cbd1f08db0"
    )


def test_mnist_labels_match_the_known_counts(mnist):
    assert torch.bincount(mnist.y_train, minlength=10).tolist() == make_mnist.TRAIN_LABEL_COUNTS
    assert torch.bincount(mnist.y_test, minlength=10).tolist() == make_mnist.TEST_LABEL_COUNTS
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_mnist_tensors_have_the_contracted_dtype_shape_and_range(mnist):
    assert (mnist.name, mnist.n_classes, mnist.input_dim) == ("mnist", 10, 784)
    assert mnist.x_train.shape == (60000, 784) and mnist.x_test.shape == (10000, 784)
    assert mnist.y_train.shape == (60000,) and mnist.y_test.shape == (10000,)
    for x in (mnist.x_train, mnist.x_test):
        assert x.dtype == torch.float32 and x.is_contiguous()
        assert x.min().item() == 0.0 and x.max().item() == 1.0
    for y in (mnist.y_train, mnist.y_test):
        assert y.dtype == torch.int64
    assert mnist.description


def test_mnist_pixels_are_uint8_over_255_exactly(mnist, mnist_npz):
    # torch's own uint8 -> float32 / 255 is the oracle; the flattening is row-major (28 rows of 28).
    for split in ("train", "test"):
        u8 = torch.from_numpy(mnist_npz[f"x_{split}"])
        expected = u8.reshape(u8.shape[0], 784).float() / 255
        assert torch.equal(getattr(mnist, f"x_{split}"), expected)
        assert torch.equal(getattr(mnist, f"y_{split}"), torch.from_numpy(mnist_npz[f"y_{split}"]))


def test_mnist_images_belong_to_their_labels(mnist):
    # Nearest class mean scores ~82% on MNIST; images and labels out of step would score ~10%.
    means = torch.stack([mnist.x_train[mnist.y_train == k].mean(0) for k in range(10)])
    predicted = torch.cdist(mnist.x_test, means).argmin(1)
    assert (predicted == mnist.y_test).float().mean().item() > 0.75


# --- sharing and read-only use --------------------------------------------------------------------


def test_shared_tensors_are_inference_tensors(mnist):
    for key in ("x_train", "y_train", "x_test", "y_test"):
        assert getattr(mnist, key).is_inference(), key


@pytest.mark.parametrize("write", [lambda x: x[0].zero_(), lambda x: x.sub_(0.5)])
def test_in_place_writes_raise(write):
    # On a fresh, uncached toy set: torch raises only after the kernel ran, so the cached shared
    # tensors must not be the ones written to here.
    ds = make_toy("blobs")
    with pytest.raises(RuntimeError, match="[Ii]nplace update to inference tensor"):
        write(ds.x_train)


def test_an_indexed_minibatch_can_be_trained_on(mnist):
    idx = torch.arange(60)
    x, y = mnist.x_train[idx], mnist.y_train[idx]  # (batch, 784), (batch,)
    layer = torch.nn.Linear(784, 10)
    torch.nn.functional.cross_entropy(layer(x), y).backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0
    x.mul_(2)  # a minibatch is the caller's own copy
    assert not torch.equal(x, mnist.x_train[:60])


def test_every_way_of_asking_returns_the_same_object():
    assert load_dataset() is load_dataset("mnist") is load_dataset(name="mnist")
    assert load_dataset("moons") is load_dataset(name="moons")


def test_concurrent_first_loads_run_the_loader_once(monkeypatch):
    calls = []

    def slow_loader() -> Dataset:
        calls.append(1)
        time.sleep(0.05)  # widen the window in which a second thread could start its own load
        return make_toy("blobs")

    monkeypatch.setitem(DATASETS, "slow", DatasetSpec(label="slow", loader=slow_loader))
    results: list[Dataset] = []
    threads = [
        threading.Thread(target=lambda: results.append(load_dataset("slow"))) for _ in range(4)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        data._load_cached.cache_clear()  # forget "slow" (also drops the cached real datasets)
    assert len(calls) == 1
    assert len(results) == 4 and all(r is results[0] for r in results)


# --- registry -------------------------------------------------------------------------------------


def test_every_registered_name_loads_as_itself_mnist_first():
    assert next(iter(DATASETS)) == "mnist"  # the default, listed first in the live lab
    for name in TOY_NAMES:  # (MNIST is loaded by its own tests)
        assert load_dataset(name).name == name


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="Unknown dataset 'cifar'") as info:
        load_dataset("cifar")
    for name in DATASETS:
        assert name in str(info.value)


def test_missing_mnist_file_says_how_to_make_it(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "MNIST_PATH", tmp_path / "mnist.npz")
    with pytest.raises(FileNotFoundError, match="make_mnist.py"):
        data._load_mnist()


def test_dataset_rejects_tensors_that_break_the_contract():
    x, y = torch.zeros(4, 2), torch.zeros(4, dtype=torch.int64)
    with pytest.raises(ValueError, match="x_train"):
        Dataset("bad", x.double(), y, x, y, n_classes=2, description="")
    with pytest.raises(ValueError, match="y_test"):
        Dataset("bad", x, y, x, y[:3], n_classes=2, description="")
    with pytest.raises(ValueError, match="same number of features"):
        Dataset("bad", x, y, torch.zeros(4, 3), y, n_classes=2, description="")


# --- toy sets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_set_contract(name):
    ds = load_dataset(name)
    assert ds.name == name and ds.input_dim == 2 and ds.description
    assert ds.x_train.shape == (data.TOY_N_TRAIN, 2) and ds.x_test.shape == (data.TOY_N_TEST, 2)
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        assert x.dtype == torch.float32 and x.is_contiguous() and torch.isfinite(x).all()
        assert y.dtype == torch.int64
        counts = torch.bincount(y, minlength=ds.n_classes)
        assert counts.numel() == ds.n_classes  # no label outside [0, n_classes)
        assert counts.min().item() > 0.5 * len(y) / ds.n_classes  # roughly balanced
        assert x.abs().max().item() < 3.0  # on the scale a small network expects


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_sets_are_deterministic(name):
    a, b = make_toy(name), make_toy(name)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(a, key), getattr(b, key))
        assert torch.equal(getattr(a, key), getattr(load_dataset(name), key))
    assert not torch.equal(make_toy(name, seed=1).x_train, a.x_train)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_points_belong_to_their_labels(name):
    # 1-nearest-neighbour from train to test: high accuracy means points and labels agree.
    ds = load_dataset(name)
    predicted = ds.y_train[torch.cdist(ds.x_test, ds.x_train).argmin(1)]
    assert (predicted == ds.y_test).float().mean().item() > 0.85


# --- the conversion script ------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 5), st.integers(1, 12))))
def test_uint8_over_256_converts_back_exactly(u8):
    x = u8.astype(np.float32) / np.float32(256)
    np.testing.assert_array_equal(make_mnist.to_uint8_exact(x), u8)


@pytest.mark.parametrize("value", [0.5 / 256, 1.0, -1 / 256])
def test_lossy_or_out_of_range_pixels_are_refused(value):
    x = np.array([[0.0, value]], dtype=np.float32)
    with pytest.raises(ValueError):
        make_mnist.to_uint8_exact(x)


def test_verify_refuses_labels_out_of_order(mnist_npz):
    shuffled = dict(mnist_npz, y_train=mnist_npz["y_train"][::-1].copy())
    with pytest.raises(ValueError, match="first train labels"):
        make_mnist.verify(shuffled)


def test_unpickler_loads_arrays_but_refuses_other_globals():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    loaded = make_mnist.load_pickle(pickle.dumps((arr, np.arange(2)), protocol=2))
    np.testing.assert_array_equal(loaded[0], arr)

    class Evil:
        def __reduce__(self):
            return (print, ("this must not run",))

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        make_mnist.load_pickle(pickle.dumps(Evil(), protocol=2))


# --- binary MNIST (the paper's inputs) -----------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_binary() -> Dataset:
    return load_dataset("mnist-binary")


def test_binary_mnist_is_registered_after_grey_mnist():
    names = list(DATASETS)
    assert names[0] == "mnist" and "mnist-binary" in names
    assert "binary" in DATASETS["mnist-binary"].label


def test_binary_mnist_is_grey_mnist_thresholded_at_one_half(mnist, mnist_binary):
    assert mnist_binary.name == "mnist-binary" and "0 or 1" in mnist_binary.description
    for split in ("train", "test"):
        x, grey = getattr(mnist_binary, f"x_{split}"), getattr(mnist, f"x_{split}")
        assert x.dtype == torch.float32 and x.is_contiguous() and x.shape == grey.shape
        assert torch.equal(x, (grey > 0.5).float())  # ink where the grey level is above 0.5
        assert torch.equal(getattr(mnist_binary, f"y_{split}"), getattr(mnist, f"y_{split}"))
    ink = mnist_binary.x_train.mean().item()
    assert 0.1 < ink < 0.2  # ~13% of MNIST's pixels are ink: neither all 0 nor all 1


def test_binary_mnist_keeps_the_read_only_contract(mnist_binary):
    for key in ("x_train", "y_train", "x_test", "y_test"):
        assert getattr(mnist_binary, key).is_inference(), key
    assert load_dataset("mnist-binary") is mnist_binary  # loaded once per process


def test_loading_grey_mnist_never_builds_the_binary_copy(monkeypatch):
    # Each is a ~220 MB float32 copy: a process that uses grey MNIST must not pay for both.
    built = []
    spec = DATASETS["mnist-binary"]
    monkeypatch.setitem(
        DATASETS,
        "mnist-binary",
        DatasetSpec(label=spec.label, loader=lambda: built.append(1) or spec.loader()),
    )
    data._load_cached.cache_clear()
    try:
        assert load_dataset("mnist").name == "mnist"
        assert built == []
    finally:
        data._load_cached.cache_clear()


def test_a_description_needs_no_loading():
    from bnviz.data import DATASETS, describe, load_dataset

    for name in DATASETS:
        assert describe(name) == load_dataset(name).description
    with pytest.raises(ValueError, match="Unknown dataset"):
        describe("imagenet")
