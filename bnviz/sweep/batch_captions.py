"""The batch-size page's captions, written from a batch sweep's numbers (``batch_findings``); the
headline is :mod:`bnviz.sweep.batch_verdict`'s.

- :func:`captions`: one caption per figure (``"accuracy"``, ``"gap"``, ``"noise"``);
- :func:`method_notes`: how the sweep was made and measured.

Every number is computed from the result shown (shipped or live), never typed in. A partial result
(a live sweep in progress) says how many runs it has. Markdown strings in ``_``'s language; nothing
here imports streamlit or torch.
"""

from __future__ import annotations

import numpy as np

from bnviz.i18n import ENGLISH, Gettext
from bnviz.sweep import batch_findings as bf
from bnviz.sweep.batch_result import BatchResult
from bnviz.train.variants import VARIANTS


def variant_name(variant: str, _: Gettext) -> str:
    entry = VARIANTS.get(variant)
    return _(entry.label) if entry is not None else variant


def pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def progress_note(result: BatchResult, _: Gettext) -> str:
    if result.complete:
        return ""
    return _("**{done} of {total} runs done so far.** ").format(
        done=result.runs_done, total=result.done.size
    )


def seeds_note(result: BatchResult, _: Gettext = ENGLISH) -> str:
    n = len(result.seeds)
    if n == 1:
        return _("One seed per batch size: an anecdote, not a measurement.")
    return _(
        "{n} seeds per batch size: enough to see a spread, not to measure it precisely."
    ).format(n=n)


def captions(result: BatchResult, _: Gettext = ENGLISH) -> dict[str, str]:
    """``{"accuracy": ..., "gap": ..., "noise": ...}`` for this result."""
    return {"accuracy": _accuracy(result, _), "gap": _gap(result, _), "noise": _noise(result, _)}


def _accuracy(result: BatchResult, _: Gettext) -> str:
    text = _(
        "Test accuracy on MNIST's test digits after {examples:,} training examples, mean of the "
        "seeds (bars: lowest to highest seed). Solid: inference mode (BN with its running "
        "averages, each digit on its own). Dashed, BN only: training mode, the test digits cut "
        "into batches of m and each batch normalized with its own statistics. Layer norm, group "
        "norm and the plain net compute the same in both modes: one line each."
    ).format(examples=result.examples)
    if "bn" in result.variants:
        cells = [c for c in bf.row(result, "bn") if c.runs]
        if cells:
            small, large = cells[0], cells[-1]
            text += " " + _(
                "BN at m = {m}: {train} in training mode, {infer} in inference mode; at m = "
                "{big}: {big_train} and {big_infer}."
            ).format(
                m=small.m,
                train=pct(small.train.mean),
                infer=pct(small.infer.mean),
                big=large.m,
                big_train=pct(large.train.mean),
                big_infer=pct(large.infer.mean),
            )
    return progress_note(result, _) + text


def _gap(result: BatchResult, _: Gettext) -> str:
    text = _(
        "Training-mode minus inference-mode accuracy, in points. Above 0: the network does better "
        "with each batch's own statistics than with the running averages it uses at test time; "
        "below 0: the reverse."
    )
    if "bn" not in result.variants:
        return text
    cells = [c for c in bf.row(result, "bn") if np.isfinite(c.gap.mean)]
    if not cells:
        return text
    worst = max(cells, key=lambda c: abs(c.gap.mean))
    text += " " + _(
        "BN's largest mismatch is at m = {m}: {gap:+.1f} points (seeds {low:+.1f} to "
        "{high:+.1f}); at m = {big} it is {big_gap:+.1f}."
    ).format(
        m=worst.m,
        gap=100 * worst.gap.mean,
        low=100 * worst.gap.low,
        high=100 * worst.gap.high,
        big=cells[-1].m,
        big_gap=100 * cells[-1].gap.mean,
    )
    if worst.gap.mean < 0:
        text += " " + _(
            "At m = {m} inference mode is the better of the two: averaged over many batches, the "
            "running averages are steadier than one test batch's statistics."
        ).format(m=worst.m)
    elif worst.gap.mean > 0:
        text += " " + _(
            "At m = {m} training mode is the better of the two: the running averages are not the "
            "normalization the network learned to work with."
        ).format(m=worst.m)
    others = [
        variant_name(v, _) for v in result.variants if v != "bn" and not VARIANTS[v].running_stats
    ]
    if others:
        names = ", ".join(others)
        text += " " + _("{names}: 0 at every m, by construction.").format(
            names=names[:1].upper() + names[1:]
        )
    return text


