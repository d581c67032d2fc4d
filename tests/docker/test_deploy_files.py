"""The deployment files agree with each other and with the app: fast checks, run by ``make test``.

The files are checked in use by ``make docker-test``; these tests catch a broken edit early: nginx
syntax (``nginx -t`` on the shipped config), the Kubernetes manifest's probes, ports, affinity and
user against the Dockerfile and nginx.conf, and the container health check against a stand-in server.
"""

from __future__ import annotations

import http.server
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.docker import proxy
from tests.e2e import harness

ROOT = harness.ROOT
DOCKERFILE = (ROOT / "Dockerfile").read_text()
NGINX_CONF = proxy.SITE_CONF.read_text()
K8S = ROOT / "deploy" / "k8s" / "bnviz.yaml"
HEALTH = "/_stcore/health"
ENV_KNOBS = [
    "PORT",
    "BNVIZ_MAX_TRAINING_RUNS",
    "BNVIZ_IDLE_PAUSE_SECONDS",
    "BNVIZ_DEFAULT_PAGE",
    "BNVIZ_REPLICA_ID",
]


# --- nginx ----------------------------------------------------------------------------------------


def test_render_site_changes_only_listen_and_replicas():
    servers = ["127.0.0.1:8601", "127.0.0.1:8602"]
    rendered = proxy.render_site(NGINX_CONF, "127.0.0.1:8080", servers).splitlines()
    original = NGINX_CONF.splitlines()
    removed = [line for line in original if line not in rendered]
    added = [line for line in rendered if line not in original]
    assert [line.strip() for line in removed] == [
        "server 10.0.0.11:8501 max_fails=3 fail_timeout=30s;",
        "server 10.0.0.12:8501 max_fails=3 fail_timeout=30s;",
        "listen 80;",
    ]
    assert [line.strip() for line in added] == [
        "server 127.0.0.1:8601 max_fails=3 fail_timeout=30s;",
        "server 127.0.0.1:8602 max_fails=3 fail_timeout=30s;",
        "listen 127.0.0.1:8080;",
    ]


def test_render_site_refuses_a_config_without_markers():
    with pytest.raises(ValueError, match="markers"):
        proxy.render_site(NGINX_CONF.replace(proxy.BEGIN, "# replicas"), "127.0.0.1:1", [])


@pytest.mark.skipif(not Path(proxy.NGINX).exists(), reason="nginx not installed")
def test_nginx_accepts_the_shipped_config(tmp_path):
    tmp_path.chmod(0o755)
    result = proxy.check_config(tmp_path, ["127.0.0.1:8601", "127.0.0.1:8602"])
    assert result.returncode == 0, result.stderr


def test_nginx_conf_proxies_websockets_with_long_timeouts():
    assert re.search(r"proxy_set_header Upgrade \$http_upgrade;", NGINX_CONF)
    assert re.search(r"proxy_set_header Connection \$bnviz_connection;", NGINX_CONF)
    assert "proxy_http_version 1.1;" in NGINX_CONF
    assert _seconds(re.search(r"proxy_read_timeout (\w+);", NGINX_CONF)[1]) >= 3600
    assert "hash $bnviz_route consistent;" in NGINX_CONF


def _seconds(value: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(value[:-1]) * units[value[-1]] if value[-1] in units else int(value)


# --- Kubernetes -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest():
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the manifest (requirements-dev.txt)")
    docs = [doc for doc in yaml.safe_load_all(K8S.read_text()) if doc]
    return {doc["kind"]: doc for doc in docs}


def test_manifest_has_the_parts_a_course_site_needs(manifest):
    assert {"Deployment", "Service", "Ingress"} <= set(manifest)


def _container(manifest):
    (container,) = manifest["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


def test_probes_hit_streamlit_health_on_the_exposed_port(manifest):
    container = _container(manifest)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    exposed = int(re.search(r"^EXPOSE (\d+)", DOCKERFILE, re.M)[1])
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert ports == {"http": exposed} and env["PORT"] == str(exposed)
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": HEALTH, "port": "http"}, probe


def test_resources_have_requests_within_limits(manifest):
    resources = _container(manifest)["resources"]
    for key in ("cpu", "memory"):
        request, limit = resources["requests"][key], resources["limits"][key]
        assert _quantity(request) <= _quantity(limit), key


def _quantity(value) -> float:
    value = str(value)
    for suffix, factor in (("Gi", 2**30), ("Mi", 2**20), ("m", 1e-3)):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value)


def test_pods_run_as_the_image_user_never_root(manifest):
    uid = int(re.search(r"useradd .*--uid (\d+)", DOCKERFILE)[1])
    security = manifest["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == uid


def test_service_and_ingress_reach_the_pods(manifest):
    labels = manifest["Deployment"]["spec"]["template"]["metadata"]["labels"]
    service = manifest["Service"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    (rule,) = manifest["Ingress"]["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": service["metadata"]["name"], "port": {"name": "http"}}


def test_ingress_is_sticky_by_cookie_with_websocket_timeouts(manifest):
    annotations = manifest["Ingress"]["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert annotations[prefix + "affinity"] == "cookie"
    # The same cookie name as deploy/nginx.conf, so docs and debugging speak of one cookie.
    assert annotations[prefix + "session-cookie-name"] == "bnviz_route"
    assert "$cookie_bnviz_route" in NGINX_CONF
    for key in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[prefix + key]) >= 3600, key


def test_every_knob_is_documented():
    readme = (ROOT / "deploy" / "README.md").read_text()
    for name in ENV_KNOBS:
        assert f"`{name}`" in readme, name


# --- the container's health check -----------------------------------------------------------------


class _Health(http.server.BaseHTTPRequestHandler):
    path_ok = HEALTH

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = b"ok" if self.path == self.path_ok else b"no"
        self.send_response(200 if self.path == self.path_ok else 404)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _healthcheck(env: dict[str, str]) -> int:
    script = ROOT / "docker" / "healthcheck.py"
    return subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, timeout=30
    ).returncode


def test_healthcheck_passes_when_streamlit_answers_ok(health_server):
    assert _healthcheck({"PORT": str(health_server.server_port)}) == 0


def test_healthcheck_follows_the_base_url_path(health_server, monkeypatch):
    monkeypatch.setattr(_Health, "path_ok", f"/course{HEALTH}")
    port = str(health_server.server_port)
    assert _healthcheck({"PORT": port, "STREAMLIT_SERVER_BASE_URL_PATH": "/course/"}) == 0
    assert _healthcheck({"PORT": port}) == 1


def test_healthcheck_fails_when_nothing_listens():
    assert _healthcheck({"PORT": str(harness.free_port())}) == 1
