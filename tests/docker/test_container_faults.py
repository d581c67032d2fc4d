"""Faults a course site meets, on the built image (``make docker-test``, BNVIZ_DOCKER_TESTS=1).

1. A replica dies mid-lecture behind nginx (deploy/nginx.conf): the other keeps serving its students,
   and a student whose replica died is reconnected to the live one, told why, and can train again.
2. The root filesystem is read-only, as deploy/k8s/bnviz.yaml makes it: every replica here runs with
   ``--read-only`` plus a tmpfs per emptyDir of the manifest (tests.docker.replicas), and a writable
   container that served every page and a training run has written nothing outside those mounts.
3. A rolling update stops a pod while a student trains: ``docker stop`` ends the container with exit
   code 0 well within the manifest's grace period, and its memory stays within the manifest's request.

Measured figures (memory, stop time, reconnect time) are appended to $BNVIZ_MEASUREMENTS when set;
scripts/docker_test.sh prints them at the end of its log.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest

from tests.docker import replicas
from tests.docker.proxy import NginxProxy
from tests.docker.replicas import ContainerReplica, kill, read_only_args, replica
from tests.docker.test_nginx_replicas import open_page, route_cookie
from tests.e2e import harness
from tests.e2e.test_live_lab import SMALL, current_step, press_play, wait_until

pytestmark = pytest.mark.docker

needs_image = pytest.mark.skipif(not replicas.IMAGE, reason="needs the image (BNVIZ_DOCKER_IMAGE)")
# The moved-session notice needs the router to call ui.replica.show() (one line in app.py).
ROUTER_SHOWS_REPLICA = "replica.show()" in (harness.ROOT / "app.py").read_text()
PLACEMENT_TRIES = 8  # new browsers until one lands on the other replica: all miss with odds 2**-8


def record(name: str, value: str) -> None:
    """Append a measured figure for the docker-test log (scripts/docker_test.sh prints them)."""
    path = os.environ.get("BNVIZ_MEASUREMENTS")
    if path:
        with open(path, "a") as out:
            out.write(f"{name}: {value}\n")


def manifest_container() -> tuple[dict, dict]:
    """(pod spec, container) of deploy/k8s/bnviz.yaml's Deployment."""
    import yaml

    docs = [d for d in yaml.safe_load_all(replicas.MANIFEST.read_text()) if d]
    spec = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    return spec, spec["containers"][0]


def memory_mib(container_id: str) -> float:
    """The container's memory use as ``docker stats`` reports it (cgroup usage less page cache)."""
    usage = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container_id],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split("/")[0]
    number, unit = re.fullmatch(r"\s*([\d.]+)\s*([KMG]i?B)\s*", usage).groups()
    return float(number) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]


def play_until_training(page) -> int:
    press_play(page)
    first = wait_until(lambda: current_step(page) > 0, timeout=60, what="training to start")
    return wait_until(lambda: current_step(page) > first, what="the step counter to rise again")


# --- 1. a replica dies behind nginx ---------------------------------------------------------------


@dataclass
class Student:
    page: object
    route: str
    upstream: str  # "127.0.0.1:port" of the replica serving this browser
    sockets: list = field(default_factory=list)  # every websocket the page opened


@dataclass
class Failover:
    proxy: NginxProxy
    moved: Student  # was on the replica that died
    stayed: Student  # on the replica that lives
    killed_at: float
    stayed_steps_at_kill: int


def _student(browser, proxy: NginxProxy) -> Student:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    sockets: list = []
    page.on("websocket", lambda ws: sockets.append(ws))
    open_page(page, f"{proxy.url}/{SMALL}")
    route = route_cookie(context)
    entries = proxy.wait_for_entries(
        lambda es: any(e.route == route and e.uri.startswith("/live-lab") for e in es)
    )
    upstream = next(
        e.upstream for e in entries if e.route == route and e.uri.startswith("/live-lab")
    )
    return Student(page, route, upstream, sockets)


@pytest.fixture(scope="module")
def failover(browser):
    """Two replicas behind nginx, a student training on each; then one replica is SIGKILLed."""
    with ExitStack() as stack:
        servers = {}
        for name in ("replica-a", "replica-b"):
            server = stack.enter_context(replica(name))
            servers[server.address] = server
        proxy = stack.enter_context(NginxProxy(list(servers)))
        moved = _student(browser, proxy)
        for _ in range(PLACEMENT_TRIES):
            stayed = _student(browser, proxy)
            if stayed.upstream != moved.upstream:
                break
            stayed.page.context.close()
        else:
            pytest.fail(f"{PLACEMENT_TRIES} new browsers all landed on {moved.upstream}")
        for student in (moved, stayed):
            play_until_training(student.page)
        stayed_steps = current_step(stayed.page)
        kill(servers[moved.upstream])
        yield Failover(proxy, moved, stayed, time.monotonic(), stayed_steps)
        for student in (moved, stayed):
            student.page.context.close()


def test_the_other_replica_keeps_serving_its_students(failover):
    stayed = failover.stayed
    wait_until(
        lambda: current_step(stayed.page) > failover.stayed_steps_at_kill + 20,
        what="the surviving replica's run to keep training",
    )
    assert len(stayed.sockets) == 1, "the student on the live replica was disconnected"
    assert harness.exceptions_on(stayed.page) == []


