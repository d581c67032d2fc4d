"""The words on the Figure 1 page, written from a result's numbers (``bnviz.figure1.findings``).

- :func:`captions`: what to see in each panel, with this result's numbers; a claim is made only
  when the data carry it (a gap "within noise" is called that, a band that widens is said to widen);
- :func:`setup_text`: the paper's setup and the choices the paper leaves open, disclosed with why;
- :func:`method_notes`: how the figure was measured (the "how it was made" list).

Markdown strings (``**bold**``); nothing here imports streamlit.
"""

from __future__ import annotations

import math

from bnviz.config import RunConfig
from bnviz.figure1 import findings
from bnviz.figure1.findings import Accuracy, Plateau
from bnviz.figure1.result import Figure1Result
from bnviz.train.variants import TWINS

WIDENS = 1.1  # a band counts as wider (narrower) when its width changes by more than 10%
BINARY = "mnist-binary"


def points(x: float, sign: bool = False) -> str:
    """A difference of accuracies in percentage points: ``0.0042`` -> ``"0.42"`` (``"+0.42"``)."""
    return f"{100 * x:+.2f}" if sign else f"{100 * x:.2f}"


def captions(result: Figure1Result, inference: bool = False) -> dict[str, str]:
    """``{"accuracy": (a), "plain": (b), "bn": (c)}``; ``inference``: (c) also explains the dashed
    test-time view."""
    meta = result.meta
    acc = findings.accuracy(result)
    probe, batch = meta.get("probe_size", 240), meta.get("batch_size", 60)
    seeds = len(result.seeds)
    if seeds > 1:
        over = f"Lines: mean of {seeds} seeds ({', '.join(map(str, result.seeds))}); shaded: "
        over += "lowest to highest seed."
    else:
        over = f"One seed ({result.shown_seed})."
    init, lr = meta.get("init_std", RunConfig.init_std), meta.get("lr", RunConfig.lr)
    which = "these seeds" if seeds > 1 else "this seed"
    accuracy = (
        f"Test accuracy on {acc.eval_size:,} held-out digits (every test digit outside the "
        f"{probe} probe digits), in inference mode. {over} {_reach(acc)} "
        f"{_verdict(acc, result.steps_done)} Same initial weights, same mini-batches, same "
        f"optimizer: for {which}, this init (N(0, {init:g}²)) and this learning rate ({lr:g}), "
        "a gap comes from batch norm."
    )
    shown = f"seed {result.shown_seed}" + (f" of the {seeds}" if seeds > 1 else "")
    return {
        "accuracy": accuracy,
        "plain": _plain(result, shown, probe),
        "bn": _bn(result, shown, batch, inference),
    }


def _reach(a: Accuracy) -> str:
    goal = f"{findings.REACH:.0%}"
    bn, plain = a.reach["bn"], a.reach["plain"]
    if bn is None and plain is None:
        return f"Neither twin has reached {goal} yet."
    at = {t: f"at step {a.reach[t]:,}" if a.reach[t] is not None else "not yet" for t in TWINS}
    return f"Mean accuracy reaches {goal} {at['bn']} with BN, {at['plain']} without."


def _verdict(a: Accuracy, steps_done: int) -> str:
    over = f"mean of {a.seeds} seeds" if a.seeds > 1 else "one seed"
    head = (
        f"After {steps_done:,} steps ({over}): **{a.final['bn']:.2%}** with BN, "
        f"**{a.final['plain']:.2%}** without"
    )
    p = a.final["bn"]
    se = points(math.sqrt(p * (1 - p) / a.eval_size))
    noise = (
        f"an accuracy near {p:.0%} on {a.eval_size:,} digits has a standard error of ±{se} points"
    )
    spread = (
        f" (per seed {points(a.gap_lo, True)} to {points(a.gap_hi, True)})" if a.seeds > 1 else ""
    )
    if a.verdict == "within noise":
        return (
            f"{head}: a difference of {points(a.gap, True)} points{spread}, **within noise** "
            f"({noise})."
        )
    leader = "BN" if a.verdict == "bn ahead" else "the plain twin"
    return (
        f"{head}: {leader} ends ahead by **{points(abs(a.gap))} points**{spread}, more than the "
        f"noise ({noise})."
    )


