"""The words on the Figure 1 page, written from a result's numbers (``bnviz.figure1.findings``).

- :func:`captions`: what to see in each panel, with this result's numbers; a claim is made only
  when the data carry it (a gap "within noise" is called that, a band that widens is said to widen);
(the setup and how the figure was measured are ``bnviz.figure1.notes``'s).

Markdown strings (``**bold**``), in the language of the translator ``_`` each function takes
(English by default; ``bnviz.i18n``); nothing here imports streamlit.
"""

from __future__ import annotations

import math

from bnviz.config import RunConfig
from bnviz.figure1 import findings
from bnviz.figure1.findings import Accuracy, Plateau
from bnviz.figure1.result import Figure1Result
from bnviz.i18n import ENGLISH, Translator
from bnviz.train.variants import TWINS

WIDENS = 1.1  # a band counts as wider (narrower) when its width changes by more than 10%


def points(x: float, sign: bool = False) -> str:
    """A difference of accuracies in percentage points: ``0.0042`` -> ``"0.42"`` (``"+0.42"``)."""
    return f"{100 * x:+.2f}" if sign else f"{100 * x:.2f}"


def captions(
    result: Figure1Result, inference: bool = False, _: Translator = ENGLISH
) -> dict[str, str]:
    """``{"accuracy": (a), "plain": (b), "bn": (c)}``; ``inference``: (c) also explains the dashed
    test-time view."""
    meta = result.meta
    acc = findings.accuracy(result)
    probe, batch = meta.get("probe_size", 240), meta.get("batch_size", 60)
    seeds = len(result.seeds)
    if seeds > 1:
        over = _("Lines: mean of {count} seeds ({seeds}); shaded: lowest to highest seed.").format(
            count=seeds, seeds=", ".join(map(str, result.seeds))
        )
    else:
        over = _("One seed ({seed}).").format(seed=result.shown_seed)
    init, lr = meta.get("init_std", RunConfig.init_std), meta.get("lr", RunConfig.lr)
    same = (
        _(
            "Same initial weights, same mini-batches, same optimizer: for these seeds, this init "
            "(N(0, {init:g}²)) and this learning rate ({lr:g}), a gap comes from batch norm."
        )
        if seeds > 1
        else _(
            "Same initial weights, same mini-batches, same optimizer: for this seed, this init "
            "(N(0, {init:g}²)) and this learning rate ({lr:g}), a gap comes from batch norm."
        )
    )
    accuracy = " ".join(
        [
            _(
                "Test accuracy on {eval_size:,} held-out digits (every test digit outside the "
                "{probe} probe digits), in inference mode."
            ).format(eval_size=acc.eval_size, probe=probe),
            over,
            _reach(acc, _),
            _verdict(acc, result.steps_done, _),
            same.format(init=init, lr=lr),
        ]
    )
    if seeds > 1:
        shown = _("seed {seed} of the {count}").format(seed=result.shown_seed, count=seeds)
    else:
        shown = _("seed {seed}").format(seed=result.shown_seed)
    return {
        "accuracy": accuracy,
        "plain": _plain(result, shown, probe, _),
        "bn": _bn(result, shown, batch, inference, _),
    }


def _reach(a: Accuracy, _: Translator) -> str:
    goal = f"{findings.REACH:.0%}"
    bn, plain = a.reach["bn"], a.reach["plain"]
    if bn is None and plain is None:
        return _("Neither twin has reached {goal} yet.").format(goal=goal)
    at = {
        t: _("at step {step:,}").format(step=a.reach[t]) if a.reach[t] is not None else _("not yet")
        for t in TWINS
    }
    return _("Mean accuracy reaches {goal} {bn} with BN, {plain} without.").format(
        goal=goal, bn=at["bn"], plain=at["plain"]
    )


