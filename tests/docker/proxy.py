"""nginx in front of app replicas, for tests: deploy/nginx.conf on loopback, its access log parsed.

``render_site(conf, listen, servers, cache_dir)`` swaps the site-specific parts of deploy/nginx.conf
(the ``listen`` line, the lines between ``# replicas: begin`` and ``# replicas: end``, and the
directory of ``proxy_cache_path``) and keeps everything else verbatim, so the tests exercise the
shipped configuration. ``NginxProxy(servers)`` runs Debian's nginx with it on a free 127.0.0.1 port
and is stopped by pid. The access log records, per request, the route key (the sticky cookie, or the
first visit's $request_id), the replica that served it, the status, the cache status and the URI.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e import harness

SITE_CONF = harness.ROOT / "deploy" / "nginx.conf"
NGINX = os.environ.get("BNVIZ_NGINX", "/usr/sbin/nginx")
BEGIN, END = "# replicas: begin", "# replicas: end"
CACHE_DIR = "/var/cache/nginx/bnviz"  # proxy_cache_path's directory in deploy/nginx.conf

# "|"-separated with the URI last, so a line splits cleanly (a retried request's $upstream_addr lists
# several replicas, ", "-separated); nginx writes "-" for an empty field.
LOG_FORMAT = "$bnviz_route|$upstream_addr|$status|$upstream_cache_status|$request_uri"


@dataclass(frozen=True)
class LogEntry:
    route: str  # the sticky route key of the request
    upstream: (
        str  # "127.0.0.1:port" of the replica that answered ("-": none; ", "-joined if retried)
    )
    status: int
    cache: str  # nginx's cache status: "HIT", "MISS", "BYPASS", ... ("-": not a cached location)
    uri: str


def render_site(conf: str, listen: str, servers: list[str], cache_dir: Path) -> str:
    """deploy/nginx.conf with its listen address, replica list and cache directory replaced
    (ValueError if any of them is not where the tests expect it)."""
    lines = conf.splitlines()
    try:
        begin = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
        end = next(i for i, line in enumerate(lines) if line.strip() == END)
    except StopIteration:
        raise ValueError(f"nginx.conf lost its '{BEGIN}' / '{END}' markers") from None
    indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
    lines[begin + 1 : end] = [
        f"{indent}server {server} max_fails=3 fail_timeout=30s;" for server in servers
    ]
    text = "\n".join(lines) + "\n"
    text, count = re.subn(r"^(\s*)listen 80;$", rf"\g<1>listen {listen};", text, flags=re.M)
    if count != 1:
        raise ValueError(f"nginx.conf should have exactly one 'listen 80;' line, found {count}")
    text, count = re.subn(
        rf"^proxy_cache_path {re.escape(CACHE_DIR)} ",
        f"proxy_cache_path {cache_dir} ",
        text,
        flags=re.M,
    )
    if count != 1:
        raise ValueError(
            f"nginx.conf should have one 'proxy_cache_path {CACHE_DIR}', found {count}"
        )
    return text


def main_conf(workdir: Path, site: Path) -> str:
    """A complete nginx.conf around the site file: foreground, files in ``workdir``, parsable log."""
    user = ""
    if os.geteuid() == 0:
        # Workers drop root; Debian has no group "nobody", which nginx's built-in default assumes.
        user = "user www-data;" if _has_user("www-data") else "user nobody nogroup;"
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} info;
events {{
    worker_connections 512;
}}
http {{
    log_format replicas "{LOG_FORMAT}";
    access_log {workdir / "access.log"} replicas;
{temp}
    include {site};
}}
"""


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def write_config(workdir: Path, listen: str, servers: list[str]) -> Path:
    """Write site + main config into ``workdir``; returns the main config's path."""
    site = workdir / "bnviz.conf"
    site.write_text(render_site(SITE_CONF.read_text(), listen, servers, workdir / "cache"))
    main = workdir / "nginx.conf"
    main.write_text(main_conf(workdir, site))
    return main


def check_config(workdir: Path, servers: list[str]) -> subprocess.CompletedProcess:
    """``nginx -t`` on the rendered configuration (returns the completed process)."""
    main = write_config(workdir, f"127.0.0.1:{harness.free_port()}", servers)
    return subprocess.run(
        [NGINX, "-t", "-p", str(workdir), "-c", str(main), "-e", str(workdir / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )


class NginxProxy(harness.Service):
    """``with NginxProxy(["127.0.0.1:8601", ...]) as proxy: page.goto(proxy.url)``."""

    def __init__(self, servers: list[str]):
        self.servers = servers
        self.port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.workdir: Path | None = None

    def start(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="bnviz-nginx-"))
        self.workdir.chmod(0o755)  # workers (www-data) reach their temp dirs in here
        main = write_config(self.workdir, f"127.0.0.1:{self.port}", self.servers)
        self.proc = subprocess.Popen(
            [
                NGINX,
                "-p",
                str(self.workdir),
                "-c",
                str(main),
                "-e",
                str(self.workdir / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: {self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"nginx did not listen on {self.url} within {timeout:.0f} s")

    def error_log(self) -> str:
        path = self.workdir / "error.log" if self.workdir else None
        return path.read_text()[-3000:] if path and path.exists() else ""

    def entries(self) -> list[LogEntry]:
        """Every request logged so far (a websocket is logged when it closes)."""
        path = self.workdir / "access.log"
        if not path.exists():
            return []
        out = []
        for line in path.read_text().splitlines():
            route, upstream, status, cache, uri = line.split("|", 4)
            out.append(LogEntry(route, upstream, int(status), cache, uri))
        return out

    def wait_for_entries(self, done, timeout: float = 15.0) -> list[LogEntry]:
        """Poll the access log until ``done(entries)`` is true; returns the entries (raises on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            entries = self.entries()
            if done(entries):
                return entries
            if time.monotonic() > deadline:
                raise TimeoutError(f"access log never satisfied the condition: {entries[-20:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(
                self.proc.pid, signal.SIGTERM
            )  # nginx's fast shutdown; the group holds its workers
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
