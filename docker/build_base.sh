#!/usr/bin/env bash
# Build a local stand-in for the official python:3.11-slim image and load it into Docker.
#
#   docker/build_base.sh TAG CACHE_DIR
#
# Why: Docker Hub is unreachable from the CI machines, so the Dockerfile's `BASE` is replaced by a
# Debian bookworm made here with `debootstrap --variant=minbase` plus python3 (3.11), pip, venv and
# ca-certificates. The host's CA bundle replaces the image's, and /etc/pip.conf carries the host's
# package index and certificate settings, so pip inside `docker build --network host` reaches PyPI
# exactly as the host's pip does.
#
# The root filesystem is cached as CACHE_DIR/bookworm-python3-<key>.tar.gz; the key hashes this
# script, the CA bundle and the pip settings, so a change to any of them builds a fresh one.
# Needs root (debootstrap), debootstrap and a running dockerd. Env: BNVIZ_DEBIAN_MIRROR, BNVIZ_CA_BUNDLE,
# PYTHON (the host Python whose pip settings are copied; default python3).
set -euo pipefail

tag=${1:?usage: build_base.sh TAG CACHE_DIR}
cache_dir=${2:?usage: build_base.sh TAG CACHE_DIR}
mirror=${BNVIZ_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ca_bundle=${BNVIZ_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
python=${PYTHON:-python3}

# The host's pip settings that matter inside the image: indexes reachable over the network (local
# file:// indexes and find-links do not exist in there) and the timeout. The certificate is the
# copied bundle.
pip_conf=$(
  echo "[global]"
  echo "cert = /etc/ssl/certs/ca-certificates.crt"
  "$python" -m pip config list 2>/dev/null | sed -nE \
    "s/^(global|:env:)\.(index-url|extra-index-url|timeout|default-timeout)='(.*)'$/\2 = \3/p" |
    sed -E 's/^default-timeout/timeout/' |
    while read -r key eq value; do
      urls=$(tr ' ' '\n' <<<"$value" | grep -E '^https?://' | tr '\n' ' ' || true)
      case $key in
        timeout) echo "timeout = $value" ;;
        *) if [ -n "$urls" ]; then echo "$key = ${urls% }"; fi ;;
      esac
    done | sort -u
)

key=$(cat "$0" "$ca_bundle" <(echo "$pip_conf") | sha256sum | cut -c1-16)
tarball=$cache_dir/bookworm-python3-$key.tar.gz
mkdir -p "$cache_dir"

if [ ! -s "$tarball" ]; then
  echo "build_base: debootstrap bookworm from $mirror (cached as $tarball)"
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/bnviz-rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
    bookworm "$rootfs" "$mirror" >"$cache_dir/debootstrap.log" 2>&1 ||
    { tail -30 "$cache_dir/debootstrap.log"; exit 1; }
  cp "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  printf '%s\n' "$pip_conf" >"$rootfs/etc/pip.conf"
  # What an image does not need: downloaded .debs, package lists, docs, locales; device nodes are
  # provided by the container runtime.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/dev/* "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.cache
  tar --numeric-owner -C "$rootfs" -czf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi

# Import only when the tagged image is not this key already: a re-import makes a new image id,
# which would throw away Docker's build cache for the app image.
if [ "$(docker image inspect -f '{{index .Config.Labels "bnviz.base.key"}}' "$tag" 2>/dev/null)" = "$key" ]; then
  echo "build_base: $tag is up to date ($key)"
  exit 0
fi
echo "build_base: docker import $tarball as $tag"
docker import \
  --change "LABEL bnviz.base.key=$key" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  "$tarball" "$tag" >/dev/null
