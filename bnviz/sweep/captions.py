"""The words on the sweeps page, written from a result's numbers (``bnviz.sweep.findings``).

- :func:`verdict`: the headline: does batch norm reach higher stable learning rates (``lr``), or
  train from more inits (``init``), *in this run*? When it does not, it says so plainly;
- :func:`captions`: one caption per figure (``"heatmap"``, ``"stability"``, ``"steps"``);
- :func:`method_notes`: how the sweep was made and measured.

Every number is computed from the result shown (shipped or live), never typed in. A partial result
(a live sweep in progress) says how many runs it has. Markdown strings in the language of the
translator ``_`` each function takes (English by default; ``bnviz.i18n``); nothing here imports
streamlit or torch.
"""

from __future__ import annotations

import math

from bnviz.i18n import ENGLISH, Gettext
from bnviz.sweep import findings
from bnviz.sweep.findings import STABLE_ACCURACY, label
from bnviz.sweep.grid import EVAL_SIZE, SWEEPS
from bnviz.sweep.result import REACH, SweepResult

NEAR_CHANCE = 0.2  # a mean accuracy below this (chance: 10%) is "near chance"


def stable_rule(result: SweepResult, _: Gettext = ENGLISH) -> str:
    bar = f"{STABLE_ACCURACY:.0%}"
    if len(result.seeds) > 1:
        return _(
            "*stable* = the training loss stayed finite and each of its {seeds} seeds ended at ≥ "
            "{bar} test accuracy"
        ).format(seeds=len(result.seeds), bar=bar)
    return _(
        "*stable* = the training loss stayed finite and its one seed ended at ≥ {bar} test accuracy"
    ).format(bar=bar)


def _seeds_note(result: SweepResult, _: Gettext) -> str:
    n = len(result.seeds)
    if n == 1:
        return _("One seed per cell: an anecdote, not a measurement.")
    return _("{seeds} seeds per cell: enough to see a spread, not to measure it precisely.").format(
        seeds=n
    )


def _progress(result: SweepResult, _: Gettext) -> str:
    if result.complete:
        return ""
    done = _("**{done} of {total} runs done so far.**").format(
        done=result.runs_done, total=result.done.size
    )
    return done + " "


def verdict(result: SweepResult, _: Gettext = ENGLISH) -> str:
    """The headline sentence(s) about BN in this result."""
    head = _progress(result, _)
    if "bn" not in result.variants or "plain" not in result.variants:
        return head + findings.summary(result, _) + "."
    if result.sweep == "lr":
        return head + _lr_verdict(result, _)
    return head + _init_verdict(result, _)


def _lr(result: SweepResult, value: str | None, _: Gettext) -> str:
    if value is None:
        return _("none")
    top = result.values[findings.numeric_order(result)[-1]]
    return _("at least {value} (the largest tried)").format(value=value) if value == top else value


def _lr_verdict(result: SweepResult, _: Gettext) -> str:
    bn, plain = findings.largest_stable(result, "bn"), findings.largest_stable(result, "plain")
    said = _(
        "Largest stable learning rate: **{plain} {plain_label}**, **{bn} {bn_label}** ({rule})."
    ).format(
        plain=_lr(result, plain, _),
        plain_label=label("plain", _),
        bn=_lr(result, bn, _),
        bn_label=label("bn", _),
        rule=stable_rule(result, _),
    )
    not_higher = _("**In this run BN does not allow a higher learning rate**")
    if bn is None and plain is None:
        then = _("In this run neither network is stable at any learning rate tried.")
    elif bn is None:
        then = _("{not_higher}: it is stable at none.").format(not_higher=not_higher)
    elif plain is None:
        then = _("With BN the network is stable up to LR {bn}; without BN at no LR tried.").format(
            bn=bn
        )
    elif (ratio := float(bn) / float(plain)) > 1:
        then = (
            _(
                "In this run BN allows a {ratio:g}× larger learning rate (or more: the grid ends "
                "there), as Ioffe & Szegedy (2015, §3.3) claim."
            )
            if _lr(result, bn, ENGLISH) != bn
            else _(
                "In this run BN allows a {ratio:g}× larger learning rate, as Ioffe & Szegedy "
                "(2015, §3.3) claim."
            )
        ).format(ratio=ratio)
    elif ratio == 1:
        then = _("{not_higher}: both are stable up to the same LR.").format(not_higher=not_higher)
    else:
        then = _("{not_higher}: it is stable only up to a smaller one.").format(
            not_higher=not_higher
        )
    return f"{said} {then}"


