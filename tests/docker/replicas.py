"""App replicas on loopback ports: containers of the built image, or ``streamlit run`` processes.

``replica(name)`` is a context manager yielding an object with ``.url`` and ``.address``
("127.0.0.1:port"). With env ``BNVIZ_DOCKER_IMAGE`` it runs that image (``--network host``, the app bound
to 127.0.0.1, removed by container id afterwards) the way deploy/k8s/bnviz.yaml runs a pod: read-only
root filesystem, a tmpfs wherever the manifest mounts an emptyDir (:func:`read_only_args`); without
an image, harness.StreamlitServer runs this checkout. Each replica gets ``BNVIZ_REPLICA_ID=<name>``.
``kill(replica)`` ends one abruptly (SIGKILL), as a crash or a lost node would.
"""

from __future__ import annotations

import os
import signal
import subprocess
from contextlib import contextmanager

from tests.e2e import harness

IMAGE = os.environ.get("BNVIZ_DOCKER_IMAGE", "")
MANIFEST = harness.ROOT / "deploy" / "k8s" / "bnviz.yaml"


def read_only_args() -> list[str]:
    """``docker run`` flags for the filesystem the Kubernetes pod gets: ``--read-only`` plus a tmpfs
    for each emptyDir the manifest mounts (its ``sizeLimit`` as the size), so the docker tests run
    the container exactly as writable as the manifest makes it."""
    import yaml  # requirements-dev.txt

    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d]
    spec = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    uid, gid = spec["securityContext"]["runAsUser"], spec["securityContext"]["runAsGroup"]
    args = ["--read-only"]
    for mount in container.get("volumeMounts", []):
        empty_dir = volumes[mount["name"]]["emptyDir"]
        size = str(empty_dir.get("sizeLimit", "64Mi")).replace("Mi", "m").replace("Gi", "g")
        # An emptyDir is writable by the pod's non-root user. Docker's tmpfs ignores mode= on any
        # path but /tmp (it stays root's 0755): the mount belongs to the manifest's user instead.
        args += ["--tmpfs", f"{mount['mountPath']}:rw,nosuid,nodev,size={size},uid={uid},gid={gid}"]
    return args


class ContainerReplica(harness.Service):
    def __init__(self, image: str, name: str, env: dict[str, str] | None = None):
        self.image = image
        self.name = name
        self.env = {"BNVIZ_REPLICA_ID": name, **(env or {})}
        self.port = harness.free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}"
        self.container_id: str | None = None

    def start(self) -> None:
        env = [f"{k}={v}" for k, v in self.env.items()]
        self.container_id = subprocess.run(
            ["docker", "run", "-d", "--network", "host", *read_only_args()]
            + ["-e", f"PORT={self.port}", "-e", "STREAMLIT_SERVER_ADDRESS=127.0.0.1"]
            + [arg for pair in zip(["-e"] * len(env), env, strict=True) for arg in pair]
            + [self.image],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()

    def wait_ready(self) -> None:
        harness.wait_for_health(self.url, timeout=120)

    def stop(self) -> None:
        if self.container_id:
            subprocess.run(
                ["docker", "rm", "-f", self.container_id], capture_output=True, timeout=60
            )
            self.container_id = None


@contextmanager
def replica(name: str):
    if IMAGE:
        with ContainerReplica(IMAGE, name) as container:
            yield container
    else:
        with harness.StreamlitServer("app.py", env={"BNVIZ_REPLICA_ID": name}) as server:
            server.address = f"127.0.0.1:{server.port}"
            yield server


def kill(server) -> None:
    """End a replica at once with SIGKILL: no shutdown, its websockets just drop."""
    if isinstance(server, ContainerReplica):
        subprocess.run(["docker", "kill", server.container_id], check=True, timeout=60)
    else:
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=30)
