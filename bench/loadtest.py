"""``make loadtest``: a lecture hall in miniature, through the real app in real Chromium pages.

Starts its own server (``app.py`` with its worker pool, on 127.0.0.1), then, one phase at a time:

1. **idle**: ``--idle`` live-lab tabs that never press Play: the web process's memory per session;
2. **oversized link**: the page of a link far over the run-size budget: refused with a message, and
   what opening it cost the server;
3. **training**: ``--tabs`` tabs train the default network together: each tab's refresh rate (how
   often its status line changed) and steps/s, the server's CPU (web process and workers), and the
   health endpoint's latency, sampled every 100 ms throughout (Chromium's own CPU too: on these two
   cores it is the browser that runs out first);
4. **server side** (before phase 3, no Chromium page open): ``--runs`` tabs train as websocket
   clients that draw nothing (:mod:`bench.watchers`, pressing Play as a tab does) while another
   client opens and closes the live lab again and again: what the server delivers to each tab,
   and the health endpoint's latency;
5. **watchers**: one tab shares its run and ``--watchers`` clients watch it: the web process's CPU
   per watcher refresh (over what the owner's tab alone costs) and its memory per watcher. The
   watchers are websocket clients that speak Streamlit's protocol as a tab does
   (:mod:`bench.watchers`): fifty Chromium tabs do not fit on the server's two cores.

Writes the ``loadtest`` block of ``bench/RESULTS.md``. The browser shares the 2 cores with the
server: every figure here includes that, which is why the notes give the browser's CPU too.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from bench.__main__ import BENCH, machine, now, write_block
from bench.watchers import Watchers
from bnviz import chromium
from tests.e2e import harness

OVERSIZED = (
    "live-lab?hidden=1024,1024,1024,1024,1024,1024,1024,1024&batch_size=1000&optimizer=adam&lang=en"
)
TICK = os.sysconf("SC_CLK_TCK")


def _counter(selector: str) -> str:
    return f"""() => {{ window.__changes = 0; let last = '';
  setInterval(() => {{ const e = document.querySelector('{selector}');
    const t = e ? e.innerText : ''; if (t !== last) {{ window.__changes++; last = t; }} }}, 25); }}"""


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _pss_mb(pid: int, field: str = "Pss") -> float:
    """Proportional set size (``field``: ``Pss``, or its ``Pss_Anon`` / ``Pss_File`` parts): shared
    pages (torch's libraries, the one mapped copy of MNIST) split between the processes that map
    them. Summed over processes it is what they cost together; summed RSS would count every shared
    page once per worker."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:  # the process has ended
        return 0.0
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _server_mb(web: int, field: str = "Pss") -> tuple[float, float]:
    """(web process, all workers) ``field`` in MB."""
    return _pss_mb(web, field), sum(_pss_mb(c, field) for c in _children(web))


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the process has ended
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _browser_pids() -> list[int]:
    """Chromium's processes (browser, renderers, GPU and utility processes)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().startswith(
                ("chrom", "headless")
            ):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


class Health(threading.Thread):
    """Samples the health endpoint's latency every 100 ms until stopped."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.samples, self._halt = f"{url}/_stcore/health", [], threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.1):
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as r:
                    r.read()
                self.samples.append((time.perf_counter() - t0) * 1000)
            except OSError:
                self.samples.append(10_000.0)

    def stop(self) -> list[float]:
        self._halt.set()
        self.join()
        return self.samples


def _open(context, url: str, selector: str = ".st-key-lab_status"):
    """A new tab at ``url``, counting the changes of ``selector``'s text once it is there (a
    viewer's page refreshes all the time: wait for its status, not for an idle page)."""
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.locator(selector).first.wait_for(timeout=60_000)
    page.evaluate(_counter(selector))
    return page


def _step(page, selector: str = ".st-key-lab_status") -> int:
    import re

    match = re.search(r"Step ([\d,]+)", page.locator(selector).first.inner_text())
    return int(match[1].replace(",", "")) if match else 0


def _window(pages, selector: str, seconds: float) -> tuple[list[float], list[float]]:
    """Each page's (status changes per second, steps per second) over ``seconds``."""
    before = [(p.evaluate("window.__changes"), _step(p, selector)) for p in pages]
    t0 = time.perf_counter()
    time.sleep(seconds)
    dt = time.perf_counter() - t0
    after = [(p.evaluate("window.__changes"), _step(p, selector)) for p in pages]
    hz = [(a[0] - b[0]) / dt for a, b in zip(after, before, strict=True)]
    rate = [(a[1] - b[1]) / dt for a, b in zip(after, before, strict=True)]
    return hz, rate


def run(
    idle: int, tabs: int, runs: int, watchers: int, window: float
) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []  # measurement, value, goal, met
    env = {"BNVIZ_MAX_TRAINING_RUNS": str(max(tabs, runs, 4)), "BNVIZ_RELEASE_GRACE_SECONDS": "5"}
    with harness.StreamlitServer("app.py", env=env) as server, chromium.launch() as browser:
        web = server.proc.pid
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        warm = _open(context, f"{server.url}/live-lab")  # first session: imports, pool start
        time.sleep(2)
        warm.close()
        time.sleep(1)

        rss0, server0 = _rss_mb(web), sum(_server_mb(web))
        idle_pages = [_open(context, f"{server.url}/live-lab") for _ in range(idle)]
        time.sleep(2)
        per_idle = (_rss_mb(web) - rss0) / max(idle, 1)
        per_idle_server = (sum(_server_mb(web)) - server0) / max(idle, 1)
        rows.append(
            (
                "idle live-lab session, web-process RSS",
                f"{per_idle:.1f} MB",
                "≤ 10 MB",
                "yes" if per_idle <= 10 else "**no**",
            )
        )
        rows.append(
            (
                "idle live-lab session, server PSS (web + its run in a worker)",
                f"{per_idle_server:.1f} MB",
                "≤ 10 MB",
                "yes" if per_idle_server <= 10 else "**no**",
            )
        )
        for p in idle_pages:
            p.close()

        web0, workers0 = _server_mb(web)
        anon0, file0 = sum(_server_mb(web, "Pss_Anon")), sum(_server_mb(web, "Pss_File"))
        big = _open(context, f"{server.url}/{OVERSIZED}")
        refused = big.get_by_text("the server allows").count() > 0
        time.sleep(2)
        web1, workers1 = _server_mb(web)
        anon1, file1 = sum(_server_mb(web, "Pss_Anon")), sum(_server_mb(web, "Pss_File"))
        growth = web1 + workers1 - web0 - workers0
        ok = "yes" if refused else "**no**"
        shown = "yes" if refused else "no"
        rows.append(("oversized link: refused with a message", shown, "refused", ok))
        split = f"{growth:.0f} MB ({web1 - web0:+.0f} + {workers1 - workers0:+.0f})"
        met = "yes" if growth <= 50 else "**no**"
        rows.append(
            ("oversized link: server memory growth (PSS, web + workers)", split, "≤ 50 MB", met)
        )
        rows.append(
            (
                "oversized link: of which heap / mapped files (PSS)",
                f"{anon1 - anon0:+.0f} / {file1 - file0:+.0f} MB",
                "",
                "",
            )
        )
        big.close()

        if runs:
            rows += _server_side(server.url, web, runs, window)
            time.sleep(6)  # their runs are released (grace 5 s)
        health = Health(server.url)
        health.start()
        train = [_open(context, f"{server.url}/live-lab") for _ in range(tabs)]
        for p in train:
            p.locator(".st-key-lab_play button").first.click()
        time.sleep(5)
        procs, browser = [web, *_children(web)], _browser_pids()
        cpu0 = {p: _cpu_s(p) for p in procs + browser}
        hz, rate = _window(train, ".st-key-lab_status", window)
        cpu = {p: (_cpu_s(p) - cpu0[p]) / window for p in procs + browser}
        browser_cpu = sum(cpu[p] for p in browser)
        latency = health.stop()
        p99 = statistics.quantiles(latency, n=100)[98] if len(latency) >= 2 else float("nan")
        rows.append(
            (
                f"{tabs} tabs training: slowest tab's refresh rate",
                f"{min(hz):.1f} Hz",
                "≥ 2 Hz",
                "yes" if min(hz) >= 2 else "**no**",
            )
        )
        rows.append(
            (
                f"{tabs} tabs training: refresh rate per tab",
                ", ".join(f"{h:.1f}" for h in hz) + " Hz",
                "",
                "",
            )
        )
        rows.append(
            (f"{tabs} tabs training: steps/s per tab", ", ".join(f"{r:,.0f}" for r in rate), "", "")
        )
        rows.append(
            (
                f"{tabs} tabs training: CPU of web process / workers / Chromium",
                f"{cpu[web]:.2f} / {sum(cpu[p] for p in procs if p != web):.2f} / "
                f"{browser_cpu:.2f} cores",
                "",
                "",
            )
        )
        rows.append(
            (
                "health endpoint p99 while tabs train",
                f"{p99:.0f} ms",
                "≤ 100 ms",
                "yes" if p99 <= 100 else "**no**",
            )
        )
        owner = train[0]
        for p in train[1:]:
            p.close()

        if watchers == 0:
            context.close()
            return rows
        owner.locator(".st-key-share_button button").click()
        link = owner.locator(".st-key-share_link code").first
        link.wait_for()
        shared = urlparse(link.inner_text().strip())
        # The owner's tab alone first: the watchers' cost is what they add to it.
        cpu0 = _cpu_s(web)
        time.sleep(window)
        alone = (_cpu_s(web) - cpu0) / window
        rss0 = _rss_mb(web)
        with Watchers(server.url, shared.path.strip("/"), shared.query, watchers) as viewers:
            errors = viewers.errors()
            if errors:
                rows.append((f"{len(errors)} of {watchers} watchers failed", errors[0], "", ""))
            time.sleep(3)
            per_viewer = (_rss_mb(web) - rss0) / watchers
            before, cpu0 = viewers.refreshes(), _cpu_s(web)
            time.sleep(window)
            after, web_cpu = viewers.refreshes(), (_cpu_s(web) - cpu0) / window
        hz = [(a - b) / window for a, b in zip(after, before, strict=True)]
        refreshes = sum(hz)  # per second, all watchers
        ms = 1000 * (web_cpu - alone) / refreshes if refreshes else float("nan")
        rows.append(
            (
                f"{watchers} watchers: web-process CPU per watcher refresh",
                f"{ms:.1f} ms",
                "≤ 1 ms",
                "yes" if ms <= 1 else "**no**",
            )
        )
        rows.append(
            (
                f"{watchers} watchers: web-process RSS per watcher",
                f"{per_viewer:.1f} MB",
                "≤ 5 MB",
                "yes" if per_viewer <= 5 else "**no**",
            )
        )
        rows.append(
            (
                f"{watchers} watchers: refresh rate, slowest / mean",
                f"{min(hz):.1f} / {statistics.mean(hz):.1f} Hz",
                "",
                "",
            )
        )
        rows.append(
            (
                f"{watchers} watchers: web-process CPU, owner alone / with watchers",
                f"{alone:.2f} / {web_cpu:.2f} cores",
                "",
                "",
            )
        )
        context.close()
    return rows


def _server_side(url: str, web: int, runs: int, window: float) -> list[tuple]:
    """``runs`` tabs that train, as websocket clients (no browser drawing them), while another
    client opens the live lab and closes it over and over (a session, and its run, made and
    released each time): what the server delivers to each tab, and the health endpoint's latency
    meanwhile. No Chromium page is open: the server has the two cores."""
    rows = []
    with Watchers(url, "live-lab", "lang=en", runs, press="lab_play") as tabs:
        errors = tabs.errors()
        if errors:
            rows.append((f"{len(errors)} of {runs} websocket tabs failed", errors[0], "", ""))
        time.sleep(5)
        health = Health(url)
        health.start()
        procs = [web, *_children(web)]
        cpu0 = {p: _cpu_s(p) for p in procs}
        before, steps0, t0 = tabs.refreshes(), [w.step or 0 for w in tabs.seen], time.monotonic()
        opened = 0
        while time.monotonic() - t0 < window:  # tabs open and close meanwhile
            with Watchers(url, "live-lab", "lang=en", 1):
                pass
            opened += 1
        dt = time.monotonic() - t0
        after, steps1 = tabs.refreshes(), [w.step or 0 for w in tabs.seen]
        cpu = {p: (_cpu_s(p) - cpu0[p]) / dt for p in procs}
        latency = health.stop()
    hz = [(a - b) / dt for a, b in zip(after, before, strict=True)]
    rate = [(a - b) / dt for a, b in zip(steps1, steps0, strict=True)]
    p99 = statistics.quantiles(latency, n=100)[98] if len(latency) >= 2 else float("nan")
    label = f"{runs} websocket tabs training"
    rows += [
        (f"{label}: slowest tab's refresh rate", f"{min(hz):.1f} Hz", "≥ 2 Hz",
         "yes" if min(hz) >= 2 else "**no**"),
        (f"{label}: refresh rate per tab", ", ".join(f"{h:.1f}" for h in hz) + " Hz", "", ""),
        (f"{label}: steps/s per tab", ", ".join(f"{r:,.0f}" for r in rate), "", ""),
        (f"{label}: CPU of web process / workers",
         f"{cpu[web]:.2f} / {sum(cpu[p] for p in procs if p != web):.2f} cores", "", ""),
        (f"health endpoint p99 while {runs} runs train and {opened} tabs open and close",
         f"{p99:.0f} ms", "≤ 100 ms", "yes" if p99 <= 100 else "**no**"),
    ]  # fmt: skip
    return rows


def render(rows, args, started: str, seconds: float) -> str:
    lines = [
        "## loadtest",
        "",
        f"Written by `make loadtest` (`python -m bench.loadtest --idle {args.idle} --tabs "
        f"{args.tabs} --runs {args.runs} --watchers {args.watchers} --window {args.window:g}`) "
        f"on {started}, "
        f"{seconds:.0f} s; {machine.describe()}. Chromium runs on the same cores as the server.",
        "",
        "| measurement | value | goal | met |",
        "|---|---|---|---|",
        *[f"| {m} | {v} | {g} | {ok} |" for m, v, g, ok in rows],
        "",
        "What limits these figures:",
        "",
        "- **Chromium tabs** draw every chart of their page on the same two cores as the server: the "
        "browser's CPU is in the table. The **websocket tabs** press Play and rerun the page as a "
        "tab does but draw nothing: what the server itself delivers to each tab.",
        "- **A watcher's refresh** is one rerun of the viewer page's fragment in Streamlit: its "
        "script thread, the page's elements as protobuf deltas, the websocket. The charts in it "
        "are built once per update of the run and shared by every watcher (``ui/watch.py``), so "
        "the CPU per refresh is Streamlit's own cost of a rerun, not chart building.",
        "- **The websocket tabs' refresh rate and the health check's latency** are limited by "
        "the web process's one interpreter, not by a full CPU: it used about half a core. A "
        "py-spy profile of 8 tabs training (20 s, 749 samples): 60 % of the samples are the "
        "tabs' fragment reruns, a third of those handing each element to the event loop "
        "(``call_soon_threadsafe``) and hashing it (Streamlit hashes every delta); the figures' "
        "JSON is now a few percent. Eight script threads, the event loop and the pool's readers "
        "wait for the GIL in turn, and the health check waits with them.",
        "- **Memory** is PSS: the pages that processes share (torch's libraries, the one mapped "
        "copy of MNIST) split between them. A run's first batches and evaluations touch pages of "
        "that copy for the first time: they count as mapped files, once for the whole server.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=6)
    parser.add_argument("--tabs", type=int, default=4)
    parser.add_argument("--runs", type=int, default=8)  # websocket tabs that train
    parser.add_argument("--watchers", type=int, default=50)  # websocket clients (bench.watchers)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    # SIGTERM (a `timeout`, a CI cancel) unwinds like Ctrl-C: the server and Chromium this load test
    # started are stopped by their context managers, not left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started, t0 = now(), time.perf_counter()
    rows = run(args.idle, args.tabs, args.runs, args.watchers, args.window)
    text = render(rows, args, started, time.perf_counter() - t0)
    print(text)
    write_block(args.out, "loadtest", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