def _init_verdict(result: SweepResult, _: Gettext) -> str:
    sweep = SWEEPS[result.sweep]
    ok = {v: findings.stable_values(result, v) for v in ("plain", "bn")}
    names = {v: ", ".join(sweep.label(x, _) for x in ok[v]) or _("none") for v in ok}
    said = _(
        "Stable inits ({rule}): {plain_label} {plain} of {n} ({plain_names}); {bn_label} {bn} of "
        "{n} ({bn_names})."
    ).format(
        rule=stable_rule(result, _),
        plain_label=label("plain", _),
        plain=len(ok["plain"]),
        plain_names=names["plain"],
        bn_label=label("bn", _),
        bn=len(ok["bn"]),
        bn_names=names["bn"],
        n=len(result.values),
    )
    only_bn, only_plain = set(ok["bn"]) - set(ok["plain"]), set(ok["plain"]) - set(ok["bn"])
    if only_bn and not only_plain:
        then = _(
            "In this run BN trains from every init the plain net trains from, and more: less "
            "care with initialization, as Ioffe & Szegedy (2015, §3.3) claim."
        )
    elif not only_bn and not only_plain:
        then = _("**In this run BN does not train from more inits than the plain net.**")
    else:
        then = _(
            "**In this run BN is not more forgiving of the init**: the plain net is stable where "
            "BN is not at {values}."
        ).format(values=", ".join(sweep.label(x, _) for x in result.values if x in only_plain))
    return f"{said} {then}"


def captions(result: SweepResult, _: Gettext = ENGLISH) -> dict[str, str]:
    """``{"heatmap": ..., "stability": ..., "steps": ...}`` for this result."""
    sweep = SWEEPS[result.sweep]
    heatmap = _(
        "Each cell: the mean final test accuracy on MNIST's 10,000 test digits (inference mode) "
        "after {steps:,} steps, over the runs that did not diverge; ✗ counts runs whose training "
        "loss became non-finite; grey: every run diverged. Framed: {rule}."
    ).format(steps=result.total_steps, rule=stable_rule(result, _))
    stability = _(
        "Filled: stable; open: finished without diverging but some seed below {bar}; ✗: a seed "
        "diverged."
    ).format(bar=f"{STABLE_ACCURACY:.0%}")
    return {
        "heatmap": " ".join(
            p
            for p in [_progress(result, _) + heatmap, _chance(result, _), _seeds_note(result, _)]
            if p
        ),
        "stability": " ".join(
            [stability, _first_upper(findings.summary(result, _)) + ".", _divergences(result, _)]
        ),
        "steps": _steps_caption(result, sweep.label, _),
    }


def _first_upper(text: str) -> str:
    """``str.capitalize`` without lowering the rest ("BN" stays "BN")."""
    return text[:1].upper() + text[1:]


def _chance(result: SweepResult, _: Gettext) -> str:
    """Cells that neither diverged nor learned: a saturated net stuck near chance."""
    sweep, parts = SWEEPS[result.sweep], []
    for row in findings.cells(result):
        stuck = [
            sweep.label(c.value, _)
            for c in row
            if c.runs and not c.diverged and c.mean < NEAR_CHANCE
        ]
        if stuck:
            parts.append(
                _("{label} at {values}").format(
                    label=label(row[0].variant, _), values=", ".join(stuck)
                )
            )
    if not parts:
        return ""
    return _(
        "Near chance (mean below {level}; chance is 10%) without a non-finite loss: {cells}: these "
        "runs did not blow up numerically, they stopped learning."
    ).format(level=f"{NEAR_CHANCE:.0%}", cells="; ".join(parts))


