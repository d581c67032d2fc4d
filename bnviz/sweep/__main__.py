"""``python -m bnviz.sweep``: a learning-rate, init or batch-size sweep of the paper's net, with a CSV and a verdict.

    python -m bnviz.sweep lr|init [--steps 3000] [--seeds 3] [--variants plain,bn]
                                  [--values 0.1,1,10] [--workers N] [--csv out.csv]
                                  [--png out.png] [--ship]
    python -m bnviz.sweep batch [--examples 60000] [--variants plain,bn,ln,gn] [--values 2,16,60] ...

The batch sweep runs each batch size ``m`` for the same number of training examples
(``examples // m`` steps, learning rate ``0.5 · m / 60``; ``bnviz.sweep.grid``) and measures both
modes' test accuracy and the noise of BN's batch statistics (``bnviz.sweep.batch_measure``).

Trains every (variant, grid value, seed) as an independent short run of the paper's net on MNIST,
spread over ``--workers`` processes (default: one per core), with a progress bar over the runs on
stderr; prints each cell and the verdict ("largest stable LR: ..."), and writes the CSV of every
run (``--csv``), the heatmaps as a PNG (``--png``, needs Chromium) and, with ``--ship``, the page's
precomputed result ``bnviz/data/sweep_<lr|init|batch>.npz``.

``--lang ko|en`` sets the language of the printed lines and of the PNG (default: Korean when the
locale, ``LC_ALL`` or ``LANG``, starts with ``ko``; else English); the help stays English.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bnviz.figure1.progress import run_with_bar
from bnviz.i18n import ENGLISH, LANGUAGES, Gettext, environment_language, error_text, translator
from bnviz.sweep import batch_findings, findings
from bnviz.sweep.batch_measure import mean_noise_theory, var_noise_theory
from bnviz.sweep.batch_result import BatchResult
from bnviz.sweep.grid import DEFAULT_EXAMPLES, DEFAULT_SEEDS, DEFAULT_STEPS, SWEEPS, make_grid
from bnviz.sweep.pool import PoolSweep, default_workers
from bnviz.sweep.result import SweepResult, result_path
from bnviz.train.variants import TWINS

BATCH_VARIANTS = ("plain", "bn", "ln", "gn")  # plain: the reference without normalization


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bnviz.sweep",
        description="Learning-rate, init or batch-size sweep of the paper's net, with and without "
        "normalization.",
    )
    parser.add_argument("sweep", choices=list(SWEEPS), help="what to vary")
    parser.add_argument(
        "--steps", type=int, default=DEFAULT_STEPS, help=f"steps per run ({DEFAULT_STEPS})"
    )
    parser.add_argument(
        "--seeds", type=int, default=DEFAULT_SEEDS, help=f"runs per cell ({DEFAULT_SEEDS})"
    )
    parser.add_argument("--first-seed", type=int, default=0, help="the others follow it (0)")
    parser.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        help=f"batch sweep: training examples per run ({DEFAULT_EXAMPLES:,}); --steps is ignored",
    )
    parser.add_argument(
        "--variants",
        default=None,
        help=f"comma-separated variant names ({','.join(TWINS)}; batch: {','.join(BATCH_VARIANTS)})",
    )
    parser.add_argument("--values", default=None, help="comma-separated grid values (the sweep's)")
    parser.add_argument(
        "--workers", type=int, default=None, help=f"processes ({default_workers()}: one per core)"
    )
    parser.add_argument("--dataset", default="mnist", help=argparse.SUPPRESS)  # tests: blobs
    parser.add_argument("--csv", type=Path, default=None, help="write every run to this CSV")
    parser.add_argument("--png", type=Path, default=None, help="write the heatmaps to this PNG")
    parser.add_argument(
        "--ship", action="store_true", help="also write bnviz/data/sweep_<sweep>.npz (the page's)"
    )
    parser.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=environment_language(),
        help="language of the lines and the PNG (default: ko if LC_ALL/LANG starts with ko, else en)",
    )
    args = parser.parse_args(argv)
    _ = translator(args.lang)
    try:
        default_variants = BATCH_VARIANTS if args.sweep == "batch" else TWINS
        grid = make_grid(
            args.sweep,
            args.variants or default_variants,
            args.values,
            args.seeds,
            args.steps,
            args.first_seed,
            args.dataset,
            args.examples,
        )
        sweep = PoolSweep(grid, args.workers)
    except ValueError as exc:
        parser.error(error_text(exc, _))
    from bnviz.figure1.export import provenance  # git and versions only when writing files

    length = (
        _("{examples:,} examples ({steps:,} steps in all)").format(
            examples=grid.examples, steps=grid.total_steps
        )
        if grid.sweep == "batch"
        else _("{steps:,} steps").format(steps=grid.steps)
    )
    print(
        _(
            "{sweep} sweep: {variants} variants x {values} values x {seeds} seeds = {runs} runs of "
            "{length} on {workers} workers · {fixed}"
        ).format(
            sweep=args.sweep,
            variants=len(grid.variants),
            values=len(grid.values),
            seeds=len(grid.seeds),
            runs=grid.runs,
            length=length,
            workers=sweep.workers,
            fixed=SWEEPS[args.sweep].fixed(grid.dataset, _),
        ),
        file=sys.stderr,
    )
    result, wall, cpu = run_with_bar(sweep, _=_)
    made = provenance(argv)
    made["command"] = " ".join(["python -m bnviz.sweep", *(sys.argv[1:] if argv is None else argv)])
    result = result.with_meta(
        wall_seconds=round(wall, 2),
        workers=sweep.workers,
        # the workers' CPU, not this waiting process's: the sum of the runs' own times
        cpu_seconds=round(sweep.run_seconds + cpu, 2),
        **made,
    )
    print(
        _(
            "done in {wall:.1f} s wall; the runs took {summed:.1f} s summed over {workers} workers "
            "({busy:.2f} workers busy on average)"
        ).format(
            wall=wall,
            summed=sweep.run_seconds,
            workers=sweep.workers,
            busy=sweep.run_seconds / wall,
        ),
        file=sys.stderr,
    )
    print(report(result, _), file=sys.stderr)
    written = []
    if args.csv:
        written.append(result.to_csv(args.csv))
    if args.png:
        from bnviz.sweep.plots import write_png  # the batch sweep's figures too

        try:
            written.append(write_png(result, args.png, _))
        except RuntimeError as exc:
            print(_("PNG skipped: {error}").format(error=exc), file=sys.stderr)
    if args.ship:
        written.append(result.save(result_path(args.sweep)))
    for path in written:
        print(_("wrote {path}").format(path=path), file=sys.stderr)
    return 0


def report(result: SweepResult | BatchResult, _: Gettext = ENGLISH) -> str:
    """Each cell in one line (mean final accuracy, divergences, steps to 90%), then the verdict,
    in ``_``'s language."""
    if isinstance(result, BatchResult):
        return batch_report(result, _)
    lines = []
    sweep = SWEEPS[result.sweep]
    for row in findings.cells(result):
        for c in row:
            acc = "n/a" if c.mean != c.mean else f"{c.mean:.4f} ({c.low:.4f}-{c.high:.4f})"
            line = _(
                "accuracy {acc} · diverged {diverged}/{runs} · 90% at {reach} ({reached}/{runs})"
            ).format(
                acc=acc,
                diverged=c.diverged,
                runs=c.runs,
                reach=f"{c.steps_to_90:,.0f}" if c.reached_90 else _("never"),
                reached=c.reached_90,
            )
            stable = " · " + _("stable") if c.stable else ""
            lines.append(f"  {c.variant:>8} {sweep.label(c.value, _):>12}: {line}{stable}")
    return "\n".join([*lines, findings.summary(result, _)])


def batch_report(result: BatchResult, _: Gettext = ENGLISH) -> str:
    """Each (variant, batch size) in one line: both modes' mean accuracy, the gap, BN's noise."""
    lines = []
    for cells in batch_findings.cells(result):
        for c in cells:
            noise = (
                " · "
                + _(
                    "noise of mu_B {mean:.3f} (1/sqrt(m) {mean_theory:.3f}), of var_B {var:.3f} "
                    "(Gaussian {var_theory:.3f}), layer 1"
                ).format(
                    mean=c.mean_noise[0],
                    mean_theory=mean_noise_theory(c.m),
                    var=c.var_noise[0],
                    var_theory=var_noise_theory(c.m),
                )
                if np.isfinite(c.mean_noise[0])
                else ""
            )
            line = _(
                "train mode {train:.4f}, inference {infer:.4f}, gap {gap:+.4f} ({runs} runs, "
                "{diverged} diverged)"
            ).format(
                train=c.train.mean,
                infer=c.infer.mean,
                gap=c.gap.mean,
                runs=c.runs,
                diverged=c.diverged,
            )
            lines.append(f"  {c.variant:>5} m={c.m:<4}: {line}{noise}")
    for variant in result.variants:
        r = batch_findings.accuracy_range(result, variant)
        if r is not None:
            flat = " · " + _("flat") if r.flat else ""
            text = _("inference accuracy {low:.4f} (m={low_m}) to {high:.4f} (m={high_m})").format(
                low=r.low, low_m=r.low_m, high=r.high, high_m=r.high_m
            )
            lines.append(f"  {variant}: {text}{flat}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