def _plateau(p: Plateau | None) -> str:
    if p is None:
        return ""
    out = (
        f" Early on this twin sits on a plateau near chance: {p.plain:.1%} test accuracy at step "
        f"{p.step:,} (BN: {p.bn:.1%})"
    )
    if p.exit_step is not None and p.exit_step > p.step:
        out += f", above {findings.PLATEAU_EXIT:.0%} only from step {p.exit_step:,}"
        if p.median_share is not None and p.median_share >= 0.5:
            out += (
                f"; {p.median_share:.0%} of the median's largest move happens on that plateau, "
                "before the network has learned much"
            )
    return out + "."


def _plain(result: Figure1Result, shown: str, probe: int) -> str:
    s = findings.spread(result, "plain")
    seeds = len(result.seeds)
    others = (
        f" (over the {seeds} seeds, each following its own unit: {_range(s.widths_start_all)} "
        f"at step 0, {_range(s.widths_end_all)} at the end)"
        if seeds > 1
        else ""
    )
    return (
        f"Without BN ({shown}): the 15th, 50th (bold) and 85th percentiles of the input to unit "
        f"{result.unit} of the last hidden layer, over {probe} fixed test digits. Its median moves "
        f"from {s.median_start:+.2f} to {s.median_end:+.2f} (between {s.median_lo:+.2f} and "
        f"{s.median_hi:+.2f}) and its 15–85 band goes from {s.width_start:.2f} to "
        f"{s.width_end:.2f} wide{others}: the input this layer sees changes while the layers below learn, "
        "the change Ioffe & Szegedy call internal covariate shift (one unit's percentiles are a "
        "proxy for it)." + _plateau(findings.plateau(result))
    )


def _change(start: float, end: float) -> str:
    if end > WIDENS * start:
        return "widens"
    if end < start / WIDENS:
        return "narrows"
    return "stays about as wide"


def _range(values: tuple[float, ...]) -> str:
    lo, hi = f"{min(values):.2f}", f"{max(values):.2f}"
    return lo if lo == hi else f"{lo}–{hi}"


def _bn(result: Figure1Result, shown: str, batch: int, inference: bool) -> str:
    s = findings.spread(result, "bn")
    change = _change(s.width_start, s.width_end)
    text = (
        f"With BN ({shown}, same unit), as the layer sees it while training: each batch of "
        f"{batch} normalized with its own mean and variance, then z = γ x̂ + β. At step 0 "
        f"(γ = 1, β = 0) that is x̂ itself, a 15–85 band {s.width_start:.2f} wide "
        f"(about ±{s.width_start / 2:.2f}). The median stays between {s.median_lo:+.2f} and "
        f"{s.median_hi:+.2f}; the band {change}: {s.width_end:.2f} wide at step "
        f"{result.steps_done:,}"
    )
    if change == "widens":
        text += (
            ", as the learned scale γ grows: BN fixes the mean and variance of x̂ within each "
            "batch, not the scale γ it learns"
        )
    text += "."
    seeds = len(result.seeds)
    if seeds > 1:
        same = sum(
            _change(a, b) == change
            for a, b in zip(s.widths_start_all, s.widths_end_all, strict=True)
        )
        every = (
            f"In every one of the {seeds} seeds" if same == seeds else f"In {same} of {seeds} seeds"
        )
        text += (
            f" {every} it {change}: from {_range(s.widths_start_all)} to "
            f"{_range(s.widths_end_all)} wide."
        )
    text += " Same y axis as (b)."
    if inference:
        gap = findings.inference_gap(result)
        at_test = result.shown_percentiles("bn", inference=True)
        text += (
            " Dashed: the same digits in inference mode, normalized with the running averages "
            "instead of each batch's statistics: what the layer sees at test time. At step 0 the "
            "averages still hold their starting values (mean 0, variance 1), so the dashed band "
            f"is the raw Wu's, {at_test[0, -1] - at_test[0, 0]:.2f} wide"
        )
        if math.isfinite(gap):
            text += (
                f"; from step {int(result.steps[1]):,} on the two views differ by at most {gap:.2f}"
            )
        text += "."
    return text


