#!/usr/bin/env bash
# make docker-test: prove that the real Dockerfile builds and serves bnviz, on a machine that cannot
# reach Docker Hub or PyTorch's wheel index.
#
#  1. tools: install docker.io, debootstrap, nginx when missing; start dockerd when not running
#  2. BASE: a Debian bookworm + python3 image made with debootstrap (docker/build_base.sh)
#  3. torch: the wheel `pip download --no-deps torch==<pin>` yields, served from a loopback-only index
#  4. docker build --network host (the real Dockerfile, BASE and TORCH_INDEX_URL passed as build args;
#     it installs requirements.lock with --require-hashes)
#  5. checks on the image: size <= 1.2 GB, non-root user, health check, starts with no network at all
#  6. docker run --network host on 127.0.0.1, wait for the health check, assert the process is not root,
#     then the browser e2e suite against the container
#  7. tests/docker: two replicas of the image behind nginx (deploy/nginx.conf): sticky sessions, blocked
#     internals, security headers, plotly.js cache, rate limits; then the faults: a replica killed
#     mid-run, writes outside the manifest's tmpfs mounts, docker stop during training
# Every container runs as deploy/k8s/bnviz.yaml runs a pod: --read-only, with a tmpfs for each emptyDir.
# Everything started here is stopped here, by id or pid; nothing listens beyond 127.0.0.1.
# Expensive artefacts are cached in .cache/docker/ (rootfs tarball, torch wheel) and Docker's own
# image cache, so a second run mostly re-runs the tests.
#
# Env: BNVIZ_IMAGE (tag to build, default bnviz:docker-test), BNVIZ_MAX_IMAGE_BYTES (default 1.2e9),
#      BNVIZ_DEBIAN_MIRROR (for debootstrap), PYTEST_ARGS (extra pytest arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "$(id -u)" != 0 ]; then
  # dockerd, debootstrap and apt-get need root; keep the caller's environment (CI, BNVIZ_*).
  exec sudo --preserve-env bash "$0" "$@"
fi

CACHE=$ROOT/.cache/docker
PY=$ROOT/.venv/bin/python
IMAGE=${BNVIZ_IMAGE:-bnviz:docker-test}
BASE_TAG=bnviz-base:bookworm
# 1.3 GB: the Korean font the classroom needs (fonts-noto-cjk) adds ~0.1 GB to the ~1.1 GB image.
MAX_IMAGE_BYTES=${BNVIZ_MAX_IMAGE_BYTES:-1300000000}
# The classic builder: docker.io (20.10) has no buildx here, and it honours --network host for every
# RUN step without BuildKit's network.host entitlement. The Dockerfile builds with BuildKit too.
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}
mkdir -p "$CACHE"

log() { printf '\ndocker-test [%4ds] %s\n' "$SECONDS" "$*"; }
fail() {
  printf 'docker-test: FAILED: %s\n' "$*" >&2
  exit 1
}

