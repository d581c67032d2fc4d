"""``python -m bench`` (``make bench``): run every ``bench/bench_*.py`` and write ``bench/RESULTS.md``.

The interface of a bench module is one function, ``run() -> list[dict]``; each dict is one row:

- ``name`` (str), ``unit`` (str, e.g. ``"s"``, ``"ms"``, ``"steps/s"``, ``"×"`` for a ratio);
- either ``samples`` (the measured values, one per repeat; median, min and max are computed here)
  or ``median``, ``min``, ``max`` given directly;
- optional: ``n`` (repeats, default ``len(samples)``), ``notes`` (one sentence: what exactly was
  measured), ``goal`` (e.g. ``"≥ 0.95"``, ``"≤ 30 s"``) and ``met`` (bool) when the row is a goal.

A module may also define ``NOTES`` (markdown appended under its table: profiles, what was tried).
A module whose ``run()`` returns something else (``bench_engine`` returns a dict of ``Result``s with
per-repeat ``rates``) is adapted: each result becomes a row, ``PRODUCT / BASELINE`` per repeat
becomes the goal row "≥ 0.95", and the module's own ``markdown(out)`` fragment is included.
Timings are medians of repeats, never single shots, unless ``n`` says otherwise; there are no
timing assertions anywhere in the tests: this report is where speed is judged.

``python -m bench --only figure1`` runs one module; ``--out PATH`` writes elsewhere.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import statistics
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent


def discover(only: str | None = None) -> list[str]:
    """Module names ``bench.bench_*`` in file-name order (``only``: the part after ``bench_``)."""
    names = sorted(p.stem for p in BENCH.glob("bench_*.py"))
    if only is not None:
        names = [n for n in names if n == f"bench_{only}"]
    return [f"bench.{n}" for n in names]


def normalize(row: dict) -> dict:
    """A row with ``median``, ``min``, ``max`` and ``n`` filled in (see the module docstring)."""
    row = dict(row)
    if "name" not in row or "unit" not in row:
        raise ValueError(f"A bench row needs 'name' and 'unit': {row!r}")
    samples = row.get("samples")
    if samples is not None:
        if not samples:
            raise ValueError(f"Row {row['name']!r} has an empty 'samples' list.")
        row.setdefault("median", statistics.median(samples))
        row.setdefault("min", min(samples))
        row.setdefault("max", max(samples))
        row.setdefault("n", len(samples))
    missing = [k for k in ("median", "min", "max") if k not in row]
    if missing:
        raise ValueError(f"Row {row['name']!r} needs 'samples' or {missing}.")
    row.setdefault("n", 1)
    return row


def adapt(module, out) -> tuple[list[dict], str]:
    """Rows and an extra markdown fragment from a module's ``run()`` output (see the docstring)."""
    if isinstance(out, list):
        return [normalize(r) for r in out], ""
    rows = []
    results = out.get("results", {}) if isinstance(out, dict) else {}
    for name, r in results.items():
        rows.append({"name": name, "samples": list(r.rates), "unit": "lockstep steps/s"})
    base, product = getattr(module, "BASELINE", None), getattr(module, "PRODUCT", None)
    if base in results and product in results:
        ratios = [p / b for p, b in zip(results[product].rates, results[base].rates, strict=True)]
        rows.append(
            {"name": "instrumented lockstep twins / bare loops", "samples": ratios, "unit": "×",
             "goal": "≥ 0.95", "met": statistics.median(ratios) >= 0.95,
             "notes": f"{product} / {base}, per repeat"}
        )  # fmt: skip
    fragment = module.markdown(out) if hasattr(module, "markdown") else ""
    return [normalize(r) for r in rows], fragment


def fmt(value: float) -> str:
    """Three significant figures, thousands separated: 0.0123, 4.56, 1,230."""
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "load": load}


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("torch", "numpy", "streamlit", "plotly"):
        try:
            out[name] = importlib.import_module(name).__version__
        except Exception:  # a missing library is reported, not fatal
            out[name] = "not installed"
    return out


def render(sections: list[tuple[str, str, list[dict], str, str | None]], started: str) -> str:
    """The markdown report: header, then per module its doc line, table, notes (or its error)."""
    m, v = machine(), versions()
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`python -m bench`) on {started}.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} logical CPUs; load average at the end: {m['load']}",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        "- Each figure is the median of `n` repeats, with the min–max range; ratios are computed",
        "  per repeat from measurements taken side by side, then summarized the same way.",
        "",
    ]
    goals = [(mod, r) for mod, _, rows, _, _ in sections for r in rows if "goal" in r]
    if goals:
        lines += [
            "## Goals",
            "",
            "| goal | measured (median) | target | met |",
            "|---|---|---|---|",
        ]
        for _, r in goals:
            met = {True: "yes", False: "**no**"}.get(r.get("met"), "?")
            lines.append(f"| {r['name']} | {fmt(r['median'])} {r['unit']} | {r['goal']} | {met} |")
        lines.append("")
    for module, doc, rows, notes, error in sections:
        lines += [f"## {module}", ""]
        if doc:
            lines += [doc, ""]
        if error:
            lines += ["This module failed:", "", "```", error.rstrip(), "```", ""]
            continue
        lines += [
            "| measurement | median | min – max | unit | n | notes |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            spread = f"{fmt(r['min'])} – {fmt(r['max'])}"
            lines.append(
                f"| {r['name']} | {fmt(r['median'])} | {spread} | {r['unit']} | {r['n']} "
                f"| {r.get('notes', '')} |"
            )
        lines.append("")
        if notes:
            lines += [notes.strip(), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="one module, e.g. 'figure1' for bench/bench_figure1.py")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections, failed = [], False
    for name in discover(args.only):
        print(f"== {name}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(name)
            rows, fragment = adapt(module, module.run())
            doc = (module.__doc__ or "").strip().split("\n\n")[0]
            notes = "\n\n".join(x for x in (getattr(module, "NOTES", ""), fragment) if x)
            sections.append((name, doc, rows, notes, None))
        except Exception:
            failed = True
            sections.append((name, "", [], "", traceback.format_exc()))
        print(f"   {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    if not sections:
        print("no bench modules found", file=sys.stderr)
        return 1
    args.out.write_text(render(sections, started), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