def test_a_student_on_the_dead_replica_reconnects_to_the_live_one_and_trains_again(failover):
    moved = failover.moved
    # Streamlit's client reconnects by itself; nginx sends the new websocket to the live replica,
    # whose new session runs the page from the start.
    wait_until(lambda: current_step(moved.page) == 0, timeout=60, what="the page to start afresh")
    harness.wait_for_app(moved.page)
    # (Playwright delivers the websocket events while the calls above run.)
    assert len(moved.sockets) == 2, [ws.url for ws in moved.sockets]
    record("reconnect after a replica died", f"{time.monotonic() - failover.killed_at:.1f} s")
    assert harness.exceptions_on(moved.page) == []
    # Requests of this browser after the kill were answered by the live replica.
    live = failover.stayed.upstream
    entries = failover.proxy.wait_for_entries(
        lambda es: any(e.route == moved.route and e.upstream.endswith(live) for e in es)
    )
    assert any(
        e.route == moved.route and e.status == 200 and e.upstream.endswith(live) for e in entries
    )
    play_until_training(moved.page)


@pytest.mark.skipif(not ROUTER_SHOWS_REPLICA, reason="app.py does not call ui.replica.show() yet")
def test_the_moved_student_is_told_why_the_page_started_afresh(failover):
    toast = failover.moved.page.locator("[data-testid=stToast]", has_text="stopped")
    toast.first.wait_for(timeout=30_000)
    assert "Press Play to start your run again" in toast.first.inner_text()
    assert failover.stayed.page.locator("[data-testid=stToast]").count() == 0


# --- 2. a read-only root filesystem ------------------------------------------------------------------


@needs_image
def test_the_app_writes_nothing_outside_the_manifests_tmpfs_mounts(browser):
    """A writable container serves every page and a training run; ``docker diff`` then lists what it
    wrote, which must all lie under the emptyDir mounts that the read-only pod gets."""
    port = harness.free_port()
    cid = subprocess.run(
        ["docker", "run", "-d", "--network", "host", "-e", f"PORT={port}"]
        + ["-e", "STREAMLIT_SERVER_ADDRESS=127.0.0.1", replicas.IMAGE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    try:
        url = f"http://127.0.0.1:{port}"
        harness.wait_for_health(url, timeout=120)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        for path in ("", "bn-arithmetic", "paper-figure1", SMALL):
            open_page(page, f"{url}/{path}")
        play_until_training(page)
        context.close()
        changed = subprocess.run(
            ["docker", "diff", cid], capture_output=True, text=True, check=True, timeout=60
        ).stdout.split("\n")
    finally:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True, timeout=60)
    mounts = [arg.split(":")[0] for arg in read_only_args() if arg.startswith("/")]
    entries = [line.split(" ", 1) for line in changed if line.strip()]

    def inside(path: str) -> bool:
        return any(path == m or path.startswith(m + "/") for m in mounts)

    def above(
        path: str,
    ) -> bool:  # a directory that holds a mount point: "C" when the mount changed
        return any(m.startswith(path.rstrip("/") + "/") for m in mounts)

    outside = [
        path for kind, path in entries if not inside(path) and not (kind == "C" and above(path))
    ]
    assert outside == [], f"written outside {mounts}: {outside}"


# --- 3. docker stop during training ---------------------------------------------------------------


@needs_image
def test_docker_stop_during_training_exits_cleanly_within_the_grace_period(browser):
    spec, container = manifest_container()
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = spec["terminationGracePeriodSeconds"] - pre_stop  # what SIGTERM has left in a pod
    request_mib = int(container["resources"]["requests"]["memory"].removesuffix("Gi")) * 1024

    with ContainerReplica(replicas.IMAGE, "stop-test") as server:
        record("memory at start, no session", f"{memory_mib(server.container_id):.0f} MiB")
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        open_page(
            page, f"{server.url}/live-lab"
        )  # the full MNIST run's page: torch and MNIST loaded
        record("memory, one live-lab session idle", f"{memory_mib(server.container_id):.0f} MiB")
        open_page(page, f"{server.url}/{SMALL}")
        play_until_training(page)
        time.sleep(3)
        training_mib = memory_mib(server.container_id)
        record("memory, one training run", f"{training_mib:.0f} MiB")
        # The request is sized for the warm pod plus ~20 more sessions at ~20 MiB each.
        assert training_mib < 0.6 * request_mib, "the manifest's memory request no longer fits"

        started = time.monotonic()
        subprocess.run(
            ["docker", "stop", "-t", str(grace), server.container_id],
            check=True,
            capture_output=True,
            timeout=grace + 30,
        )
        took = time.monotonic() - started
        state = json.loads(
            subprocess.run(
                ["docker", "inspect", "-f", "{{json .State}}", server.container_id],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout
        )
        context.close()
    record("docker stop during training", f"{took:.1f} s, exit code {state['ExitCode']}")
    # Exit code 137 would mean Docker had to SIGKILL it at the end of the grace period.
    assert state["ExitCode"] == 0 and not state["OOMKilled"], state
    assert took < grace / 2, f"stop took {took:.1f} s of a {grace} s grace period"