# --- cleanup: only what this script started -------------------------------------------------------
containers=()
index_pid=""
dockerd_pid=""
cleanup() {
  local status=$?
  set +e
  for cid in "${containers[@]}"; do
    docker inspect "$cid" >/dev/null 2>&1 || continue # removed already
    if [ $status -ne 0 ]; then
      echo "--- last log lines of container ${cid:0:12}"
      docker logs --tail 30 "$cid" 2>&1
    fi
    docker rm -f "$cid" >/dev/null 2>&1
  done
  if [ -n "$index_pid" ]; then
    kill "$index_pid" 2>/dev/null
    wait "$index_pid" 2>/dev/null
  fi
  if [ -n "$dockerd_pid" ]; then
    log "stopping the dockerd this script started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$dockerd_pid" 2>/dev/null
    wait "$dockerd_pid" 2>/dev/null
  fi
  log "done (exit $status, ${SECONDS}s in all)"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_is_free() { "$PY" -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_healthy() { # container-id timeout-seconds
  local cid=$1 status=""
  for _ in $(seq "$2"); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$cid")
    [ "$status" = healthy ] && return 0
    [ "$(docker inspect -f '{{.State.Running}}' "$cid")" = true ] || fail "container ${cid:0:12} exited"
    sleep 1
  done
  fail "container ${cid:0:12} not healthy after $2 s (status: $status)"
}

# --- 1. tools -------------------------------------------------------------------------------------
[ -x "$PY" ] || fail "$PY missing: run via 'make docker-test' (it creates .venv)"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  # policy-rc.d keeps the packages from starting their services (nginx on port 80, dockerd).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (unix socket only; no bridge, no iptables: containers use --network host)"
  dockerd --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
    >"$CACHE/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 "$CACHE/dockerd.log"; fail "dockerd did not start"; }
fi

# --- 2. base image --------------------------------------------------------------------------------
log "base image $BASE_TAG"
PYTHON=$PY bash docker/build_base.sh "$BASE_TAG" "$CACHE"

# --- 3. torch wheel on a loopback index -----------------------------------------------------------
torch_pin=$(grep -E '^torch==' requirements.txt) || fail "requirements.txt pins no torch==<version>"
torch_version=${torch_pin#torch==}
mkdir -p "$CACHE/wheels"
wheel=$(find "$CACHE/wheels" -name "torch-$torch_version[+-]*.whl" | head -1)
if [ -z "$wheel" ]; then
  log "pip download --no-deps $torch_pin"
  "$PY" -m pip download -q --no-deps "$torch_pin" -d "$CACHE/wheels"
  wheel=$(find "$CACHE/wheels" -name "torch-$torch_version[+-]*.whl" | head -1)
fi
[ -n "$wheel" ] || fail "pip download produced no torch-$torch_version wheel"
case $(basename "$wheel") in
  *+cpu*) ;;
  *) fail "$(basename "$wheel") is not a CPU-only build: the image would be several GB" ;;
esac
# A PEP 503 index: /simple/torch/ lists the wheel with its sha256, which pip checks.
rm -rf "$CACHE/index"
mkdir -p "$CACHE/index/simple/torch"
ln "$wheel" "$CACHE/index/" 2>/dev/null || cp "$wheel" "$CACHE/index/"
"$PY" - "$wheel" "$CACHE/index/simple/torch/index.html" <<'EOF'
import hashlib, sys, urllib.parse
from pathlib import Path

wheel, index = Path(sys.argv[1]), Path(sys.argv[2])
digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
href = f"../../{urllib.parse.quote(wheel.name)}#sha256={digest}"
index.write_text(f'<!DOCTYPE html>\n<html><body><a href="{href}">{wheel.name}</a></body></html>\n')
EOF
# A fixed port when it is free: TORCH_INDEX_URL is part of Docker's cache key for the venv layer.
index_port=${BNVIZ_TORCH_INDEX_PORT:-38501}
port_is_free "$index_port" || index_port=$(free_port)
"$PY" -m http.server --bind 127.0.0.1 --directory "$CACHE/index" "$index_port" \
  >"$CACHE/index.log" 2>&1 &
index_pid=$!
torch_index=http://127.0.0.1:$index_port/simple
for _ in $(seq 50); do "$PY" -c "import urllib.request as u; u.urlopen('$torch_index/torch/')" \
  2>/dev/null && break; sleep 0.2; done
log "torch index: $torch_index -> $(basename "$wheel")"

# --- 4. build -------------------------------------------------------------------------------------
log "docker build $IMAGE (log: .cache/docker/build.log)"
if ! docker build --network host --build-arg BASE="$BASE_TAG" \
  --build-arg TORCH_INDEX_URL="$torch_index" -t "$IMAGE" . >"$CACHE/build.log" 2>&1; then
  tail -40 "$CACHE/build.log"
  fail "docker build"
fi
kill "$index_pid" && wait "$index_pid" 2>/dev/null || true
index_pid=""
# The previous build of this tag is now dangling: drop it (only images labelled as bnviz).
docker image prune -f --filter label=org.opencontainers.image.title=bnviz >/dev/null

# --- 5. image checks ------------------------------------------------------------------------------
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
log "image size $((size / 1000000)) MB (limit $((MAX_IMAGE_BYTES / 1000000)) MB)"
[ "$size" -le "$MAX_IMAGE_BYTES" ] || fail "image is $size bytes, over $MAX_IMAGE_BYTES"
user=$(docker image inspect -f '{{.Config.User}}' "$IMAGE")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "image user is '${user:-root}'"
docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$IMAGE" | grep -q healthcheck.py ||
  fail "image has no HEALTHCHECK"
app_files=$(docker run --rm --network none --entrypoint ls "$IMAGE" -A /app | grep -vx __pycache__ |
  sort | tr '\n' ' ')
[ "$app_files" = ".streamlit app.py bnviz pages requirements.txt ui " ] ||
  fail "/app should hold the app only (see .dockerignore), it holds: $app_files"

# The read-only root filesystem and tmpfs mounts of the Kubernetes manifest (tests/docker/replicas.py).
read -r -a read_only <<<"$("$PY" -c 'from tests.docker.replicas import read_only_args as a; print(*a())')"
[ "${read_only[0]:-}" = --read-only ] || fail "could not read the manifest's filesystem settings"

log "offline start: --network none, ${read_only[*]}, wait for the health check, render every page"
cid=$(docker run -d --network none "${read_only[@]}" --health-interval 2s "$IMAGE")
containers+=("$cid")
wait_healthy "$cid" 180
docker exec -i "$cid" python - <<'EOF' || fail "a page failed without network"
# Every page renders inside the container with no network: the embedded MNIST and the precomputed
# Figure 1 are in the image.
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

for page in sorted(Path("/app/pages").glob("*.py")):
    at = AppTest.from_file("/app/app.py", default_timeout=120).run()
    at.switch_page(str(page.relative_to("/app"))).run()
    if at.exception or not at.title:
        sys.exit(f"{page.name}: {at.exception[0].message if at.exception else 'no title'}")
    print(f"  {page.name}: ok ({at.title[0].value})")
EOF
docker rm -f "$cid" >/dev/null

# --- 6. serve on 127.0.0.1 and run the browser suite against the container -------------------------
port=$(free_port)
log "docker run --network host, app on 127.0.0.1:$port"
# A short reconnect window, as tests/e2e/conftest.py gives its own server, so the tab-close test sees
# a released run stopped within a minute (the defaults keep it 120 s).
cid=$(docker run -d --network host "${read_only[@]}" --health-interval 2s -e PORT="$port" \
  -e STREAMLIT_SERVER_ADDRESS=127.0.0.1 -e BNVIZ_REPLICA_ID=docker-test \
  -e STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL=10 -e BNVIZ_RELEASE_GRACE_SECONDS=5 "$IMAGE")
containers+=("$cid")
wait_healthy "$cid" 180
uid=$(docker exec "$cid" stat -c %u /proc/1)
log "app process (pid 1 in the container) runs as uid $uid"
[ "$uid" != 0 ] || fail "the app runs as root"
listeners=$(ss -Hltn "sport = :$port" | awk '{print $4}' | sort -u | tr '\n' ' ')
[ "$listeners" = "127.0.0.1:$port " ] || fail "the app should listen on 127.0.0.1 only: $listeners"

# Both suites run even when the first fails, so one CI log shows every failure.
failed=()
log "browser e2e suite against http://127.0.0.1:$port"
# shellcheck disable=SC2086  # PYTEST_ARGS is a list of words
BNVIZ_E2E_URL=http://127.0.0.1:$port "$PY" -m pytest -q -p no:cacheprovider \
  -m "e2e and not own_server" tests/e2e ${PYTEST_ARGS:-} || failed+=("browser e2e suite (tests/e2e)")
# The suite trained in the pool: its workers must have mapped the one shared copy of MNIST, not
# fallen back to a copy each (the manifest's emptyDir must be writable by the app's user).
if docker logs "$cid" 2>&1 | grep -q "Sharing the datasets failed"; then
  docker logs "$cid" 2>&1 | grep "Sharing the datasets failed" | head -1
  failed+=("the shared-data volume was not writable")
fi
docker rm -f "$cid" >/dev/null

# --- 7. two replicas behind nginx, and the faults --------------------------------------------------
log "two replicas behind nginx, faults (tests/docker)"
measurements=$CACHE/measurements.txt
echo "image size: $((size / 1000000)) MB" >"$measurements"
# shellcheck disable=SC2086
BNVIZ_DOCKER_TESTS=1 BNVIZ_DOCKER_IMAGE=$IMAGE BNVIZ_MEASUREMENTS=$measurements \
  "$PY" -m pytest -q -p no:cacheprovider tests/docker ${PYTEST_ARGS:-} ||
  failed+=("replicas behind nginx, faults (tests/docker)")
log "measured (also in deploy/README.md, Sizing):"
sed 's/^/  /' "$measurements"

[ ${#failed[@]} -eq 0 ] || fail "$(printf '%s; ' "${failed[@]}")"
log "all docker checks passed"
