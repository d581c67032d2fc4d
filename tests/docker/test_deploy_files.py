"""The deployment files agree with each other and with the app: fast checks, run by ``make test``.

The files are checked in use by ``make docker-test``; these tests catch a broken edit early: nginx
syntax (``nginx -t`` on the shipped config) and its hardening, the Kubernetes manifest's probes,
ports, affinity, user, read-only root and network policy against the Dockerfile and nginx.conf, the
hash lock against requirements.txt, the documented knobs against the code that reads them, and the
container health check against a stand-in server.
"""

from __future__ import annotations

import http.server
import importlib.metadata
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.docker import proxy
from tests.e2e import harness

ROOT = harness.ROOT
DOCKERFILE = (ROOT / "Dockerfile").read_text()
NGINX_CONF = proxy.SITE_CONF.read_text()
K8S = ROOT / "deploy" / "k8s" / "bnviz.yaml"
LOCK = ROOT / "requirements.lock"
HEALTH = "/_stcore/health"
# Every knob deploy/README.md documents, with the files that must read it (a knob nobody reads is a lie
# in the docs). STREAMLIT_* options are Streamlit's own.
ENV_KNOBS = {
    "PORT": ["docker/entrypoint.sh", "docker/healthcheck.py"],
    "BNVIZ_WORKERS": ["bnviz/train/pool.py"],
    "BNVIZ_SHARED_DIR": ["bnviz/shared_data.py", "Dockerfile"],
    "BNVIZ_MAX_TRAINING_RUNS": ["bnviz/train/sessions.py"],
    "BNVIZ_MAX_SESSIONS": ["bnviz/train/sessions.py"],
    "BNVIZ_IDLE_PAUSE_SECONDS": ["bnviz/train/sessions.py"],
    "BNVIZ_RELEASE_GRACE_SECONDS": ["bnviz/train/sessions.py"],
    "BNVIZ_DEFAULT_PAGE": ["app.py"],
    "BNVIZ_DEFAULT_LANGUAGE": ["ui/i18n.py"],
    "BNVIZ_REPLICA_ID": ["docker/entrypoint.sh", "ui/replica.py"],
}


# --- nginx ----------------------------------------------------------------------------------------


def test_render_site_changes_only_listen_replicas_and_cache_dir():
    servers = ["127.0.0.1:8601", "127.0.0.1:8602"]
    cache = Path("/tmp/test-cache")
    rendered = proxy.render_site(NGINX_CONF, "127.0.0.1:8080", servers, cache).splitlines()
    original = NGINX_CONF.splitlines()
    removed = [line for line in original if line not in rendered]
    added = [line for line in rendered if line not in original]
    assert [line.split(" levels=")[0].strip() for line in removed] == [
        f"proxy_cache_path {proxy.CACHE_DIR}",
        "server 10.0.0.11:8501 max_fails=3 fail_timeout=30s;",
        "server 10.0.0.12:8501 max_fails=3 fail_timeout=30s;",
        "listen 80;",
    ]
    assert [line.split(" levels=")[0].strip() for line in added] == [
        f"proxy_cache_path {cache}",
        "server 127.0.0.1:8601 max_fails=3 fail_timeout=30s;",
        "server 127.0.0.1:8602 max_fails=3 fail_timeout=30s;",
        "listen 127.0.0.1:8080;",
    ]


def test_render_site_refuses_a_config_without_markers():
    with pytest.raises(ValueError, match="markers"):
        proxy.render_site(
            NGINX_CONF.replace(proxy.BEGIN, "# replicas"), "127.0.0.1:1", [], Path("/c")
        )


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


def test_nginx_conf_limits_each_browser_tightly_and_each_address_loosely():
    # Zones keyed by the route cookie (one browser) and by the address (maybe a NAT'd lecture hall).
    zones = dict(re.findall(r"limit_req_zone \$(\w+) zone=(\w+):", NGINX_CONF))
    zones = {zone: key for key, zone in zones.items()}
    rates = {z: int(r) for z, r in re.findall(r"zone=(\w+):\w+ rate=(\d+)r/s;", NGINX_CONF)}
    bursts = {
        z: int(b) for z, b in re.findall(r"limit_req zone=(\w+) burst=(\d+) nodelay;", NGINX_CONF)
    }
    browser = next(z for z, key in zones.items() if key == "cookie_bnviz_route")
    address = next(z for z, key in zones.items() if key == "binary_remote_addr")
    assert bursts[browser] >= 150, "a first page load (~75 requests) must fit in a browser's burst"
    assert rates[address] >= 10 * rates[browser] and bursts[address] >= 50 * bursts[browser]
    conns = dict(re.findall(r"limit_conn (\w+) (\d+);", NGINX_CONF))
    assert len(conns) == 2 and all(int(n) >= 10 for n in conns.values())
    assert "limit_req_status 429;" in NGINX_CONF and "limit_conn_status 429;" in NGINX_CONF


