"""The batch-size page's headline, written from a batch sweep's numbers (``batch_findings``).

:func:`verdict`: does BN's test accuracy fall at small batches *in this result*; every variant side
by side at the smallest batch; do layer norm and group norm stay flat across batch sizes (if not,
it says so, with the numbers, and how they do below the paper's batch of 60); and where the plain
reference ends. Every number is computed from the result shown (shipped or live); Markdown in
``_``'s language.
"""

from __future__ import annotations

import numpy as np

from bnviz.i18n import ENGLISH, N_, Gettext
from bnviz.sweep import batch_findings as bf
from bnviz.sweep.batch_captions import pct, progress_note, seeds_note, variant_name
from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.grid import PAPER_BATCH


def verdict(result: BatchResult, _: Gettext = ENGLISH) -> str:
    """BN's accuracy across batch sizes, all variants side by side at the smallest batch, then
    each per-example normalization's flatness (and the plain reference), with their numbers."""
    parts = [progress_note(result, _)]
    if "bn" in result.variants:
        parts.append(_bn_sentence(result, _))
    parts.append(_smallest(result, _))
    few_steps = False  # a per-example norm is lowest at the largest batch: say its steps once
    for variant in result.variants:
        if variant in ("bn", "plain"):
            continue
        text, lowest_at_largest = _per_example_sentence(result, variant, _)
        parts.append(text)
        few_steps |= lowest_at_largest
    if few_steps:
        m = max(int(x) for x in result.values)
        parts.append(
            _(
                "(At m = {m} a run takes only {steps:,} steps: the same examples in fewer, larger "
                "steps.)"
            ).format(m=m, steps=int(result.run_steps[result.values.index(str(m))]))
        )
    if "plain" in result.variants and (r := bf.accuracy_range(result, "plain")) is not None:
        parts.append(
            _(
                "Without BN (the reference), this network ends between {low} (m = {low_m}) and "
                "{high} (m = {high_m}) after {examples:,} examples (chance: 10%)."
            ).format(**_numbers(r), examples=result.examples)
        )
    parts.append(seeds_note(result, _))
    return " ".join(p for p in parts if p)


def _numbers(r: bf.Range) -> dict:
    return {
        "width": 100 * r.width,
        "low": pct(r.low),
        "high": pct(r.high),
        "low_m": r.low_m,
        "high_m": r.high_m,
    }


def _bn_sentence(result: BatchResult, _: Gettext) -> str:
    r = bf.accuracy_range(result, "bn")
    if r is None:
        return ""
    if r.flat:
        text = _(
            "**In this run BN's test accuracy does not fall at small batches**: it stays within "
            "{width:.1f} points ({low} to {high}) across the batch sizes tried."
        )
    elif r.low_m == min(int(x) for x in result.values):
        text = _(
            "**BN breaks down at small batches**: its test accuracy (inference mode) falls from "
            "{high} at m = {high_m} to {low} at m = {low_m}."
        )
    else:
        text = _(
            "**In this run BN's accuracy is not lowest at the smallest batch**: {low} at m = "
            "{low_m}, {high} at m = {high_m}."
        )
    return text.format(**_numbers(r))


def _smallest(result: BatchResult, _: Gettext) -> str:
    """Every variant's mean inference accuracy at the smallest batch size with a finished run."""
    shown = []
    for variant in result.variants:
        cells = [c for c in bf.row(result, variant) if np.isfinite(c.infer.mean)]
        if cells:
            shown.append((cells[0].m, variant_name(variant, _), cells[0].infer.mean))
    if len(shown) < 2 or len({m for m, _name, _acc in shown}) != 1:
        return ""
    return _("At m = {m}: {each}.").format(
        m=shown[0][0], each=", ".join(f"{name} {pct(acc)}" for _m, name, acc in shown)
    )


def _per_example_sentence(result: BatchResult, variant: str, _: Gettext) -> tuple[str, bool]:
    """The sentence on ``variant``'s flatness, and whether it is lowest at the largest batch."""
    r = bf.accuracy_range(result, variant)
    if r is None:
        return "", False
    largest = r.low_m == max(int(x) for x in result.values)
    name = variant_name(variant, _)
    numbers = {**_numbers(r), "name": name[:1].upper() + name[1:]}
    if r.flat:
        text = _(
            "{name} stays flat: within {width:.1f} points ({low} to {high}) across the batch "
            "sizes tried."
        )
        return text.format(**numbers), False
    text = _(
        "**{name} is not flat**: it varies by {width:.1f} points, from {low} at m = "
        "{low_m} to {high} at m = {high_m}."
    ).format(**numbers)
    small = bf.accuracy_range(result, variant, below=PAPER_BATCH)
    if small is not None and small.low_m != r.low_m:
        key = (
            N_(
                "Below the paper's batch of 60 (m = {first} to {last}) it stays within {width:.1f} points."
            )
            if small.flat
            else N_(
                "Below the paper's batch of 60 (m = {first} to {last}) it varies by {width:.1f} points."
            )
        )
        sizes = [int(x) for x in result.values if int(x) < PAPER_BATCH]
        text += " " + _(key).format(first=min(sizes), last=max(sizes), width=100 * small.width)
    return text, largest