def setup_text(result: Figure1Result) -> str:
    """The paper's setup, and our choices where the paper states none, each with its reason."""
    meta = result.meta
    init, lr = meta.get("init_std", RunConfig.init_std), meta.get("lr", RunConfig.lr)
    dataset = meta.get("config", {}).get("dataset", RunConfig.dataset)
    text = (
        f"**Setup** (the paper's §4.1): MNIST, 3 fully connected hidden layers × 100 sigmoid "
        f"units, weights from a small Gaussian, batch 60, {result.total_steps:,} steps; the twin "
        f"with BN normalizes every hidden layer. Both twins start from the same weights and see "
        f"the same mini-batches.\n\n**Our choices** (the paper does not state them): plain SGD "
        f"without momentum, learning rate {lr:g}, weights from N(0, {init:g}²)."
    )
    if init == RunConfig.init_std:
        text += (
            " We picked the std on this setup: with 0.1 there is little gap between the twins, "
            "with 0.01 mostly vanishing signals, so **how much BN helps here depends on that "
            "choice**. The small init is also why the plain twin starts on a plateau near "
            "chance (panel b)."
        )
    if dataset == BINARY:
        text += " **Inputs**: binary 28×28 images (ink where the grey level is above 0.5), as in the paper."
    else:
        text += (
            " **Inputs**: grey levels in [0, 1]; the paper used *binary* 28×28 images. "
            "`python -m bnviz.figure1 --binary` reruns this figure on binary digits (ink where "
            "the grey level is above 0.5), and the live lab offers them as a dataset."
        )
    return text


def method_notes(result: Figure1Result) -> list[str]:
    """How the figure was measured, one Markdown bullet each (without the provenance)."""
    meta = result.meta
    probe, batch = meta.get("probe_size", 240), meta.get("batch_size", 60)
    every = result.total_steps // max(1, len(result.steps) - 1)
    seeds = ", ".join(map(str, result.seeds))
    at_test = result.shown_percentiles("bn", inference=True)
    return [
        f"**Accuracy** (a): on the {meta.get('eval_size', 0):,} test digits outside the probe "
        f"set, never trained on, every {every:,} steps, with BN in inference mode (its running "
        f"averages). Seeds {seeds}: each seed draws its own initial weights, mini-batch order "
        "and probe set.",
        f"**Percentiles** (b, c): of one unit's input z over {probe} fixed test digits (the probe "
        f"set, {probe // batch} batches of {batch}), so any change over time is the network's, "
        "not the data's. They are recorded **as the layer sees them during training**: with BN "
        f"each batch of {batch} is normalized with its own statistics, z = γ x̂ + β, where x̂ has "
        "per-feature mean 0 and variance 1 within each batch. So the first point of (c) is x̂ "
        f"(γ = 1, β = 0), not the raw Wu. (b) and (c) show seed {result.shown_seed}; its "
        f"typical unit, {result.unit}, was drawn from the seed.",
        "**At test time** (the toggle above the panels): the same digits through BN with its "
        "running averages. At step 0 those still hold 0 and 1, so that view starts at the raw "
        f"Wu (15–85 band {at_test[0, -1] - at_test[0, 0]:.2f} wide) and joins the training view "
        "once the averages have caught up.",
        "Both twins are trained in lockstep on the same mini-batches, each in its own thread; "
        "the seeds run one after another.",
    ]
