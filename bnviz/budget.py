"""The run-size budget: what one live-lab run may cost a server that many students share.

A run trains every one of its variants at every step, so both limits count all of them. A network's
size is counted as if its input were ``MAX_INPUT_DIM`` wide with ``MAX_CLASSES`` outputs (MNIST's,
the largest of the registered datasets), so the budget never depends on loading data. The paper's
net is 99,710 parameters and ~6 million parameter-examples per step per variant: well inside both
limits, with four variants too.
"""

from __future__ import annotations

from bnviz.i18n import N_, Message

MAX_INPUT_DIM, MAX_CLASSES = 784, 10  # MNIST: the largest registered input and output
# Both count every variant of the run, since each is a network of its own that trains every step.
MAX_PARAMETERS = 4_000_000  # over the variants: W, grad and Adam's two moments, ~64 MB
MAX_WORK = 200_000_000  # parameters x batch size x variants: multiply-adds of one lockstep forward


def parameters(hidden: tuple[int, ...]) -> int:
    """Weights and biases of a network with these hidden widths, on the largest registered input."""
    dims = [MAX_INPUT_DIM, *hidden, MAX_CLASSES]
    return sum(d_in * d_out + d_out for d_in, d_out in zip(dims[:-1], dims[1:], strict=False))


def check_size(hidden: tuple[int, ...], batch_size: int, variants: int = 2) -> str | None:
    """Why a run of ``variants`` networks of this size does not fit the server's budget (a
    sentence), or None if it does."""
    n = parameters(hidden)
    if n * variants > MAX_PARAMETERS:
        return Message(
            N_(
                "This network has {n:,} parameters, {total:,} for {variants} variants; the server "
                "allows {max:,} per run so that a class can train at once: use fewer or narrower "
                "layers, or fewer variants."
            ),
            {"n": n, "total": n * variants, "variants": variants, "max": MAX_PARAMETERS},
        )
    if n * batch_size * variants > MAX_WORK:
        return Message(
            N_(
                "{n:,} parameters × batch {batch:,} × {variants} variants is {work:,} per step; "
                "the server allows {max:,}: use a smaller batch or network, or fewer variants."
            ),
            {
                "n": n,
                "batch": batch_size,
                "variants": variants,
                "work": n * batch_size * variants,
                "max": MAX_WORK,
            },
        )
    return None
