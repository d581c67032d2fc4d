"""The words around the Figure 1 panels that describe the experiment rather than its numbers.

- :func:`setup_text`: the paper's setup and the choices the paper leaves open, disclosed with why;
- :func:`method_notes`: how the figure was measured (the "how it was made" list).

Markdown strings in the language of the translator ``_`` (English by default; ``bnviz.i18n``);
nothing here imports streamlit.
"""

from __future__ import annotations

from bnviz.config import RunConfig
from bnviz.figure1.result import Figure1Result
from bnviz.i18n import ENGLISH, Translator

BINARY = "mnist-binary"


def setup_text(result: Figure1Result, _: Translator = ENGLISH) -> str:
    """The paper's setup, and our choices where the paper states none, each with its reason."""
    meta = result.meta
    init, lr = meta.get("init_std", RunConfig.init_std), meta.get("lr", RunConfig.lr)
    dataset = meta.get("config", {}).get("dataset", RunConfig.dataset)
    text = _(
        "**Setup** (the paper's §4.1): MNIST, 3 fully connected hidden layers × 100 sigmoid "
        "units, weights from a small Gaussian, batch 60, {steps:,} steps; the twin with BN "
        "normalizes every hidden layer. Both twins start from the same weights and see the same "
        "mini-batches.\n\n**Our choices** (the paper does not state them): plain SGD without "
        "momentum, learning rate {lr:g}, weights from N(0, {init:g}²)."
    ).format(steps=result.total_steps, lr=lr, init=init)
    if init == RunConfig.init_std:
        text += " " + _(
            "We picked the std on this setup: with 0.1 there is little gap between the twins, "
            "with 0.01 mostly vanishing signals, so **how much BN helps here depends on that "
            "choice**. The small init is also why the plain twin starts on a plateau near chance "
            "(panel b)."
        )
    if dataset == BINARY:
        text += " " + _(
            "**Inputs**: binary 28×28 images (ink where the grey level is above 0.5), as in the "
            "paper."
        )
    else:
        text += " " + _(
            "**Inputs**: grey levels in [0, 1]; the paper used *binary* 28×28 images. `python -m "
            "bnviz.figure1 --binary` reruns this figure on binary digits (ink where the grey "
            "level is above 0.5), and the live lab offers them as a dataset."
        )
    return text


def method_notes(result: Figure1Result, _: Translator = ENGLISH) -> list[str]:
    """How the figure was measured, one Markdown bullet each (without the provenance)."""
    meta = result.meta
    probe, batch = meta.get("probe_size", 240), meta.get("batch_size", 60)
    at_test = result.shown_percentiles("bn", inference=True)
    numbers = {
        "eval_size": meta.get("eval_size", 0),
        "every": result.total_steps // max(1, len(result.steps) - 1),
        "seeds": ", ".join(map(str, result.seeds)),
        "probe": probe,
        "batches": probe // batch,
        "batch": batch,
        "seed": result.shown_seed,
        "unit": result.unit,
        "raw": at_test[0, -1] - at_test[0, 0],
    }
    notes = [
        _(
            "**Accuracy** (a): on the {eval_size:,} test digits outside the probe set, never "
            "trained on, every {every:,} steps, with BN in inference mode (its running averages). "
            "Seeds {seeds}: each seed draws its own initial weights, mini-batch order and probe "
            "set."
        ),
        _(
            "**Percentiles** (b, c): of one unit's input z over {probe} fixed test digits (the "
            "probe set, {batches} batches of {batch}), so any change over time is the network's, "
            "not the data's. They are recorded **as the layer sees them during training**: with "
            "BN each batch of {batch} is normalized with its own statistics, z = γ x̂ + β, where "
            "x̂ has per-feature mean 0 and variance 1 within each batch. So the first point of (c) "
            "is x̂ (γ = 1, β = 0), not the raw Wu. (b) and (c) show seed {seed}; its typical unit, "
            "{unit}, was drawn from the seed."
        ),
        _(
            "**At test time** (the toggle above the panels): the same digits through BN with its "
            "running averages. At step 0 those still hold 0 and 1, so that view starts at the raw "
            "Wu (15–85 band {raw:.2f} wide) and joins the training view once the averages have "
            "caught up."
        ),
        _(
            "Both twins are trained in lockstep on the same mini-batches, each in its own thread; "
            "the seeds run one after another."
        ),
    ]
    return [note.format(**numbers) for note in notes]