def test_nginx_conf_adds_every_header_at_server_level():
    # A location with an add_header of its own drops all inherited ones (nginx's inheritance rule).
    directives = re.sub(r"#.*", "", NGINX_CONF)
    server = directives[directives.index("server {") :]
    first_location = server.index("location ")
    assert "add_header" not in server[first_location:]
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert re.search(rf"add_header {header} .+ always;", server[:first_location]), header


def _seconds(value: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(value[:-1]) * units[value[-1]] if value[-1] in units else int(value)


# --- Kubernetes -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents():
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the manifest (requirements-dev.txt)")
    return [doc for doc in yaml.safe_load_all(K8S.read_text()) if doc]


@pytest.fixture(scope="module")
def manifest(documents):
    """The first document of each kind (the app's Service comes before the blocked-paths one)."""
    by_kind = {}
    for doc in documents:
        by_kind.setdefault(doc["kind"], doc)
    return by_kind


def test_manifest_has_the_parts_a_course_site_needs(manifest):
    assert {"Deployment", "Service", "Ingress", "NetworkPolicy"} <= set(manifest)


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


def _give_up_after(probe: dict) -> int:
    """Seconds of failed probes before Kubernetes acts (period x threshold)."""
    return probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def test_liveness_only_fails_a_wedged_process(manifest):
    container = _container(manifest)
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    # Out of rotation quickly; restarted only after a long silence, never before readiness gave up.
    assert _give_up_after(readiness) <= 30
    assert _give_up_after(liveness) >= 120 > _give_up_after(readiness)
    assert liveness["timeoutSeconds"] > readiness["timeoutSeconds"]


def test_a_rollout_drains_a_pod_before_stopping_it(manifest):
    deployment = manifest["Deployment"]["spec"]
    assert deployment["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    pod = deployment["template"]["spec"]
    (sleep, seconds) = _container(manifest)["lifecycle"]["preStop"]["exec"]["command"]
    assert sleep == "sleep" and int(seconds) >= 5
    # Streamlit needs 2-4 s after SIGTERM (tests/docker/test_container_faults.py); leave it 10+.
    assert pod["terminationGracePeriodSeconds"] >= int(seconds) + 10


def test_pods_are_locked_down(manifest):
    pod = manifest["Deployment"]["spec"]["template"]["spec"]
    container = _container(manifest)
    assert pod["automountServiceAccountToken"] is False
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False and security["capabilities"]["drop"] == [
        "ALL"
    ]
    # Whatever is writable is scratch space that dies with the pod.
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in container["volumeMounts"]:
        assert set(volumes[mount["name"]]) == {"name", "emptyDir"}, mount


def test_network_policy_admits_the_ingress_controller_only_and_no_egress(manifest):
    policy = manifest["NetworkPolicy"]["spec"]
    labels = manifest["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= labels.items()
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"] and policy["egress"] == []
    (rule,) = policy["ingress"]
    (source,) = rule["from"]
    assert "namespaceSelector" in source and "podSelector" in source  # both: that controller's pods
    assert rule["ports"] == [{"protocol": "TCP", "port": "http"}]


def test_ingress_sends_streamlit_internals_nowhere(documents, manifest):
    (rule,) = manifest["Ingress"]["spec"]["rules"]
    backends = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    services = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Service"}
    for path in ("/_stcore/metrics", "/_stcore/script-health-check"):
        blocked = services[backends[path]]
        assert "selector" not in blocked["spec"], f"{path} reaches pods"
        assert f"location ^~ {path} {{" in NGINX_CONF, f"deploy/nginx.conf does not block {path}"


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


def test_every_knob_is_documented_and_read():
    readme = (ROOT / "deploy" / "README.md").read_text()
    documented = set(re.findall(r"^\| `((?:BNVIZ_|PORT)\w*)` \|", readme, re.M))
    assert documented == set(ENV_KNOBS), "deploy/README.md's knob table and ENV_KNOBS differ"
    for name, readers in ENV_KNOBS.items():
        for reader in readers:
            assert name in (ROOT / reader).read_text(), f"{reader} does not read {name}"


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


# --- the image's environment -----------------------------------------------------------------------


def _image_env() -> dict[str, str]:
    block = re.search(r"^ENV (.*?[^\\])$", DOCKERFILE, re.M | re.S)[1]
    return dict(re.findall(r"(\w+)=(\S+)", block))


def test_image_hides_error_details_and_pins_thread_pools():
    env = _image_env()
    assert env["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] == "none"
    assert env["STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION"] == "true"
    for pool in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        assert env[pool] == "1", pool


def test_no_full_garbage_collection_after_every_script_run():
    """Streamlit's default gc.collect(2) after each run (fragment reruns too) held the GIL most of
    the time with a few refreshing tabs; the app's config and the image both turn it off."""
    import tomllib

    config = tomllib.loads((harness.ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    assert _image_env()["STREAMLIT_RUNNER_POST_SCRIPT_GC"] == "false"


def test_the_image_has_the_korean_font_the_charts_ask_for():
    from bnviz.style import CJK_FAMILIES, FONT

    linux = CJK_FAMILIES.split(",")[0].strip()  # what Debian's fonts-noto-cjk provides
    assert linux in FONT["family"]
    assert "fonts-noto-cjk" in DOCKERFILE
    assert f"fc-list '{linux}' | grep -q ." in DOCKERFILE  # the build fails without it


def test_every_streamlit_variable_of_the_image_names_a_real_option():
    """Streamlit ignores a misspelt STREAMLIT_* variable silently; check each against its options."""
    from streamlit import config

    def env_name(key: str) -> str:
        return "STREAMLIT_" + re.sub(r"([a-z])([A-Z])", r"\1_\2", key.replace(".", "_")).upper()

    known = {env_name(key) for key in config._config_options_template}
    assert "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS" in known
    streamlit_vars = [name for name in _image_env() if name.startswith("STREAMLIT_")]
    assert [name for name in streamlit_vars if name not in known] == []


# --- the hash lock --------------------------------------------------------------------------------


def _lock() -> dict[str, tuple[Version, list[str]]]:
    """requirements.lock as {canonical name: (pinned version, sha256 hashes)}."""
    text = re.sub(r"\s*\\\n\s*", " ", LOCK.read_text())  # join continuation lines
    pins = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)((?: --hash=sha256:[0-9a-f]{64})*)", line)
        assert match, f"not a pinned, hashed requirement: {line[:80]}"
        name, version, hashes = match.groups()
        pins[canonicalize_name(name)] = (Version(version), hashes.split())
    return pins


def _requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]


def test_lock_pins_exactly_what_requirements_txt_asks_for():
    pins = _lock()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in requirements.txt but not in requirements.lock"
        version = pins[name][0]
        # == on a public version accepts its local builds too: torch==2.13.0 matches 2.13.0+cpu.
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.txt asks for {requirement}, the lock pins {version}: "
            "run docker/lock_requirements.sh"
        )


def test_every_locked_file_is_hashed_and_torch_is_the_cpu_build():
    pins = _lock()
    assert all(hashes for _, hashes in pins.values())
    torch_version, torch_hashes = pins["torch"]
    assert torch_version.local == "cpu" and len(torch_hashes) == 1, "one file: the CPU-only wheel"
    assert not [name for name in pins if name.startswith("nvidia-")], "CUDA packages in the lock"


def test_lock_holds_every_transitive_dependency():
    """Walk requirements.txt's dependency tree through the metadata installed in this venv (the same
    pins, see the test above) and find every node in the lock. The image build proves it too:
    it installs the lock with --no-deps, then runs `pip check`."""
    pins = _lock()
    todo = [(r, "requirements.txt") for r in _requirements()]
    seen = set()
    while todo:
        requirement, parent = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        assert name in pins, f"{name} (needed by {parent}) is missing from requirements.lock"
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here (e.g. setuptools): nothing more to walk
        todo += [(Requirement(r), name) for r in dist.requires or []]
    assert {"streamlit", "torch", "plotly", "numpy", "pandas"} <= seen


def test_the_image_installs_the_lock_with_hashes_only():
    installs = re.findall(r"pip install [^;]*;", DOCKERFILE)
    assert len(installs) == 2, installs
    for command in installs:
        assert "--require-hashes" in command and "--no-deps" in command, command
    assert "-r requirements.lock" in installs[1] and "requirements.txt" not in "".join(installs)
    assert "pip check" in DOCKERFILE
    assert "!requirements.lock" in (ROOT / ".dockerignore").read_text()
