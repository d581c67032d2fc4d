"""The words on the sweeps page, written from a result's numbers (``bnviz.sweep.findings``).

- :func:`verdict`: the headline: does batch norm reach higher stable learning rates (``lr``), or
  train from more inits (``init``), *in this run*? When it does not, it says so plainly;
- :func:`captions`: one caption per figure (``"heatmap"``, ``"stability"``, ``"steps"``);
- :func:`method_notes`: how the sweep was made and measured.

Every number is computed from the result shown (shipped or live), never typed in. A partial result
(a live sweep in progress) says how many runs it has. Markdown strings; nothing here imports
streamlit or torch.
"""

from __future__ import annotations

import math

from bnviz.sweep import findings
from bnviz.sweep.findings import STABLE_ACCURACY, label
from bnviz.sweep.grid import EVAL_SIZE, SWEEPS
from bnviz.sweep.result import REACH, SweepResult

NEAR_CHANCE = 0.2  # a mean accuracy below this (chance: 10%) is "near chance"


def stable_rule(result: SweepResult) -> str:
    n = len(result.seeds)
    every = f"each of its {n} seeds" if n > 1 else "its one seed"
    return (
        f"*stable* = the training loss stayed finite and {every} ended at ≥ "
        f"{STABLE_ACCURACY:.0%} test accuracy"
    )


def _seeds_note(result: SweepResult) -> str:
    n = len(result.seeds)
    if n == 1:
        return "One seed per cell: an anecdote, not a measurement."
    return f"{n} seeds per cell: enough to see a spread, not to measure it precisely."


def _progress(result: SweepResult) -> str:
    total = result.done.size
    return "" if result.complete else f"**{result.runs_done} of {total} runs done so far.** "


def verdict(result: SweepResult) -> str:
    """The headline sentence(s) about BN in this result."""
    head = _progress(result)
    if "bn" not in result.variants or "plain" not in result.variants:
        return head + findings.summary(result) + "."
    if result.sweep == "lr":
        return head + _lr_verdict(result)
    return head + _init_verdict(result)


def _lr(result: SweepResult, value: str | None) -> str:
    if value is None:
        return "none"
    top = result.values[findings.numeric_order(result)[-1]]
    return f"at least {value} (the largest tried)" if value == top else value


def _lr_verdict(result: SweepResult) -> str:
    bn, plain = findings.largest_stable(result, "bn"), findings.largest_stable(result, "plain")
    said = (
        f"Largest stable learning rate: **{_lr(result, plain)} {label('plain')}**, "
        f"**{_lr(result, bn)} {label('bn')}** ({stable_rule(result)})."
    )
    if bn is None and plain is None:
        return f"{said} In this run neither network is stable at any learning rate tried."
    if bn is None:
        return f"{said} **In this run BN does not allow a higher learning rate**: it is stable at none."
    if plain is None:
        return f"{said} With BN the network is stable up to LR {bn}; without BN at no LR tried."
    ratio = float(bn) / float(plain)
    if ratio > 1:
        return (
            f"{said} In this run BN allows a {ratio:g}× larger learning rate"
            + (" (or more: the grid ends there)" if _lr(result, bn) != bn else "")
            + ", as Ioffe & Szegedy (2015, §3.3) claim."
        )
    if ratio == 1:
        return (
            f"{said} **In this run BN does not allow a higher learning rate**: both are stable "
            f"up to the same LR."
        )
    return f"{said} **In this run BN does not allow a higher learning rate**: it is stable only up to a smaller one."


def _init_verdict(result: SweepResult) -> str:
    sweep = SWEEPS[result.sweep]
    ok = {v: findings.stable_values(result, v) for v in ("plain", "bn")}
    n = len(result.values)
    names = {v: ", ".join(sweep.label(x) for x in ok[v]) or "none" for v in ok}
    said = (
        f"Stable inits ({stable_rule(result)}): {label('plain')} {len(ok['plain'])} of {n} "
        f"({names['plain']}); {label('bn')} {len(ok['bn'])} of {n} ({names['bn']})."
    )
    only_bn, only_plain = set(ok["bn"]) - set(ok["plain"]), set(ok["plain"]) - set(ok["bn"])
    if only_bn and not only_plain:
        return (
            f"{said} In this run BN trains from every init the plain net trains from, and more: "
            "less care with initialization, as Ioffe & Szegedy (2015, §3.3) claim."
        )
    if not only_bn and not only_plain:
        return f"{said} **In this run BN does not train from more inits than the plain net.**"
    return (
        f"{said} **In this run BN is not more forgiving of the init**: the plain net is stable "
        f"where BN is not at {', '.join(sweep.label(x) for x in result.values if x in only_plain)}."
    )


