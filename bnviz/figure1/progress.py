"""Progress of a long run, as text: a terminal bar, an ``m:ss`` clock for ETAs, and what the
experiment CLIs share around them.

Anything with ``steps_done``, ``steps``, ``steps_per_second``, ``eta_seconds`` and ``finished``
(e.g. :class:`bnviz.figure1.Figure1Job`) can be shown; an optional ``unit`` (``"steps"``, the
default, or ``"runs"`` for a sweep) names what it counts. Lines are in the language of ``_``; the
CLIs take it from ``--lang`` (default: the locale, :func:`bnviz.i18n.environment_language`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from bnviz.i18n import ENGLISH, LANGUAGES, Gettext, environment_language


def clock(seconds: float) -> str:
    """``75`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def progress_line(
    done: int,
    total: int,
    rate: float,
    eta: float | None,
    width: int = 30,
    unit: str = "steps",
    _: Gettext = ENGLISH,
) -> str:
    """``[#######.......] 12,000/50,000 steps  1,234 steps/s  ETA 0:31`` (no trailing newline);
    a rate below 10 per second keeps two decimals (``0.42 runs/s``)."""
    filled = int(width * done / total) if total else width
    line = (
        _("[{bar}] {done:,}/{total:,} runs  {rate} runs/s  ETA {eta}")
        if unit == "runs"
        else _("[{bar}] {done:,}/{total:,} steps  {rate} steps/s  ETA {eta}")
    )
    return line.format(
        bar="#" * filled + "." * (width - filled),
        done=done,
        total=total,
        rate=f"{rate:,.0f}" if rate >= 10 or rate == 0 else f"{rate:.2f}",
        eta="--:--" if eta is None else clock(eta),
    )


class TerminalProgress:
    """Redraws one stderr line in place (at most 5 times a second); plain lines when not a TTY."""

    def __init__(self, stream=None, _: Gettext = ENGLISH):
        stream = stream or sys.stderr  # looked up now, not at import: tests swap sys.stderr
        self.stream, self.last, self.tty = stream, 0.0, stream.isatty()
        self.last_decile = -1
        self._ = _

    def __call__(self, job) -> None:
        now = time.monotonic()
        rate, eta = job.steps_per_second, job.eta_seconds
        unit = getattr(job, "unit", "steps")
        line = progress_line(job.steps_done, job.steps, rate, eta, unit=unit, _=self._)
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


def run_with_bar(job, _: Gettext = ENGLISH) -> tuple[Any, float, float]:
    """Run ``job`` in the calling thread with a :class:`TerminalProgress` bar on stderr.

    Returns ``(result, wall seconds, CPU seconds)``: on a shared machine the ratio of the two says
    how much of the cores the run actually got.
    """
    bar = TerminalProgress(_=_)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result = job.run(bar)
    finally:
        bar.close()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def add_output_arguments(parser: argparse.ArgumentParser, result_path: Path) -> None:
    """The options every experiment CLI shares: skip the PNGs, ship the page's result, and the
    language of the progress lines, the summary and the figures."""
    parser.add_argument("--no-png", action="store_true", help="skip the PNGs (need Chromium)")
    parser.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=environment_language(),
        help="language of the lines and figures (default: ko if LC_ALL/LANG starts with ko, else en)",
    )
    parser.add_argument(
        "--ship",
        action="store_true",
        help=f"also write {result_path.name} into the package (the page's precomputed result)",
    )
