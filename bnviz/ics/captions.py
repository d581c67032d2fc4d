"""The words on the ICS page, written from a result's numbers: a claim is made only when the numbers
carry it, and every number is computed from the result shown (shipped or live), never typed in.

- :func:`captions`: one caption per experiment (``"shift"``, ``"gradient_change"``,
  ``"smoothness"``), with the run's numbers and a verdict that says whether *this* run shows what
  Santurkar et al. (2018) found;
- :func:`setup_text` and :func:`method_notes`: the setup, our choices, and how it was measured.

Comparisons are deliberately coarse: two medians differ only when one is ``MARGIN`` times the other,
two accuracies only when they are ``NOISE_SIGMAS`` standard errors of the test-set noise apart.
Summaries of the measurements leave out the first tenth of the run (``ICSResult.settled``), which is
quoted on its own. Markdown strings in the language of the translator ``_`` each function takes
(English by default; ``bnviz.i18n``); nothing here imports streamlit or torch.
"""

from __future__ import annotations

import math

from bnviz.i18n import ENGLISH, N_, Gettext
from bnviz.ics.panels import SMOOTH_WINDOW
from bnviz.ics.result import ICSResult
from bnviz.style import variant_label

MARGIN = 1.25  # a median counts as larger (smaller) only when 25% above (below) the other
NOISE_SIGMAS = (
    2.0  # accuracies closer than 2 standard errors of the test-set noise are "within noise"
)
REACH = 0.9  # "how fast": the first recorded step at 90% test accuracy
ONE_SEED = N_("One run, one seed: an anecdote, not a measurement of the effect's size.")


