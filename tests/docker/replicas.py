"""App replicas on loopback ports: containers of the built image, or ``streamlit run`` processes.

``replica(name)`` is a context manager yielding an object with ``.url`` and ``.address``
("127.0.0.1:port"). With env ``BNVIZ_DOCKER_IMAGE`` it runs that image (``--network host``, the app bound
to 127.0.0.1, removed by container id afterwards); without it, harness.StreamlitServer runs this
checkout. Each replica gets ``BNVIZ_REPLICA_ID=<name>``.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager

from tests.e2e import harness

IMAGE = os.environ.get("BNVIZ_DOCKER_IMAGE", "")


class ContainerReplica(harness.Service):
    def __init__(self, image: str, name: str):
        self.image = image
        self.name = name
        self.port = harness.free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}"
        self.container_id: str | None = None

    def start(self) -> None:
        self.container_id = subprocess.run(
            ["docker", "run", "-d", "--network", "host"]
            + ["-e", f"PORT={self.port}", "-e", "STREAMLIT_SERVER_ADDRESS=127.0.0.1"]
            + ["-e", f"BNVIZ_REPLICA_ID={self.name}", self.image],
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