def _verdict(a: Accuracy, steps_done: int, _: Translator) -> str:
    over = _("mean of {count} seeds").format(count=a.seeds) if a.seeds > 1 else _("one seed")
    p = a.final["bn"]
    numbers = {
        "steps": steps_done,
        "over": over,
        "bn": a.final["bn"],
        "plain": a.final["plain"],
        "gap": points(a.gap, True),
        "size": points(abs(a.gap)),
        "spread": (
            _(" (per seed {lo} to {hi})").format(
                lo=points(a.gap_lo, True), hi=points(a.gap_hi, True)
            )
            if a.seeds > 1
            else ""
        ),
        "noise": _(
            "an accuracy near {p:.0%} on {n:,} digits has a standard error of ±{se} points"
        ).format(p=p, n=a.eval_size, se=points(math.sqrt(p * (1 - p) / a.eval_size))),
    }
    if a.verdict == "within noise":
        text = _(
            "After {steps:,} steps ({over}): **{bn:.2%}** with BN, **{plain:.2%}** without: a "
            "difference of {gap} points{spread}, **within noise** ({noise})."
        )
    elif a.verdict == "bn ahead":
        text = _(
            "After {steps:,} steps ({over}): **{bn:.2%}** with BN, **{plain:.2%}** without: BN "
            "ends ahead by **{size} points**{spread}, more than the noise ({noise})."
        )
    else:
        text = _(
            "After {steps:,} steps ({over}): **{bn:.2%}** with BN, **{plain:.2%}** without: the "
            "plain twin ends ahead by **{size} points**{spread}, more than the noise ({noise})."
        )
    return text.format(**numbers)


def _plateau(p: Plateau | None, _: Translator) -> str:
    if p is None:
        return ""
    numbers = {"plain": p.plain, "step": p.step, "bn": p.bn, "exit": p.exit_step}
    if p.exit_step is None or p.exit_step <= p.step:
        text = _(
            "Early on this twin sits on a plateau near chance: {plain:.1%} test accuracy at step "
            "{step:,} (BN: {bn:.1%})."
        )
    elif p.median_share is not None and p.median_share >= 0.5:
        text = _(
            "Early on this twin sits on a plateau near chance: {plain:.1%} test accuracy at step "
            "{step:,} (BN: {bn:.1%}), above {level:.0%} only from step {exit:,}; {share:.0%} of "
            "the median's largest move happens on that plateau, before the network has learned "
            "much."
        )
    else:
        text = _(
            "Early on this twin sits on a plateau near chance: {plain:.1%} test accuracy at step "
            "{step:,} (BN: {bn:.1%}), above {level:.0%} only from step {exit:,}."
        )
    return " " + text.format(**numbers, level=findings.PLATEAU_EXIT, share=p.median_share or 0)


def _plain(result: Figure1Result, shown: str, probe: int, _: Translator) -> str:
    s = findings.spread(result, "plain")
    seeds = len(result.seeds)
    others = (
        _(
            " (over the {count} seeds, each following its own unit: {start} at step 0, {end} at the end)"
        ).format(count=seeds, start=_range(s.widths_start_all), end=_range(s.widths_end_all))
        if seeds > 1
        else ""
    )
    return _(
        "Without BN ({shown}): the 15th, 50th (bold) and 85th percentiles of the input to unit "
        "{unit} of the last hidden layer, over {probe} fixed test digits. Its median moves from "
        "{median_start:+.2f} to {median_end:+.2f} (between {median_lo:+.2f} and {median_hi:+.2f}) "
        "and its 15–85 band goes from {width_start:.2f} to {width_end:.2f} wide{others}: the input "
        "this layer sees changes while the layers below learn, the change Ioffe & Szegedy call "
        "internal covariate shift (one unit's percentiles are a proxy for it)."
    ).format(
        shown=shown,
        unit=result.unit,
        probe=probe,
        median_start=s.median_start,
        median_end=s.median_end,
        median_lo=s.median_lo,
        median_hi=s.median_hi,
        width_start=s.width_start,
        width_end=s.width_end,
        others=others,
    ) + _plateau(findings.plateau(result), _)


