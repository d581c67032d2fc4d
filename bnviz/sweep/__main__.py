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
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bnviz.figure1.progress import run_with_bar
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
    args = parser.parse_args(argv)
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
        parser.error(str(exc))
    from bnviz.figure1.export import provenance  # git and versions only when writing files

    length = (
        f"{grid.examples:,} examples ({grid.total_steps:,} steps in all)"
        if grid.sweep == "batch"
        else f"{grid.steps:,} steps"
    )
    print(
        f"{args.sweep} sweep: {len(grid.variants)} variants x {len(grid.values)} values x "
        f"{len(grid.seeds)} seeds = {grid.runs} runs of {length} on "
        f"{sweep.workers} workers · {SWEEPS[args.sweep].fixed(grid.dataset)}",
        file=sys.stderr,
    )
    result, wall, cpu = run_with_bar(sweep)
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
        f"done in {wall:.1f} s wall; the runs took {sweep.run_seconds:.1f} s summed over "
        f"{sweep.workers} workers ({sweep.run_seconds / wall:.2f} workers busy on average)",
        file=sys.stderr,
    )
    print(report(result), file=sys.stderr)
    written = []
    if args.csv:
        written.append(result.to_csv(args.csv))
    if args.png:
        from bnviz.sweep.plots import write_png  # the batch sweep's figures too

        try:
            written.append(write_png(result, args.png))
        except RuntimeError as exc:
            print(f"PNG skipped: {exc}", file=sys.stderr)
    if args.ship:
        written.append(result.save(result_path(args.sweep)))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def report(result: SweepResult | BatchResult) -> str:
    """Each cell in one line (mean final accuracy, divergences, steps to 90%), then the verdict."""
    if isinstance(result, BatchResult):
        return batch_report(result)
    lines = []
    sweep = SWEEPS[result.sweep]
    for row in findings.cells(result):
        for c in row:
            acc = "n/a" if c.mean != c.mean else f"{c.mean:.4f} ({c.low:.4f}-{c.high:.4f})"
            reach = f"{c.steps_to_90:,.0f}" if c.reached_90 else "never"
            lines.append(
                f"  {c.variant:>8} {sweep.label(c.value):>12}: accuracy {acc} · diverged "
                f"{c.diverged}/{c.runs} · 90% at {reach} ({c.reached_90}/{c.runs})"
                f"{' · stable' if c.stable else ''}"
            )
    return "\n".join([*lines, findings.summary(result)])


def batch_report(result: BatchResult) -> str:
    """Each (variant, batch size) in one line: both modes' mean accuracy, the gap, BN's noise."""
    lines = []
    for cells in batch_findings.cells(result):
        for c in cells:
            noise = (
                f" · noise of mu_B {c.mean_noise[0]:.3f} (1/sqrt(m) {mean_noise_theory(c.m):.3f}), "
                f"of var_B {c.var_noise[0]:.3f} (Gaussian {var_noise_theory(c.m):.3f}), layer 1"
                if np.isfinite(c.mean_noise[0])
                else ""
            )
            lines.append(
                f"  {c.variant:>5} m={c.m:<4}: train mode {c.train.mean:.4f}, inference "
                f"{c.infer.mean:.4f}, gap {c.gap.mean:+.4f} ({c.runs} runs, {c.diverged} diverged)"
                + noise
            )
    for variant in result.variants:
        r = batch_findings.accuracy_range(result, variant)
        if r is not None:
            lines.append(
                f"  {variant}: inference accuracy {r.low:.4f} (m={r.low_m}) to {r.high:.4f} "
                f"(m={r.high_m}){' · flat' if r.flat else ''}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
