"""Progress of a long run, as text: a terminal bar and an ``m:ss`` clock for ETAs.

Anything with ``steps_done``, ``steps``, ``steps_per_second``, ``eta_seconds`` and ``finished``
(e.g. :class:`bnviz.figure1.Figure1Job`) can be shown.
"""

from __future__ import annotations

import sys
import time


def clock(seconds: float) -> str:
    """``75`` -> ``"1:15"``; ``3725`` -> ``"1:02:05"``."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def progress_line(done: int, total: int, rate: float, eta: float | None, width: int = 30) -> str:
    """``[#######.......] 12,000/50,000 steps  1,234 steps/s  ETA 0:31`` (no trailing newline)."""
    filled = int(width * done / total) if total else width
    eta_text = "--:--" if eta is None else clock(eta)
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} steps  "
        f"{rate:,.0f} steps/s  ETA {eta_text}"
    )


class TerminalProgress:
    """Redraws one stderr line in place (at most 5 times a second); plain lines when not a TTY."""

    def __init__(self, stream=None):
        stream = stream or sys.stderr  # looked up now, not at import: tests swap sys.stderr
        self.stream, self.last, self.tty = stream, 0.0, stream.isatty()
        self.last_decile = -1

    def __call__(self, job) -> None:
        now = time.monotonic()
        line = progress_line(job.steps_done, job.steps, job.steps_per_second, job.eta_seconds)
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
