# bnviz for a course site: one image, one `docker run`, no network needed at run time.
#
#   docker build -t bnviz .
#   docker run -d --restart unless-stopped -p 8501:8501 bnviz
#
# Build args
#   BASE             a Debian-based image with Python 3.11 and its venv module (default: the official
#                    slim image; `make docker-test` passes a local debootstrap image instead)
#   TORCH_INDEX_URL  a PEP 503 index holding the CPU-only torch wheel (default: PyTorch's CPU index;
#                    point it at an offline mirror where that is unreachable)
# Knobs at run time (environment; see deploy/README.md): PORT, BNVIZ_MAX_TRAINING_RUNS,
# BNVIZ_IDLE_PAUSE_SECONDS, BNVIZ_RELEASE_GRACE_SECONDS, BNVIZ_DEFAULT_PAGE, BNVIZ_DEFAULT_LANGUAGE
# (ko or en: the language of a browser that asks for neither; default ko), BNVIZ_REPLICA_ID, and any
# STREAMLIT_* option.
#
# The image writes nothing at run time: it runs with `docker run --read-only --tmpfs /tmp` (Kubernetes:
# readOnlyRootFilesystem with an emptyDir on /tmp; deploy/k8s/bnviz.yaml).
#
# Only Dockerfile instructions the classic builder knows are used (no heredocs, no RUN --mount), so the
# image builds with and without BuildKit.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE}
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
LABEL org.opencontainers.image.title="bnviz" \
      org.opencontainers.image.description="Batch normalization, made visible: a Streamlit teaching app"

# ---- the virtualenv: locked runtime requirements, trimmed --------------------------------------------
# One RUN, so that nothing it removes (pip's cache, binutils, apt lists, trimmed files) ever lands in a
# layer; a multi-stage build would get the same size but copy ~1 GB between stages on every build.
#
# requirements.lock (made by docker/lock_requirements.sh from requirements.txt) pins every transitive
# dependency with its sha256 hashes, and pip installs in --require-hashes mode: a changed or substituted
# file on any index fails the build instead of landing in the image. --no-deps installs exactly the
# lock; `pip check` then proves that it is complete.
# torch comes first, alone, from the CPU index: PyPI's Linux torch is the multi-GB CUDA build, and the
# lock pins the CPU wheel (2.13.0+cpu) by its hash. The rest then comes from PyPI and finds torch
# already installed.
#
# The trim removes what a running app never loads, ~450 MB: C++ headers, C++ test binaries, protoc, the
# packages' own test suites, pip itself, the symbol tables of torch's libraries (`strip --strip-unneeded`
# keeps the dynamic symbols that loading needs; only torch's libraries, never auditwheel-patched ones,
# which strip can corrupt), and bytecode of modules the server never imports: every __pycache__ goes,
# then warm_imports.py writes it back for what start-up and the pages import (and proves that the
# trimmed torch still trains).
COPY requirements.lock docker/warm_imports.py /tmp/bnviz-build/
RUN set -eux; \
    export PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DEBIAN_FRONTEND=noninteractive; \
    if ! command -v strip; then \
        apt-get update; apt-get install -y --no-install-recommends binutils; added_binutils=1; \
    fi; \
    python3 -m venv /opt/venv; \
    cd /tmp/bnviz-build; \
    awk '/^torch==/ { keep = 1 } keep { print } keep && !/\\$/ { exit }' requirements.lock >torch.lock; \
    grep -q -- '--hash=sha256:' torch.lock; \
    /opt/venv/bin/pip install --require-hashes --no-deps --index-url "$TORCH_INDEX_URL" -r torch.lock; \
    /opt/venv/bin/pip install --require-hashes --no-deps -r requirements.lock; \
    /opt/venv/bin/pip check; \
    site="$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"; \
    rm -rf "$site/torch/include" "$site/torch/test" "$site"/torch/bin/test_* \
        "$site"/torch/bin/*Test "$site"/torch/bin/protoc* "$site/pyarrow/include"; \
    find "$site" -type d -name tests -prune -exec rm -rf {} +; \
    strip --strip-unneeded "$site"/torch/lib/lib*.so; \
    /opt/venv/bin/python -m pip uninstall -y -q pip; \
    find /opt/venv -type d -name __pycache__ -prune -exec rm -rf {} +; \
    /opt/venv/bin/python /tmp/bnviz-build/warm_imports.py; \
    cd /; \
    if [ -n "${added_binutils:-}" ]; then apt-get purge -y --auto-remove binutils; fi; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /tmp/bnviz-build \
        /root/.cache

# ---- fonts: Korean as well as Latin --------------------------------------------------------------------
# The pages speak Korean and English. Every PNG the server draws (Figure 1's export, screenshots,
# through headless Chromium) needs Hangul glyphs, not tofu: Debian's Noto CJK (Sans and Serif, ~90 MB)
# and fontconfig, which finds it. The charts name "Noto Sans CJK KR" in their font list
# (bnviz/style.py's CJK_FAMILIES): the build fails if that family is not what fontconfig has.
RUN set -eux; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends fonts-noto-cjk fontconfig; \
    fc-list :lang=ko | grep -q .; \
    fc-list 'Noto Sans CJK KR' | grep -q .; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log

# ---- the app -----------------------------------------------------------------------------------------
# Production Streamlit settings. They match .streamlit/config.toml and are repeated here because
# environment variables rank above config files: the image stays safe whatever that file says. A student
# who hits a bug sees that something failed, never a traceback with the server's paths
# (client.showErrorDetails=none; the traceback still goes to the container log).
# BLAS/OpenMP pools: one thread per process. Training runs already run in parallel (one thread per twin,
# several runs per server, torch.set_num_threads(1) at start-up); per-run pools sized to the host's cores
# would oversubscribe the CPU the pod is limited to.
# The server binds to all interfaces of the container; `-e STREAMLIT_SERVER_ADDRESS=127.0.0.1` (or
# `--server.address`) narrows it, e.g. with `--network host`.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_SERVER_RUN_ON_SAVE=false \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none \
    STREAMLIT_CLIENT_TOOLBAR_MODE=viewer \
    STREAMLIT_SERVER_ENABLE_AGENT_API=false \
    STREAMLIT_RUNNER_POST_SCRIPT_GC=false \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    BNVIZ_SHARED_DIR=/var/cache/bnviz-data
# BNVIZ_SHARED_DIR: the training processes map MNIST from one file written there at start (~220 MB);
# a read-only pod mounts a volume of its own on it (deploy/k8s/bnviz.yaml).
RUN useradd --uid 10001 --user-group --create-home --home-dir /home/bnviz \
        --shell /usr/sbin/nologin bnviz \
    && install -d -o bnviz -g bnviz /var/cache/bnviz-data
COPY docker/entrypoint.sh docker/healthcheck.py /usr/local/lib/bnviz/
WORKDIR /app
# The app (code, embedded MNIST, precomputed Figure 1) belongs to root and is read-only for the app user.
COPY requirements.txt app.py ./
COPY .streamlit/ .streamlit/
COPY bnviz/ bnviz/
COPY ui/ ui/
COPY pages/ pages/
RUN python -m compileall -q /app
USER bnviz
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/opt/venv/bin/python", "/usr/local/lib/bnviz/healthcheck.py"]
ENTRYPOINT ["/bin/sh", "/usr/local/lib/bnviz/entrypoint.sh"]