def captions(result: SweepResult) -> dict[str, str]:
    """``{"heatmap": ..., "stability": ..., "steps": ...}`` for this result."""
    sweep = SWEEPS[result.sweep]
    return {
        "heatmap": (
            f"{_progress(result)}Each cell: the mean final test accuracy on MNIST's 10,000 test "
            f"digits (inference mode) after {result.total_steps:,} steps, over the runs that did "
            f"not diverge; ✗ counts runs whose training loss became non-finite; grey: every run "
            f"diverged. Framed: {stable_rule(result)}. {_chance(result)}{_seeds_note(result)}"
        ),
        "stability": (
            f"Filled: stable; open: finished without diverging but some seed below "
            f"{STABLE_ACCURACY:.0%}; ✗: a seed diverged. {_first_upper(findings.summary(result))}. "
            f"{_divergences(result)}"
        ),
        "steps": _steps_caption(result, sweep.label),
    }


def _first_upper(text: str) -> str:
    """``str.capitalize`` without lowering the rest ("BN" stays "BN")."""
    return text[:1].upper() + text[1:]


def _chance(result: SweepResult) -> str:
    """Cells that neither diverged nor learned: a saturated net stuck near chance."""
    sweep, parts = SWEEPS[result.sweep], []
    for row in findings.cells(result):
        stuck = [
            sweep.label(c.value) for c in row if c.runs and not c.diverged and c.mean < NEAR_CHANCE
        ]
        if stuck:
            parts.append(f"{label(row[0].variant)} at {', '.join(stuck)}")
    if not parts:
        return ""
    return (
        f"Near chance (mean below {NEAR_CHANCE:.0%}; chance is 10%) without a non-finite loss: "
        f"{'; '.join(parts)}: these runs did not blow up numerically, they stopped learning. "
    )


def _divergences(result: SweepResult) -> str:
    parts = []
    for v, variant in enumerate(result.variants):
        done = int(result.done[v].sum())
        parts.append(f"{int(result.diverged[v].sum())} of {done} {label(variant)}")
    return f"Runs whose loss became non-finite: {', '.join(parts)}."


def _steps_caption(result: SweepResult, name) -> str:
    parts = []
    for row in findings.cells(result):
        reached = [c for c in row if c.reached_90 and c.reached_90 == c.runs]
        if reached:
            best = min(reached, key=lambda c: c.steps_to_90)
            parts.append(
                f"{label(best.variant)} fastest at {name(best.value)} (step {best.steps_to_90:,.0f})"
            )
        else:
            parts.append(f"{label(row[0].variant)}: no cell where every seed reached it")
    every = int(result.steps[1] - result.steps[0]) if len(result.steps) > 1 else result.total_steps
    return (
        f"The first evaluation (every {every} steps, on {EVAL_SIZE:,} held-out test digits) at "
        f"which a run's test accuracy reached {REACH:.0%}, averaged over the seeds that reached "
        f"it within {result.total_steps:,} steps; 'never': none did. Among cells where every seed "
        f"reached it: {'; '.join(parts)}."
    )


def method_notes(result: SweepResult) -> list[str]:
    """How the sweep was made and measured, one bullet each."""
    sweep, meta = SWEEPS[result.sweep], result.meta
    wall = meta.get("wall_seconds")
    timing = (
        f"{result.done.size} runs took {wall:.0f} s of wall time on {meta.get('workers', '?')} "
        f"worker processes ({meta.get('run_seconds', math.nan):.0f} s of runs summed)."
        if wall is not None
        else f"{result.runs_done} runs took {meta.get('run_seconds', math.nan):.0f} s summed."
    )
    return [
        f"Fixed: {meta.get('summary', sweep.fixed())}; varied: {sweep.title.lower()} over "
        f"{', '.join(sweep.label(x) for x in result.values)}; seeds "
        f"{', '.join(map(str, result.seeds))}.",
        "Every run of a cell starts from the same weights for every variant (drawn from its "
        "seed) and sees the same mini-batches: within a seed, a difference between variants "
        "comes from the normalization alone.",
        f"Each run is {result.total_steps:,} steps of plain SGD (no momentum), batch 60, far "
        "shorter than the paper's 50,000: the sweep asks which settings train at all, and how fast.",
        "Final accuracy: all 10,000 test digits, inference mode (BN with its running averages). "
        f"Steps to {REACH:.0%}: {EVAL_SIZE:,} held-out test digits, evaluated every "
        f"{int(result.steps[1] - result.steps[0]) if len(result.steps) > 1 else 1} steps.",
        f"Divergence: a non-finite training loss, which stops the run. {timing}",
    ]