def _noise(result: BatchResult, _: Gettext) -> str:
    text = _(
        "For each BN unit, how far each test batch's mean μ_B and (biased) variance σ²_B stray "
        "from the running averages the network uses at test time: the standard deviation over "
        "batches of (μ_B − running mean)/√(running var) and of σ²_B/(running var), averaged over "
        "the layer's units and the seeds. Dotted: the same for m independent draws from a "
        "Gaussian, 1/√m and √(2(m−1))/m."
    )
    if "bn" not in result.variants:
        return text
    r = bf.noise_ratio(result)
    ok = np.isfinite(r["mean"]) & np.isfinite(r["var"])
    if not ok.any():
        return text
    largest = int(r["m"][ok].max())
    batches = int(result.n_used[result.values.index(str(largest))]) // largest
    text += " " + _(
        "Layer 1, whose inputs are independent digits: measured over theory is {mean_lo:.2f} to "
        "{mean_hi:.2f} for the mean and {var_lo:.2f} to {var_hi:.2f} for the variance across the "
        "batch sizes (1: the theory exactly). The mean's law holds for independent draws of any "
        "distribution, the variance's only for a Gaussian: heavier tails make the variance "
        "noisier. At m = {m} there are only {batches} test batches, so the measured spread "
        "itself is uncertain by about {error:.0%}."
    ).format(
        mean_lo=float(r["mean"][ok].min()),
        mean_hi=float(r["mean"][ok].max()),
        var_lo=float(r["var"][ok].min()),
        var_hi=float(r["var"][ok].max()),
        m=largest,
        batches=batches,
        error=1 / np.sqrt(2 * max(batches - 1, 1)),
    )
    cells = [c for c in bf.row(result, "bn") if c.runs and np.isfinite(c.mean_noise).all()]
    if cells and cells[0].mean_noise.size > 1:
        small = cells[0]
        text += " " + _(
            "Deeper layers see a batch that the BN layers before them normalized together, so "
            "their examples are not independent: at m = {m}, layer 2's batch mean strays by "
            "{deep} against layer 1's {first:.2f}. (Layer 1's BN pins each batch's mean, so the "
            "next layer's batch means hardly move.)"
        ).format(m=small.m, deep=f"{small.mean_noise[1]:.2g}", first=small.mean_noise[0])
    return text


def method_notes(result: BatchResult, _: Gettext = ENGLISH) -> list[str]:
    """How the sweep was made and measured, one bullet each."""
    meta = result.meta
    m = result.batch_sizes
    steps = ", ".join(f"m = {k}: {int(s):,}" for k, s in zip(m, result.run_steps, strict=True))
    notes = [
        _("Fixed: {summary}; seeds {seeds}.").format(
            summary=meta.get("summary", ""), seeds=", ".join(map(str, result.seeds))
        ),
        _(
            "Every run sees the same {examples:,} training examples, so smaller batches take "
            "more steps ({steps}); the learning rate grows with the batch, 0.5 × m / 60 (0.5 at "
            "the paper's 60), so that plain SGD treats every batch size alike (the linear "
            "scaling rule) and what changes with m is how noisy each batch's statistics are."
        ).format(examples=result.examples, steps=steps),
        _(
            "Every variant of a seed starts from the same weights and sees the same mini-batches; "
            "the test digits are shuffled once per seed and cut into batches of m (the leftover "
            "digits, fewer than m, are left out; both modes see the same digits)."
        ),
    ]
    if meta.get("wall_seconds") is not None:
        notes.append(
            _("{runs} runs took {wall:.0f} s of wall time on {workers} worker processes.").format(
                runs=result.done.size, wall=meta["wall_seconds"], workers=meta.get("workers", "?")
            )
        )
    return notes
