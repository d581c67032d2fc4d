"""The words on the ICS page, written from a result's numbers: a claim is made only when the numbers
carry it, and every number is computed from the result shown (shipped or live), never typed in.

- :func:`captions`: one caption per experiment (``"shift"``, ``"gradient_change"``,
  ``"smoothness"``), with the run's numbers and a verdict that says whether *this* run shows what
  Santurkar et al. (2018) found;
- :func:`setup_text` and :func:`method_notes`: the setup, our choices, and how it was measured.

Comparisons are deliberately coarse: two medians differ only when one is ``MARGIN`` times the other,
two accuracies only when they are ``NOISE_SIGMAS`` standard errors of the test-set noise apart.
Summaries of the measurements leave out the first tenth of the run (``ICSResult.settled``), which is
quoted on its own. Markdown strings; nothing here imports streamlit or torch.
"""

from __future__ import annotations

import math

from bnviz.ics.panels import SMOOTH_WINDOW
from bnviz.ics.result import ICSResult
from bnviz.style import VARIANT_LABELS

MARGIN = 1.25  # a median counts as larger (smaller) only when 25% above (below) the other
NOISE_SIGMAS = (
    2.0  # accuracies closer than 2 standard errors of the test-set noise are "within noise"
)
REACH = 0.9  # "how fast": the first recorded step at 90% test accuracy
ONE_SEED = "One run, one seed: an anecdote, not a measurement of the effect's size."


