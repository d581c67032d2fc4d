"""``python -m bnviz.figure1``: reproduce Figure 1 of Ioffe & Szegedy (2015) and write its files.

    python -m bnviz.figure1 [--steps 50000] [--seeds 3] [--first-seed 0] [--binary]
                            [--out out/figure1] [--ship] [--lang ko|en]

Trains the paper's twins once per seed (seeds ``first_seed, first_seed + 1, ...``, one after
another: each seed's twins already use both cores) with :class:`bnviz.figure1.job.MultiSeedJob`,
shows one progress bar over all of them on stderr, and writes the CSV, ``.npz``, HTML and (with
Chromium) PNG of the three panels into ``--out``; ``--ship`` also replaces the page's precomputed
result, ``bnviz/data/figure1.npz``. ``--binary`` trains on binary digits, as the paper did.
``--lang`` sets the language of the lines and the figure (default: the locale's, Korean or English).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bnviz.figure1 import findings
from bnviz.figure1.job import PAPER_STEPS, SEEDS, MultiSeedJob, paper_config
from bnviz.figure1.progress import add_output_arguments, run_with_bar
from bnviz.figure1.result import RESULT_PATH
from bnviz.i18n import N_, translator
from bnviz.train.experiment import configure_torch_threads
from bnviz.train.variants import TWINS

# findings.Accuracy.verdict -> how the summary line says it.
VERDICTS = {
    "bn ahead": N_("BN ahead"),
    "plain ahead": N_("without BN ahead"),
    "within noise": N_("within noise"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bnviz.figure1",
        description="Reproduce Ioffe & Szegedy (2015) Fig. 1 on the embedded MNIST.",
    )
    parser.add_argument("--steps", type=int, default=PAPER_STEPS, help="training steps (50000)")
    parser.add_argument("--out", type=Path, default=Path("out/figure1"), help="output directory")
    parser.add_argument("--seeds", type=int, default=SEEDS, help=f"runs, one per seed ({SEEDS})")
    parser.add_argument(
        "--first-seed", type=int, default=0, help="the first seed; the others follow it (0)"
    )
    parser.add_argument(
        "--binary", action="store_true", help="binary pixels, as in the paper (mnist-binary)"
    )
    parser.add_argument("--serial", action="store_true", help="train the twins one after another")
    add_output_arguments(parser, RESULT_PATH)
    args = parser.parse_args(argv)
    if not 1 <= args.seeds <= 100:
        parser.error(f"--seeds must be between 1 and 100, got {args.seeds}")
    from bnviz.figure1 import export  # plotly and the browser only when writing files

    _ = translator(args.lang)

    configure_torch_threads(1)  # one per twin: the twins already use both cores
    data = {"dataset": "mnist-binary"} if args.binary else {}
    cfg = paper_config(args.steps, seed=args.first_seed, **data)
    seeds = tuple(range(args.first_seed, args.first_seed + args.seeds))
    job = MultiSeedJob(args.steps, seeds, cfg, parallel=not args.serial)
    print(
        _("Figure 1: {steps:,} steps x 2 twins x {seeds} seeds · {config}").format(
            steps=args.steps, seeds=len(seeds), config=cfg.summary()
        ),
        file=sys.stderr,
    )
    result, wall, cpu = run_with_bar(job, _)
    result = result.with_meta(
        wall_seconds=round(wall, 2), cpu_seconds=round(cpu, 2), **export.provenance(argv)
    )
    print(
        _(
            "done in {wall:.1f} s wall, {cpu:.1f} s CPU ({setup:.1f} s setup, {rate:,.0f} "
            "lockstep steps/s)"
        ).format(wall=wall, cpu=cpu, setup=job.setup_seconds, rate=job.steps_per_second),
        file=sys.stderr,
    )
    twin_line = _(
        "  {twin:>5}: final test accuracy {accuracy:.4f} (seeds: {each}); seed {seed}'s typical "
        "unit: 15-85 band {start:.2f} -> {end:.2f} wide"
    )
    for twin in TWINS:
        band = result.band_width(twin)
        print(
            twin_line.format(
                twin=twin,
                accuracy=result.final_accuracy(twin),
                each=", ".join(f"{a:.4f}" for a in result.final_accuracies(twin)),
                seed=result.shown_seed,
                start=band[0],
                end=band[-1],
            ),
            file=sys.stderr,
        )
    gap = findings.accuracy(result)
    print(
        _(
            "  bn - plain: {gap:+.2f} points (seeds {lo:+.2f} to {hi:+.2f}; test-set noise "
            "±{noise:.2f}): {verdict}"
        ).format(
            gap=100 * gap.gap,
            lo=100 * gap.gap_lo,
            hi=100 * gap.gap_hi,
            noise=100 * gap.noise,
            verdict=_(VERDICTS[gap.verdict]),
        ),
        file=sys.stderr,
    )
    written = export.write_all(result, args.out, png=not args.no_png, _=_)
    if args.ship:
        result.save(RESULT_PATH)
        written.append(RESULT_PATH)
    for path in written:
        print(_("wrote {path}").format(path=path), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
