"""The compute floor of the Figure 1 run on this machine, and two FLOP-saving ideas, measured.

A twin-step of the paper's net (batch 60, 784-100-100-100-10) is 11 matrix products: 4 forward,
4 weight gradients and 3 input gradients (the first layer needs none). This module times exactly
those products in one thread, next to a large square product that shows the core's peak, and from
them the least wall time a 50,000-step run of two twins can take on 2 cores if nothing but the
matrix products cost anything. Then it measures two ideas that would cut the dominant 784-wide
first layer: one fused product for both twins, and skipping the pixels that are zero in every
image of the minibatch.
"""

from __future__ import annotations

import statistics
import time

import torch

from bnviz.data import load_dataset
from bnviz.figure1.job import PAPER_STEPS
from bnviz.train.experiment import configure_torch_threads

REPEATS = 5
B, D, H, C = 60, 784, 100, 10  # the paper's batch and layer widths
CORES = 2

# (m, k, n) of every product of one twin-step, in the order the engine runs them.
TWIN_STEP_MM = [
    (B, D, H), (B, H, H), (B, H, H), (B, H, C),  # forward
    (C, B, H), (B, C, H),  # output layer: dW_out, dh
    (H, B, H), (B, H, H), (H, B, H), (B, H, H),  # layers 3, 2: dW, dh
    (H, B, D),  # layer 1: dW only
]  # fmt: skip


def flops(shapes) -> int:
    return sum(2 * m * k * n for m, k, n in shapes)


def time_per_call(fn, reps: int) -> float:
    """Seconds per call of ``fn``, after a warm-up."""
    for _ in range(max(3, reps // 20)):
        fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def products(shapes):
    """A closure running the products ``shapes`` into preallocated outputs."""
    args = [(torch.randn(m, k), torch.randn(k, n), torch.empty(m, n)) for m, k, n in shapes]

    def mms():
        for a, b, out in args:
            torch.mm(a, b, out=out)

    return mms


def dense_first_layer(x_batches, w: torch.Tensor):
    """First-layer forward, weight gradient and SGD update, as the engine does them."""
    du = torch.randn(B, H)

    def layer():
        for x in x_batches:
            _ = x @ w
            w.add_(x.t() @ du, alpha=-1e-9)

    return layer


def compacted_first_layer(x_batches, w: torch.Tensor):
    """The same on only the batch's non-zero pixels: the other rows of dW are exactly zero, so
    plain SGD leaves those rows of W alone."""
    du = torch.randn(B, H)

    def layer():
        for x in x_batches:
            cols = (x != 0).any(0).nonzero().squeeze(1)
            xs = x.index_select(1, cols)  # (B, k)
            _ = xs @ w.index_select(0, cols)  # forward (B, k) @ (k, H)
            w.index_add_(0, cols, xs.t() @ du, alpha=-1e-9)

    return layer


def run() -> list[dict]:
    configure_torch_threads(1)
    data = load_dataset("mnist")
    gen = torch.Generator().manual_seed(0)
    batches = [data.x_train[torch.randint(data.n_train, (B,), generator=gen)] for _ in range(50)]
    kept = [float((x != 0).any(0).float().mean()) for x in batches]
    w = torch.randn(D, H)
    step_flops, l1_flops = flops(TWIN_STEP_MM), flops([(B, D, H), (H, B, D)])
    peak, step_ms, floor, fused, compact = [], [], [], [], []
    for _ in range(REPEATS):
        big = time_per_call(products([(1000, 1000, 1000)]), 20)
        peak.append(2e9 / big / 1e9)
        t_step = time_per_call(products(TWIN_STEP_MM), 500)
        step_ms.append(1000 * t_step)
        floor.append(2 * PAPER_STEPS * t_step / CORES)
        two = time_per_call(products([(B, D, H), (B, D, H)]), 500)
        one = time_per_call(products([(B, D, 2 * H)]), 500)
        fused.append(two / one)
        dense = time_per_call(dense_first_layer(batches, w), 10)
        compact.append(dense / time_per_call(compacted_first_layer(batches, w), 10))
    rate = [step_flops / (s / 1000) / 1e9 for s in step_ms]
    return [
        {"name": "peak of one core: 1000×1000×1000 sgemm", "samples": peak, "unit": "GFLOP/s",
         "notes": "torch.mm (MKL), one thread: what this core can do at best"},
        {"name": "matrix products of one twin-step", "samples": step_ms, "unit": "ms",
         "notes": f"the 11 products of the paper's net, {step_flops / 1e6:.1f} MFLOP "
                  f"({l1_flops / step_flops:.0%} in the first layer)"},
        {"name": "  their rate", "samples": rate, "unit": "GFLOP/s",
         "notes": "close to the peak: little is left to win inside the products"},
        {"name": "floor of the full Fig. 1 run", "samples": floor, "unit": "s",
         "notes": f"{PAPER_STEPS:,} steps × 2 twins × these products alone, on {CORES} cores "
                  "in perfect parallel; activations, BN, SGD and Python come on top"},
        {"name": "tried: both twins' first layer in one product", "samples": fused, "unit": "×",
         "notes": "two (60×784)·(784×100) / one (60×784)·(784×200); > 1 is a gain, and it would "
                  "cost the two threads"},
        {"name": "tried: first layer on the batch's non-zero pixels", "samples": compact,
         "unit": "×", "notes": "dense / compacted, forward + dW + SGD update, finding the pixels "
                  f"and gathers included; a batch of 60 digits keeps "
                  f"{statistics.median(kept):.0%} of the 784 pixels"},
    ]  # fmt: skip
