#!/usr/bin/env bash
# Regenerate requirements.lock from requirements.txt: every transitive dependency pinned to one version,
# each with the sha256 hashes of its release files, for the image's `pip install --require-hashes`.
#
#   docker/lock_requirements.sh            # after changing requirements.txt; commit both files
#
# Resolved on the host for the image's platform (CPython 3.11, Linux x86_64: run it there). Sources are
# the ones the image installs from: PyPI for everything but torch, and the CPU-only torch wheel from
# TORCH_FIND_LINKS (default: .cache/docker/wheels, where `make docker-test` keeps the wheel it serves;
# PyTorch's https://download.pytorch.org/whl/cpu/torch/ works where it is reachable). The host's own pip
# settings are ignored (PIP_CONFIG_FILE=/dev/null), so a local mirror's rebuilt wheels never put their
# hashes in the lock. pip-tools lives in its own venv under .cache/, never in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.cache/pip-tools
torch_links=${TORCH_FIND_LINKS:-.cache/docker/wheels}
if [ ! -x "$venv/bin/pip-compile" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pip-tools
fi
env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
  PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="docker/lock_requirements.sh" \
  "$venv/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links \
  --index-url https://pypi.org/simple --find-links "$torch_links" \
  --output-file requirements.lock requirements.txt
