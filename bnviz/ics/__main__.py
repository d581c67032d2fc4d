"""``python -m bnviz.ics``: reproduce the three experiments of Santurkar et al. (2018) and write files.

    python -m bnviz.ics [--steps 10000] [--out out/ics] [--seed 0] [--measure-every N] [--ship]

Trains plain, bn and noisy_bn on the paper's net with :class:`bnviz.ics.job.ICSJob`, measuring
gradient change and smoothness along the way, shows a progress bar on stderr, and writes the CSVs,
``.npz``, HTML and (with Chromium) PNGs into ``--out``; ``--ship`` also replaces the page's
precomputed result, ``bnviz/data/ics.npz``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bnviz.figure1.progress import add_output_arguments, run_with_bar
from bnviz.ics.job import ICSJob, default_measure_every, ics_config
from bnviz.ics.result import RESULT_PATH, ICSResult
from bnviz.train.experiment import configure_torch_threads

DEFAULT_STEPS = 10_000  # well past the plain net's initial plateau; ~76 CPU-seconds on 2 cores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bnviz.ics",
        description="Santurkar et al. (2018) on the embedded MNIST: noisy BN, ICS as gradient "
        "change, loss-landscape smoothness.",
    )
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help="training steps (10000)")
    parser.add_argument("--out", type=Path, default=Path("out/ics"), help="output directory")
    parser.add_argument("--seed", type=int, default=0, help="weights, batches, probe, noise (0)")
    parser.add_argument(
        "--measure-every", type=int, default=None, help="steps between measurements (steps/200)"
    )
    add_output_arguments(parser, RESULT_PATH)
    args = parser.parse_args(argv)
    from bnviz.figure1.export import provenance  # plotly, git and versions only when writing files
    from bnviz.ics import export

    configure_torch_threads(1)  # one per variant: the three already share the cores
    cfg = ics_config(args.steps, seed=args.seed)
    every = args.measure_every or default_measure_every(args.steps)
    job = ICSJob(args.steps, cfg, measure_every=every)
    print(
        f"ICS: {args.steps:,} steps x 3 variants, measuring every {every:,} · {cfg.summary()}",
        file=sys.stderr,
    )
    result, wall, cpu = run_with_bar(job)
    made = provenance(argv)
    made["command"] = " ".join(["python -m bnviz.ics", *(sys.argv[1:] if argv is None else argv)])
    result = result.with_meta(wall_seconds=round(wall, 2), cpu_seconds=round(cpu, 2), **made)
    print(
        f"done in {wall:.1f} s wall, {cpu:.1f} s CPU ({job.measure_seconds:.1f} s measuring, "
        f"{job.setup_seconds:.1f} s setup)",
        file=sys.stderr,
    )
    print(report(result), file=sys.stderr)
    written = export.write_all(result, args.out, png=not args.no_png)
    if args.ship:
        written.append(result.save(RESULT_PATH))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def report(result: ICSResult) -> str:
    """The run's key numbers, one line per variant (medians over the measurements)."""
    last = result.layers[-1]
    lines = []
    for v in result.variants:
        lines.append(
            f"  {v:>8}: accuracy {result.final_accuracy(v):.4f} · band range "
            f"{result.band_range(v):.2f}, jump {result.band_jump(v):.2f} · layer {last + 1} "
            f"‖G−G′‖/‖G‖ {result.median('relative_grad_diff', v, last):.3f}, cos "
            f"{result.median('grad_cos', v, last):.3f} · loss variation "
            f"{result.median('loss_variation', v):.3f}, β {result.median('beta', v):.2f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
