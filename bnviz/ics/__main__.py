"""``python -m bnviz.ics``: reproduce the three experiments of Santurkar et al. (2018) and write files.

    python -m bnviz.ics [--steps 10000] [--out out/ics] [--seed 0] [--measure-every N] [--ship]
                        [--lang ko|en]

Trains plain, bn and noisy_bn on the paper's net with :class:`bnviz.ics.job.ICSJob`, measuring
gradient change and smoothness along the way, shows a progress bar on stderr, and writes the CSVs,
``.npz``, HTML and (with Chromium) PNGs into ``--out``; ``--ship`` also replaces the page's
precomputed result, ``bnviz/data/ics.npz``. ``--lang`` sets the language of the lines and the
figures (default: the locale's, Korean or English).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bnviz.figure1.progress import add_output_arguments, run_with_bar
from bnviz.i18n import ENGLISH, Gettext, translator
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

    _ = translator(args.lang)
    configure_torch_threads(1)  # one per variant: the three already share the cores
    cfg = ics_config(args.steps, seed=args.seed)
    every = args.measure_every or default_measure_every(args.steps)
    job = ICSJob(args.steps, cfg, measure_every=every)
    print(
        _("ICS: {steps:,} steps x 3 variants, measuring every {every:,} · {config}").format(
            steps=args.steps, every=every, config=cfg.summary()
        ),
        file=sys.stderr,
    )
    result, wall, cpu = run_with_bar(job, _)
    made = provenance(argv)
    made["command"] = " ".join(["python -m bnviz.ics", *(sys.argv[1:] if argv is None else argv)])
    result = result.with_meta(wall_seconds=round(wall, 2), cpu_seconds=round(cpu, 2), **made)
    print(
        _(
            "done in {wall:.1f} s wall, {cpu:.1f} s CPU ({measuring:.1f} s measuring, "
            "{setup:.1f} s setup)"
        ).format(wall=wall, cpu=cpu, measuring=job.measure_seconds, setup=job.setup_seconds),
        file=sys.stderr,
    )
    print(report(result, _), file=sys.stderr)
    written = export.write_all(result, args.out, png=not args.no_png, _=_)
    if args.ship:
        written.append(result.save(RESULT_PATH))
    for path in written:
        print(_("wrote {path}").format(path=path), file=sys.stderr)
    return 0


def report(result: ICSResult, _: Gettext = ENGLISH) -> str:
    """The run's key numbers, one line per variant (medians over the measurements)."""
    last = result.layers[-1]
    line = _(
        "  {variant:>8}: accuracy {accuracy:.4f} · band range {band_range:.2f}, jump {jump:.2f} · "
        "layer {layer} ‖G−G′‖/‖G‖ {grad_diff:.3f}, cos {cos:.3f} · loss variation "
        "{loss_variation:.3f}, β {beta:.2f}"
    )
    return "\n".join(
        line.format(
            variant=v,
            accuracy=result.final_accuracy(v),
            band_range=result.band_range(v),
            jump=result.band_jump(v),
            layer=last + 1,
            grad_diff=result.median("relative_grad_diff", v, last),
            cos=result.median("grad_cos", v, last),
            loss_variation=result.median("loss_variation", v),
            beta=result.median("beta", v),
        )
        for v in result.variants
    )


if __name__ == "__main__":
    sys.exit(main())