def _change(start: float, end: float) -> str:
    """``"widens"``, ``"narrows"`` or ``"stays"`` (about as wide): a code, not words."""
    if end > WIDENS * start:
        return "widens"
    if end < start / WIDENS:
        return "narrows"
    return "stays"


def _range(values: tuple[float, ...]) -> str:
    lo, hi = f"{min(values):.2f}", f"{max(values):.2f}"
    return lo if lo == hi else f"{lo}–{hi}"


def _bn(result: Figure1Result, shown: str, batch: int, inference: bool, _: Translator) -> str:
    s = findings.spread(result, "bn")
    change = _change(s.width_start, s.width_end)
    numbers = {
        "shown": shown,
        "batch": batch,
        "width_start": s.width_start,
        "half_width": s.width_start / 2,
        "median_lo": s.median_lo,
        "median_hi": s.median_hi,
        "width_end": s.width_end,
        "steps": result.steps_done,
    }
    band = {
        "widens": _(
            "The median stays between {median_lo:+.2f} and {median_hi:+.2f}; the band widens: "
            "{width_end:.2f} wide at step {steps:,}, as the learned scale γ grows: BN fixes the "
            "mean and variance of x̂ within each batch, not the scale γ it learns."
        ),
        "narrows": _(
            "The median stays between {median_lo:+.2f} and {median_hi:+.2f}; the band narrows: "
            "{width_end:.2f} wide at step {steps:,}."
        ),
        "stays": _(
            "The median stays between {median_lo:+.2f} and {median_hi:+.2f}; the band stays about "
            "as wide: {width_end:.2f} wide at step {steps:,}."
        ),
    }[change]
    parts = [
        _(
            "With BN ({shown}, same unit), as the layer sees it while training: each batch of "
            "{batch} normalized with its own mean and variance, then z = γ x̂ + β. At step 0 "
            "(γ = 1, β = 0) that is x̂ itself, a 15–85 band {width_start:.2f} wide (about "
            "±{half_width:.2f})."
        ),
        band,
    ]
    seeds = len(result.seeds)
    if seeds > 1:
        same = sum(
            _change(a, b) == change
            for a, b in zip(s.widths_start_all, s.widths_end_all, strict=True)
        )
        every = {
            "widens": _("In {same} of {count} seeds it widens: from {start} to {end} wide."),
            "narrows": _("In {same} of {count} seeds it narrows: from {start} to {end} wide."),
            "stays": _(
                "In {same} of {count} seeds it stays about as wide: from {start} to {end} wide."
            ),
        }
        if same == seeds:
            every = {
                "widens": _(
                    "In every one of the {count} seeds it widens: from {start} to {end} wide."
                ),
                "narrows": _(
                    "In every one of the {count} seeds it narrows: from {start} to {end} wide."
                ),
                "stays": _(
                    "In every one of the {count} seeds it stays about as wide: from {start} to "
                    "{end} wide."
                ),
            }
        numbers |= {
            "same": same,
            "count": seeds,
            "start": _range(s.widths_start_all),
            "end": _range(s.widths_end_all),
        }
        parts.append(every[change])
    parts.append(_("Same y axis as (b)."))
    if inference:
        gap = findings.inference_gap(result)
        at_test = result.shown_percentiles("bn", inference=True)
        numbers |= {"raw": at_test[0, -1] - at_test[0, 0], "gap": gap}
        parts.append(
            _(
                "Dashed: the same digits in inference mode, normalized with the running averages "
                "instead of each batch's statistics: what the layer sees at test time. At step 0 "
                "the averages still hold their starting values (mean 0, variance 1), so the dashed "
                "band is the raw Wu's, {raw:.2f} wide."
            )
        )
        if math.isfinite(gap):
            numbers["first"] = int(result.steps[1])
            parts.append(_("From step {first:,} on the two views differ by at most {gap:.2f}."))
    return " ".join(part.format(**numbers) for part in parts)