def compare(a: float, b: float, margin: float = MARGIN) -> str:
    """``"larger than"``, ``"smaller than"`` or ``"about the same as"`` (``a`` against ``b``): a
    code for the sentences below, not words shown as they are."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return "not comparable with"
    if a > margin * b:
        return "larger than"
    if b > margin * a:
        return "smaller than"
    return "about the same as"


# How a comparison of BN (or noisy BN) against the plain net reads in a sentence.
AMOUNT = {
    "larger than": N_("more than the plain net's"),
    "smaller than": N_("less than the plain net's"),
    "about the same as": N_("about as much as the plain net's"),
    "not comparable with": N_("by an amount not comparable with the plain net's"),
}
WITH_BN = {
    "larger than": N_("larger with BN"),
    "smaller than": N_("smaller with BN"),
    "about the same as": N_("about the same with BN"),
    "not comparable with": N_("not comparable"),
}


def _by_variant(values: dict[str, float], fmt: str, _: Gettext) -> str:
    """``"0.12 without BN, 0.40 with BN, 0.45 noisy BN"``."""
    return ", ".join(
        _("{value} {variant}").format(value=format(x, fmt), variant=variant_label(v, _))
        for v, x in values.items()
    )


def _medians(result: ICSResult, series: str, layer: int | None = None, **window) -> dict:
    return {v: result.median(series, v, layer, **window) for v in result.variants}


def _shift(result: ICSResult, _: Gettext) -> str:
    eval_size = result.meta.get("eval_size", 2000)
    final = {v: result.final_accuracy(v) for v in result.variants}
    p = final["bn"]
    se = math.sqrt(p * (1 - p) / eval_size) if 0 < p < 1 else 0.0
    reach = {
        v: _("step {step:,}").format(step=s)
        if (s := result.steps_to(v, REACH)) is not None
        else _("not in this run")
        for v in result.variants
    }
    reached = ", ".join(
        _("{value} {variant}").format(value=reach[v], variant=variant_label(v, _)) for v in reach
    )
    head = _(
        "**(a)** Test accuracy on {eval_size:,} held-out digits after {steps:,} steps: {final} "
        "(test-set noise ±{noise:.1f} points). {reach:.0%} first reached at: {reached}."
    ).format(
        eval_size=eval_size,
        steps=result.steps_done,
        final=_by_variant(final, ".1%", _),
        noise=100 * se,
        reach=REACH,
        reached=reached,
    )
    probe = result.meta.get("probe_size", 240)
    spans = {v: result.band_range(v) for v in result.variants}
    jumps = {v: result.band_jump(v) for v in result.variants}
    bands = _(
        "**(b–d)** The 15th, 50th and 85th percentiles of the input to unit {unit} of the last "
        "hidden layer over {probe} fixed test digits, as the layer sees it while training (noisy "
        "BN with that step's noise). The percentiles span on average {spans} over the run, and "
        "move by {jumps} from one record to the next."
    ).format(
        unit=result.unit,
        probe=probe,
        spans=_by_variant(spans, ".2f", _),
        jumps=_by_variant(jumps, ".2f", _),
    )
    moves = compare(jumps["noisy_bn"], jumps["plain"])
    gap = final["noisy_bn"] - final["bn"]
    if abs(gap) <= NOISE_SIGMAS * se:
        trains = _("ends within noise of BN's accuracy")
    elif gap > 0:
        trains = _("ends {points:.1f} points above BN").format(points=100 * abs(gap))
    else:
        trains = _("ends {points:.1f} points below BN").format(points=100 * abs(gap))
    shifted = moves != "smaller than" and compare(spans["noisy_bn"], spans["bn"]) == "larger than"
    kept = gap > -NOISE_SIGMAS * se and final["noisy_bn"] > final["plain"] + NOISE_SIGMAS * se
    verdict = (
        _(
            "As Santurkar et al. found, a distribution that keeps moving did not take away batch "
            "norm's benefit in this run."
        )
        if shifted and kept
        else _("This run does not show the paper's finding cleanly: read the numbers above.")
    )
    noisy = _("Noisy BN's input moves {amount} from record to record, and it {trains}.").format(
        amount=_(AMOUNT[moves]), trains=trains
    )
    return " ".join([head, bands, noisy, verdict, _(ONE_SEED)])


def _gradient_change(result: ICSResult, _: Gettext) -> str:
    last, since = result.layers[-1], result.settled
    rel = _medians(result, "relative_grad_diff", last, since=since)
    cos = _medians(result, "grad_cos", last, since=since)
    early = _medians(result, "relative_grad_diff", last, until=since)
    relation = compare(rel["bn"], rel["plain"])
    verdict = {
        "larger than": N_(
            "With BN the gradient changes more than without it: by this measure batch norm does "
            "not reduce internal covariate shift here, it increases it — as Santurkar et al. found."
        ),
        "about the same as": N_(
            "With BN the gradient changes about as much as without it: by this measure batch norm "
            "does not reduce internal covariate shift here — as Santurkar et al. found."
        ),
        "smaller than": N_(
            "With BN the gradient changes less than without it: by this measure batch norm does "
            "reduce internal covariate shift in this run, unlike what Santurkar et al. report for "
            "their networks."
        ),
    }.get(relation, N_("With BN the gradient changes by an amount this run cannot compare."))
    return " ".join(
        [
            _(
                "G is a layer's weight gradient on a step's mini-batch; G′ the same gradient after "
                "the layers below it have taken that step's SGD update (the layer itself and those "
                "above unchanged). Layer {layer}, medians over the measurements from step {since:,} "
                "on: ‖G − G′‖ / ‖G‖ = {rel}; cos(G, G′) = {cos}."
            ).format(
                layer=last + 1,
                since=since,
                rel=_by_variant(rel, ".3f", _),
                cos=_by_variant(cos, ".3f", _),
            ),
            _(verdict),
            _("Before step {since:,}: ‖G − G′‖ / ‖G‖ = {early}.").format(
                since=since, early=_by_variant(early, ".3g", _)
            ),
            _(ONE_SEED),
        ]
    )


SMOOTHNESS_MEASURES = (
    ("loss_variation", N_("loss variation"), ".3f"),
    ("grad_change_max", N_("largest gradient change along −g"), ".3f"),
    ("beta", N_("effective β"), ".2f"),
)


def _smoothness(result: ICSResult, _: Gettext) -> str:
    since = result.settled
    parts, smoother = [], []
    for series, label, fmt in SMOOTHNESS_MEASURES:
        late = _medians(result, series, since=since)
        relation = compare(late["bn"], late["plain"])
        if relation == "smaller than":
            smoother.append(_(label))
        parts.append(
            _("{measure}: {values} ({relation})").format(
                measure=_(label), values=_by_variant(late, fmt, _), relation=_(WITH_BN[relation])
            )
        )
    early = _medians(result, "loss_variation", until=since)
    count, total = len(smoother), len(SMOOTHNESS_MEASURES)
    if count == total:
        verdict = _(
            "All three are smaller with BN: a smoother landscape, as Santurkar et al. found."
        )
    elif count:
        verdict = _(
            "{count} of {total} are smaller with BN ({which}): this run agrees with the paper on "
            "those, not on the rest."
        ).format(count=count, total=total, which=", ".join(smoother))
    else:
        verdict = _(
            "None is smaller with BN: this run does not show the paper's smoother landscape."
        )
    etas = result.etas
    return " ".join(
        [
            _(
                "Along the gradient g of a step's mini-batch, step sizes η from {lo:.3g} to "
                "{hi:.3g} ({count} sizes, ×√2 apart, around the learning rate). Medians from step "
                "{since:,} on — {parts}."
            ).format(lo=etas[0], hi=etas[-1], count=len(etas), since=since, parts="; ".join(parts)),
            verdict,
            _("Before step {since:,}, loss variation {early}.").format(
                since=since, early=_by_variant(early, ".3g", _)
            ),
            _(ONE_SEED),
        ]
    )


def captions(result: ICSResult, _: Gettext = ENGLISH) -> dict[str, str]:
    """``{"shift": ..., "gradient_change": ..., "smoothness": ...}`` for ``result``."""
    return {
        "shift": _shift(result, _),
        "gradient_change": _gradient_change(result, _),
        "smoothness": _smoothness(result, _),
    }


def setup_text(result: ICSResult, _: Gettext = ENGLISH) -> str:
    """The setup: the net, our choices, and the noise of noisy BN."""
    meta = result.meta
    return _(
        "**Setup**: the Figure 1 page's network — MNIST, 784-100-100-100-10 with sigmoids, weights "
        "from N(0, {init:g}²), plain SGD at learning rate {lr:g}, batch 60, {steps:,} steps — "
        "trained three ways from the same initial weights on the same mini-batches: without BN, "
        "with BN after every hidden layer, and with noisy BN. Santurkar et al. ran their "
        "experiments mainly on VGG networks (CIFAR-10) and deep linear networks; this is the same "
        "question asked of a small net."
    ).format(init=meta.get("init_std", 0.05), lr=meta.get("lr", 0.5), steps=result.total_steps)


def method_notes(result: ICSResult, _: Gettext = ENGLISH) -> list[str]:
    """How the run was measured, one Markdown bullet each."""
    meta = result.meta
    if "noise_scale" in meta and "noise_shift" in meta:
        lo, hi = meta["noise_scale"]
        shift = meta["noise_shift"]
        noise = _("one scale s ~ U({lo:g}, {hi:g}) and shift m ~ U(−{shift:g}, {shift:g})").format(
            lo=lo, hi=hi, shift=shift
        )
    else:
        noise = _("one random scale s and shift m")
    bands_every = int(result.steps[1] - result.steps[0]) if len(result.steps) > 1 else 0
    return [
        _(
            "**Noisy BN**: after each BN, z ← s·z + m with {noise} per unit, drawn anew at every "
            "training step (none at test time). The paper draws noise for every activation of "
            "every example; ours moves the whole distribution a unit sees, which is the shift the "
            "2015 hypothesis is about."
        ).format(noise=noise),
        _(
            "**Bands** are recorded by the engine every {every:,} steps; accuracy in inference "
            "mode (BN with its running averages)."
        ).format(every=bands_every),
        _(
            "**Measurements** every {every} steps (step 0 included), each before that step's "
            "update and on its mini-batch, on copies of the networks in training mode (BN with the "
            "mini-batch's statistics; noisy BN with the noise that very step draws): measuring "
            "never changes the run. Curves: raw values faint, running medians of {window} "
            "measurements bold."
        ).format(every=meta.get("measure_every") or "?", window=SMOOTH_WINDOW),
        _(
            "**Gradient change** uses the SGD update the optimizer takes; layer 1 has no layers "
            "below it, so its G′ equals G and it is not shown."
        ),
    ]