def compare(a: float, b: float, margin: float = MARGIN) -> str:
    """``"larger than"``, ``"smaller than"`` or ``"about the same as"`` (``a`` against ``b``)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return "not comparable with"
    if a > margin * b:
        return "larger than"
    if b > margin * a:
        return "smaller than"
    return "about the same as"


# How a comparison of BN (or noisy BN) against the plain net reads in a sentence.
AMOUNT = {
    "larger than": "more than the plain net's",
    "smaller than": "less than the plain net's",
    "about the same as": "about as much as the plain net's",
    "not comparable with": "by an amount not comparable with the plain net's",
}
WITH_BN = {
    "larger than": "larger with BN",
    "smaller than": "smaller with BN",
    "about the same as": "about the same with BN",
    "not comparable with": "not comparable",
}


def _by_variant(values: dict[str, float], fmt: str) -> str:
    """``"0.12 without BN, 0.40 with BN, 0.45 noisy BN"``."""
    return ", ".join(f"{format(x, fmt)} {VARIANT_LABELS[v]}" for v, x in values.items())


def _medians(result: ICSResult, series: str, layer: int | None = None, **window) -> dict:
    return {v: result.median(series, v, layer, **window) for v in result.variants}


def _shift(result: ICSResult) -> str:
    eval_size = result.meta.get("eval_size", 2000)
    final = {v: result.final_accuracy(v) for v in result.variants}
    p = final["bn"]
    se = math.sqrt(p * (1 - p) / eval_size) if 0 < p < 1 else 0.0
    reach = {
        v: f"step {s:,}" if (s := result.steps_to(v, REACH)) is not None else "not in this run"
        for v in result.variants
    }
    head = (
        f"**(a)** Test accuracy on {eval_size:,} held-out digits after {result.steps_done:,} "
        f"steps: {_by_variant(final, '.1%')} (test-set noise ±{100 * se:.1f} points). "
        f"{REACH:.0%} first reached at: "
        + ", ".join(f"{reach[v]} {VARIANT_LABELS[v]}" for v in reach)
        + ". "
    )
    probe = result.meta.get("probe_size", 240)
    spans = {v: result.band_range(v) for v in result.variants}
    jumps = {v: result.band_jump(v) for v in result.variants}
    bands = (
        f"**(b–d)** The 15th, 50th and 85th percentiles of the input to unit {result.unit} of the "
        f"last hidden layer over {probe} fixed test digits, as the layer sees it while training "
        f"(noisy BN with that step's noise). The percentiles span on average "
        f"{_by_variant(spans, '.2f')} over the run, and move by {_by_variant(jumps, '.2f')} from "
        "one record to the next. "
    )
    moves = compare(jumps["noisy_bn"], jumps["plain"])
    gap = final["noisy_bn"] - final["bn"]
    if abs(gap) <= NOISE_SIGMAS * se:
        trains = "ends within noise of BN's accuracy"
    else:
        trains = f"ends {100 * abs(gap):.1f} points {'above' if gap > 0 else 'below'} BN"
    shifted = moves != "smaller than" and compare(spans["noisy_bn"], spans["bn"]) == "larger than"
    kept = gap > -NOISE_SIGMAS * se and final["noisy_bn"] > final["plain"] + NOISE_SIGMAS * se
    verdict = (
        "As Santurkar et al. found, a distribution that keeps moving did not take away batch "
        "norm's benefit in this run."
        if shifted and kept
        else "This run does not show the paper's finding cleanly: read the numbers above."
    )
    return (
        head + bands + f"Noisy BN's input moves {AMOUNT[moves]} from record to record, and it "
        f"{trains}. {verdict} {ONE_SEED}"
    )


def _gradient_change(result: ICSResult) -> str:
    last, since = result.layers[-1], result.settled
    rel = _medians(result, "relative_grad_diff", last, since=since)
    cos = _medians(result, "grad_cos", last, since=since)
    early = _medians(result, "relative_grad_diff", last, until=since)
    relation = compare(rel["bn"], rel["plain"])
    verdict = {
        "larger than": "more than without it: by this measure batch norm does not reduce internal "
        "covariate shift here, it increases it — as Santurkar et al. found.",
        "about the same as": "about as much as without it: by this measure batch norm does not "
        "reduce internal covariate shift here — as Santurkar et al. found.",
        "smaller than": "less than without it: by this measure batch norm does reduce internal "
        "covariate shift in this run, unlike what Santurkar et al. report for their networks.",
    }.get(relation, "by an amount this run cannot compare.")
    return (
        f"G is a layer's weight gradient on a step's mini-batch; G′ the same gradient after the "
        f"layers below it have taken that step's SGD update (the layer itself and those above "
        f"unchanged). Layer {last + 1}, medians over the measurements from step {since:,} on: "
        f"‖G − G′‖ / ‖G‖ = {_by_variant(rel, '.3f')}; cos(G, G′) = {_by_variant(cos, '.3f')}. "
        f"With BN the gradient changes {verdict} Before step {since:,}: ‖G − G′‖ / ‖G‖ = "
        f"{_by_variant(early, '.3g')}. {ONE_SEED}"
    )


SMOOTHNESS_MEASURES = (
    ("loss_variation", "loss variation", ".3f"),
    ("grad_change_max", "largest gradient change along −g", ".3f"),
    ("beta", "effective β", ".2f"),
)


def _smoothness(result: ICSResult) -> str:
    since = result.settled
    parts, smoother = [], []
    for series, label, fmt in SMOOTHNESS_MEASURES:
        late = _medians(result, series, since=since)
        relation = compare(late["bn"], late["plain"])
        if relation == "smaller than":
            smoother.append(label)
        parts.append(f"{label}: {_by_variant(late, fmt)} ({WITH_BN[relation]})")
    early = _medians(result, "loss_variation", until=since)
    count = len(smoother)
    if count == len(SMOOTHNESS_MEASURES):
        verdict = "All three are smaller with BN: a smoother landscape, as Santurkar et al. found."
    elif count:
        verdict = (
            f"{count} of {len(SMOOTHNESS_MEASURES)} are smaller with BN ({', '.join(smoother)}): "
            "this run agrees with the paper on those, not on the rest."
        )
    else:
        verdict = "None is smaller with BN: this run does not show the paper's smoother landscape."
    etas = result.etas
    return (
        f"Along the gradient g of a step's mini-batch, step sizes η from {etas[0]:.3g} to "
        f"{etas[-1]:.3g} ({len(etas)} sizes, ×√2 apart, around the learning rate). Medians from "
        f"step {since:,} on — " + "; ".join(parts) + f". {verdict} Before step {since:,}, loss "
        f"variation {_by_variant(early, '.3g')}. {ONE_SEED}"
    )


def captions(result: ICSResult) -> dict[str, str]:
    """``{"shift": ..., "gradient_change": ..., "smoothness": ...}`` for ``result``."""
    return {
        "shift": _shift(result),
        "gradient_change": _gradient_change(result),
        "smoothness": _smoothness(result),
    }


def setup_text(result: ICSResult) -> str:
    """The setup: the net, our choices, and the noise of noisy BN."""
    meta = result.meta
    return (
        f"**Setup**: the Figure 1 page's network — MNIST, 784-100-100-100-10 with sigmoids, "
        f"weights from N(0, {meta.get('init_std', 0.05):g}²), plain SGD at learning rate "
        f"{meta.get('lr', 0.5):g}, batch 60, {result.total_steps:,} steps — trained three ways "
        "from the same initial weights on the same mini-batches: without BN, with BN after every "
        "hidden layer, and with noisy BN. Santurkar et al. ran their experiments mainly on VGG "
        "networks (CIFAR-10) and deep linear networks; this is the same question asked of a "
        "small net."
    )


def method_notes(result: ICSResult) -> list[str]:
    """How the run was measured, one Markdown bullet each."""
    meta = result.meta
    every = meta.get("measure_every")
    if "noise_scale" in meta and "noise_shift" in meta:
        lo, hi = meta["noise_scale"]
        shift = meta["noise_shift"]
        noise = f"one scale s ~ U({lo:g}, {hi:g}) and shift m ~ U(−{shift:g}, {shift:g})"
    else:
        noise = "one random scale s and shift m"
    return [
        f"**Noisy BN**: after each BN, z ← s·z + m with {noise} per unit, drawn anew at every "
        "training step (none at test time). The paper draws noise for every activation of every "
        "example; ours moves the whole distribution a unit sees, which is the shift the 2015 "
        "hypothesis is about.",
        "**Bands** are recorded by the engine every "
        f"{int(result.steps[1] - result.steps[0]) if len(result.steps) > 1 else 0:,} steps; "
        "accuracy in inference mode (BN with its running averages).",
        f"**Measurements** every {every or '?'} steps (step 0 included), each before that step's update and on its mini-batch, on copies of "
        "the networks in training mode (BN with the mini-batch's statistics; noisy BN with the "
        "noise that very step draws): measuring never changes the run. Curves: raw values faint, "
        f"running medians of {SMOOTH_WINDOW} measurements bold.",
        "**Gradient change** uses the SGD update the optimizer takes; layer 1 has no layers below "
        "it, so its G′ equals G and it is not shown.",
    ]
