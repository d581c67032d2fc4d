"""``python -m bnviz.figure1``: reproduce Figure 1 of Ioffe & Szegedy (2015) and write its files.

    python -m bnviz.figure1 [--steps 50000] [--out out/figure1] [--seed 0] [--ship]

Trains the paper's twins with :class:`bnviz.figure1.job.Figure1Job`, shows a progress bar on stderr,
and writes the CSV, ``.npz``, HTML and (with Chromium) PNG of the three panels into ``--out``;
``--ship`` also replaces the page's precomputed result, ``bnviz/data/figure1.npz``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bnviz.figure1.job import PAPER_STEPS, Figure1Job, paper_config
from bnviz.figure1.progress import TerminalProgress
from bnviz.figure1.result import RESULT_PATH
from bnviz.train.experiment import configure_torch_threads
from bnviz.train.variants import TWINS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bnviz.figure1",
        description="Reproduce Ioffe & Szegedy (2015) Fig. 1 on the embedded MNIST.",
    )
    parser.add_argument("--steps", type=int, default=PAPER_STEPS, help="training steps (50000)")
    parser.add_argument("--out", type=Path, default=Path("out/figure1"), help="output directory")
    parser.add_argument("--seed", type=int, default=0, help="weights, batches and probe (0)")
    parser.add_argument("--serial", action="store_true", help="train the twins one after another")
    parser.add_argument("--no-png", action="store_true", help="skip the PNG (needs Chromium)")
    parser.add_argument(
        "--ship",
        action="store_true",
        help=f"also write {RESULT_PATH.name} into the package (the page's precomputed figure)",
    )
    args = parser.parse_args(argv)
    from bnviz.figure1 import export  # plotly and the browser only when writing files

    configure_torch_threads(1)  # one per twin: the twins already use both cores
    cfg = paper_config(args.steps, seed=args.seed)
    job = Figure1Job(args.steps, cfg, parallel=not args.serial)
    print(f"Figure 1: {args.steps:,} steps x 2 twins · {cfg.summary()}", file=sys.stderr)
    bar = TerminalProgress()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result = job.run(bar)
    finally:
        bar.close()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    # CPU seconds next to wall seconds: on a shared machine their ratio shows how much of the two
    # cores the run actually got.
    result = result.with_meta(
        wall_seconds=round(wall, 2), cpu_seconds=round(cpu, 2), **export.provenance(argv)
    )
    print(
        f"done in {wall:.1f} s wall, {cpu:.1f} s CPU ({job.setup_seconds:.1f} s setup, "
        f"{job.steps_per_second:,.0f} lockstep steps/s)",
        file=sys.stderr,
    )
    for twin in TWINS:
        print(
            f"  {twin:>5}: final test accuracy {result.accuracy[twin][-1]:.4f}, "
            f"typical-unit drift {result.drift(twin):.2f}",
            file=sys.stderr,
        )
    written = export.write_all(result, args.out, png=not args.no_png)
    if args.ship:
        result.save(RESULT_PATH)
        written.append(RESULT_PATH)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
