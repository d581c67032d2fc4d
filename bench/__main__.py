"""``python -m bench`` (``make bench``): run every ``bench/bench_*.py`` and write ``bench/RESULTS.md``.

The interface of a bench module is one function, ``run() -> list[dict]``; each dict is one row:

- ``name`` (str), ``unit`` (str, e.g. ``"s"``, ``"ms"``, ``"steps/s"``, ``"×"`` for a ratio);
- either ``samples`` (the measured values, one per repeat; median, min and max are computed here)
  or ``median``, ``min``, ``max`` given directly;
- optional: ``n`` (repeats, default ``len(samples)``), ``notes`` (one sentence: what exactly was
  measured), ``goal`` (e.g. ``"≥ 0.95"``, ``"≤ 30 s"``) and ``met`` (bool) when the row is a goal.

A module may also define ``NOTES``: markdown put under its table (profiles, what was tried, what
the rows mean together). It is read after ``run()``, so ``run()`` may fill it in from what it
measured.
``run()`` is called without arguments; parameters it has (repeats, steps) need defaults. A module
with a command line of its own (``python -m bench.bench_engine --repeats 1``) prints its section
through :func:`measure` and :func:`render`, as here.
Timings are medians of repeats, never single shots, unless ``n`` says otherwise; there are no
timing assertions anywhere in the tests: this report is where speed is judged.

``python -m bench --only figure1`` runs one module and puts its report into its own block of the
file (``write_block``), leaving the rest; ``--out PATH`` writes elsewhere. ``make loadtest`` writes
the ``loadtest`` block the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import re
import statistics
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType

from bnviz import machine

BENCH = Path(__file__).resolve().parent

# One module's part of the report: its name, doc line, normalized rows, NOTES, and the traceback
# instead of rows when it failed.
Section = tuple[str, str, list[dict], str, str | None]


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


def measure(module: ModuleType, **kwargs) -> Section:
    """Run bench ``module`` (``run(**kwargs)``) and summarize its rows; a failure becomes the
    section's error, so one broken module does not lose the others' results."""
    name = module.__spec__.name  # "bench.bench_engine" also when it runs as __main__
    try:
        rows = [normalize(r) for r in module.run(**kwargs)]
    except Exception:
        return (name, "", [], "", traceback.format_exc())
    doc = (module.__doc__ or "").strip().split("\n\n")[0]
    return (name, doc, rows, getattr(module, "NOTES", ""), None)


def fmt(value: float) -> str:
    """Three significant figures, thousands separated: 0.0123, 4.56, 1,230."""
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("torch", "numpy", "streamlit", "plotly"):
        try:
            out[name] = importlib.import_module(name).__version__
        except Exception:  # a missing library is reported, not fatal
            out[name] = "not installed"
    return out


def now() -> str:
    """The time the report gives, e.g. ``2026-11-24 20:08 UTC``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def render(
    sections: list[Section], started: str, command: str = "`make bench` (`python -m bench`)"
) -> str:
    """The markdown report: header, then per module its doc line, table, notes (or its error)."""
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    lines = [
        "# Benchmarks",
        "",
        f"Written by {command} on {started}.",
        "",
        f"- Machine: {machine.describe()}; load average at the end: {load}",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in versions().items()),
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


BLOCK = re.compile(r"<!-- block:(?P<name>[\w-]+) -->\n.*?<!-- /block:(?P=name) -->\n", re.S)


def blocks(text: str) -> list[tuple[str, str]]:
    """The named blocks of a report: sections written by one command each (``write_block``)."""
    return [(m["name"], m[0]) for m in BLOCK.finditer(text)]


def write_block(path: Path, name: str, body: str) -> None:
    """Put ``body`` into ``path`` as block ``name``, replacing that block if it is there."""
    block = f"<!-- block:{name} -->\n{body.rstrip()}\n<!-- /block:{name} -->\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    existing = dict(blocks(text))
    if name in existing:
        text = text.replace(existing[name], block)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")


def demote(markdown: str) -> str:
    """Headings one level down, so a report fits under the main one as a section."""
    return re.sub(r"^(#+) ", r"#\1 ", markdown, flags=re.M)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="one module, e.g. 'figure1' for bench/bench_figure1.py")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args(argv)
    started = now()
    sections: list[Section] = []
    for name in discover(args.only):
        print(f"== {name}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(name)
        except Exception:
            sections.append((name, "", [], "", traceback.format_exc()))
        else:
            sections.append(measure(module))
        print(f"   {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    if not sections:
        print("no bench modules found", file=sys.stderr)
        return 1
    if args.only:  # one module: its own block in the report, the rest of the report kept
        command = f"`python -m bench --only {args.only}`"
        write_block(args.out, args.only, demote(render(sections, started, command)))
    else:  # every module: a new report, keeping the blocks other commands wrote (make loadtest)
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        kept = [b for name, b in blocks(old) if f"bench.bench_{name}" not in discover()]
        args.out.write_text("\n".join([render(sections, started), *kept]), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 1 if any(error for *_, error in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
