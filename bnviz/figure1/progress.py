"""Progress of a long run, as text: a terminal bar, an ``m:ss`` clock for ETAs, and what the
experiment CLIs share around them.

Anything with ``steps_done``, ``steps``, ``steps_per_second``, ``eta_seconds`` and ``finished``
(e.g. :class:`bnviz.figure1.Figure1Job`) can be shown; an optional ``unit`` (default ``"steps"``)
names what it counts (a sweep counts ``"runs"``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any


def clock(seconds: float) -> str:
    """``75`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def progress_line(
    done: int, total: int, rate: float, eta: float | None, width: int = 30, unit: str = "steps"
) -> str:
    """``[#######.......] 12,000/50,000 steps  1,234 steps/s  ETA 0:31`` (no trailing newline);
    a rate below 10 per second keeps two decimals (``0.42 runs/s``)."""
    filled = int(width * done / total) if total else width
    eta_text = "--:--" if eta is None else clock(eta)
    rate_text = f"{rate:,.0f}" if rate >= 10 or rate == 0 else f"{rate:.2f}"
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} {unit}  "
        f"{rate_text} {unit}/s  ETA {eta_text}"
    )


class TerminalProgress:
    """Redraws one stderr line in place (at most 5 times a second); plain lines when not a TTY."""

    def __init__(self, stream=None):
        stream = stream or sys.stderr  # looked up now, not at import: tests swap sys.stderr
        self.stream, self.last, self.tty = stream, 0.0, stream.isatty()
        self.last_decile = -1

    def __call__(self, job) -> None:
        now = time.monotonic()
        line = progress_line(
            job.steps_done,
            job.steps,
            job.steps_per_second,
            job.eta_seconds,
            unit=getattr(job, "unit", "steps"),
        )
        if self.tty:
            if now - self.last >= 0.2 or job.finished:
                self.stream.write("\r" + line)
                self.stream.flush()
                self.last = now
        else:  # a log file: one line per 10%
            decile = 10 * job.steps_done // job.steps
            if decile != self.last_decile:
                self.stream.write(line + "\n")
                self.last_decile = decile

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def run_with_bar(job) -> tuple[Any, float, float]:
    """Run ``job`` in the calling thread with a :class:`TerminalProgress` bar on stderr.

    Returns ``(result, wall seconds, CPU seconds)``: on a shared machine the ratio of the two says
    how much of the cores the run actually got.
    """
    bar = TerminalProgress()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result = job.run(bar)
    finally:
        bar.close()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def add_output_arguments(parser: argparse.ArgumentParser, result_path: Path) -> None:
    """The options every experiment CLI shares: skip the PNGs, and ship the page's result."""
    parser.add_argument("--no-png", action="store_true", help="skip the PNGs (need Chromium)")
    parser.add_argument(
        "--ship",
        action="store_true",
        help=f"also write {result_path.name} into the package (the page's precomputed result)",
    )
