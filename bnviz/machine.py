"""The machine a result was measured on, in words: its CPU model and number of logical CPUs.

Figure 1's provenance and the benchmark report both print it, so a number can be read next to the
hardware that produced it.
"""

from __future__ import annotations

import math
import os
import platform
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")  # Linux; elsewhere the model comes from ``platform``


def cpu_model() -> str:
    """The CPU's model name, e.g. ``"AMD EPYC 7B13"``; ``"unknown CPU"`` when nothing says."""
    try:
        for line in CPUINFO.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def describe() -> str:
    """``"<CPU model>, <n> logical CPUs"``."""
    return f"{cpu_model()}, {os.cpu_count()} logical CPUs"


def env_number(name: str, default: float, minimum: float) -> float:
    """A numeric environment variable (a course-site knob), at least ``minimum``; ``default`` when
    unset or unreadable."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return max(value, minimum)


CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"


def usable_cpus() -> int:
    """CPUs this process may use: its affinity, capped by a container's CPU quota (a pod limited
    to 2 CPUs on a 32-core node gets 2, not 32)."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = CPU_MAX.read_text().split()
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus
