"""Real-browser test harness: serve a Streamlit script on loopback, read what the browser shows.

The browser is the system Chromium, opened by :func:`bnviz.chromium.launch` (never downloaded). A
server started here listens on 127.0.0.1 only and is stopped by its pid.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

APP_IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
EXCEPTION = "[data-testid=stException]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    """Poll Streamlit's health endpoint until it answers "ok" (raises after ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become healthy within {timeout:.0f} s")


class Service:
    """A server a test starts and stops itself: ``with`` runs ``start()``, then ``wait_ready()``,
    and ``stop()`` on the way out, also when the server never became ready."""

    def start(self) -> None:
        raise NotImplementedError

    def wait_ready(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.start()
        try:
            self.wait_ready()
        except Exception:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class StreamlitServer(Service):
    """``with StreamlitServer("app.py") as server: page.goto(server.url)``.

    Runs ``python -m streamlit run <script>`` from the repository root on a free loopback port, with the
    repository's ``.streamlit/config.toml``. ``env`` adds variables (e.g. ``BNVIZ_MAX_TRAINING_RUNS``).
    """

    def __init__(self, script: str | Path = "app.py", env: dict[str, str] | None = None):
        self.script = str(script)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The served app trains in its worker pool, as deployed (the in-process tests do not).
        inherited = {k: v for k, v in os.environ.items() if k != "BNVIZ_WORKERS"}
        self.env = {**inherited, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self) -> None:
        log_dir = ROOT / ".pytest_cache" / "e2e-logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"streamlit-{self.port}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ui.serve",  # streamlit run, with st.navigation from the first run on
                "run",
                self.script,
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() ends streamlit's children too
        )

    def wait_ready(self) -> None:
        wait_for_health(self.url, proc=self.proc)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has connected and the script run has finished."""
    page.wait_for_selector(APP_IDLE, timeout=timeout)


def exceptions_on(page) -> list[str]:
    """Texts of Streamlit exception boxes on the page (empty when all is well)."""
    return [e.inner_text() for e in page.locator(EXCEPTION).all()]