def _divergences(result: SweepResult, _: Gettext) -> str:
    parts = [
        _("{diverged} of {done} {label}").format(
            diverged=int(result.diverged[v].sum()),
            done=int(result.done[v].sum()),
            label=label(variant, _),
        )
        for v, variant in enumerate(result.variants)
    ]
    return _("Runs whose loss became non-finite: {parts}.").format(parts=", ".join(parts))


def _every(result: SweepResult) -> int:
    """Steps between the evaluations of a run."""
    return int(result.steps[1] - result.steps[0]) if len(result.steps) > 1 else result.total_steps


def _steps_caption(result: SweepResult, name, _: Gettext) -> str:
    parts = []
    for row in findings.cells(result):
        reached = [c for c in row if c.reached_90 and c.reached_90 == c.runs]
        if reached:
            best = min(reached, key=lambda c: c.steps_to_90)
            parts.append(
                _("{label} fastest at {value} (step {step:,.0f})").format(
                    label=label(best.variant, _), value=name(best.value, _), step=best.steps_to_90
                )
            )
        else:
            parts.append(
                _("{label}: no cell where every seed reached it").format(
                    label=label(row[0].variant, _)
                )
            )
    return _(
        "The first evaluation (every {every} steps, on {eval_size:,} held-out test digits) at "
        "which a run's test accuracy reached {reach}, averaged over the seeds that reached it "
        "within {steps:,} steps; 'never': none did. Among cells where every seed reached it: "
        "{parts}."
    ).format(
        every=_every(result),
        eval_size=EVAL_SIZE,
        reach=f"{REACH:.0%}",
        steps=result.total_steps,
        parts="; ".join(parts),
    )


def method_notes(result: SweepResult, _: Gettext = ENGLISH) -> list[str]:
    """How the sweep was made and measured, one bullet each."""
    sweep, meta = SWEEPS[result.sweep], result.meta
    wall, summed = meta.get("wall_seconds"), meta.get("run_seconds", math.nan)
    timing = (
        _(
            "{runs} runs took {wall:.0f} s of wall time on {workers} worker processes ({summed:.0f} "
            "s of runs summed)."
        ).format(runs=result.done.size, wall=wall, workers=meta.get("workers", "?"), summed=summed)
        if wall is not None
        else _("{runs} runs took {summed:.0f} s summed.").format(
            runs=result.runs_done, summed=summed
        )
    )
    # English: the line the result was made with; another language rebuilds it (a test checks
    # that the shipped results' lines are what fixed() builds).
    dataset, title = meta.get("dataset", "mnist"), _(sweep.title)
    fixed = meta.get("summary") if _ is ENGLISH else None
    fixed = fixed or sweep.fixed(dataset, _, code=_ is not ENGLISH)
    return [
        _("Fixed: {fixed}; varied: {title} over {values}; seeds {seeds}.").format(
            fixed=fixed,
            title=title[:1].lower() + title[1:],  # "learning rate (plain SGD)"
            values=", ".join(sweep.label(x, _) for x in result.values),
            seeds=", ".join(map(str, result.seeds)),
        ),
        _(
            "Every run of a cell starts from the same weights for every variant (drawn from its "
            "seed) and sees the same mini-batches: within a seed, a difference between variants "
            "comes from the normalization alone."
        ),
        _(
            "Each run is {steps:,} steps of plain SGD (no momentum), batch 60, far shorter than "
            "the paper's 50,000: the sweep asks which settings train at all, and how fast."
        ).format(steps=result.total_steps),
        _(
            "Final accuracy: all 10,000 test digits, inference mode (BN with its running "
            "averages). Steps to {reach}: {eval_size:,} held-out test digits, evaluated every "
            "{every} steps."
        ).format(
            reach=f"{REACH:.0%}",
            eval_size=EVAL_SIZE,
            every=int(result.steps[1] - result.steps[0]) if len(result.steps) > 1 else 1,
        ),
        _("Divergence: a non-finite training loss, which stops the run. {timing}").format(
            timing=timing
        ),
    ]
