#!/usr/bin/env bash
# Installs everything the test suite needs on Debian 12 (run as root): the real components the tests start
# (etcd, Debian's kubectl 1.20 beside the kubectl on PATH, MinIO for the s3 driver, helm for the chart, libvirtd + QEMU for the libvirt driver) and the npm dependencies.
# Idempotent; tools that are built or downloaded are cached under ${CONVERGE_TOOLS_DIR:-~/.cache/converge-tools}
# and reused.
set -euo pipefail
cd "$(dirname "$0")/../.."

tools="${CONVERGE_TOOLS_DIR:-${HOME}/.cache/converge-tools}"
mkdir -p "$tools"
export DEBIAN_FRONTEND=noninteractive

need_apt=()
command -v etcd >/dev/null 2>&1 || need_apt+=(etcd-server)
command -v git >/dev/null 2>&1 || need_apt+=(git)
# systemd-analyze checks examples/systemd/converge.service (test/charts/recipes.test.ts).
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "install-tools: apt-get install ${need_apt[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Debian's kubectl 1.20 (package kubernetes-client) conflicts with a kubectl already on PATH, so it is
# unpacked into the cache instead of installed.
old_kubectl="$tools/kubectl-1.20/usr/bin/kubectl"
if [ ! -x "$old_kubectl" ]; then
  echo "install-tools: unpacking Debian kubernetes-client (kubectl 1.20) into $tools"
  tmp="$(mktemp -d)"
  (cd "$tmp" && { apt-get download kubernetes-client >/dev/null 2>&1 || { apt-get update -qq && apt-get download kubernetes-client >/dev/null; }; })
  dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$tools/kubectl-1.20"
  rm -rf "$tmp"
fi
"$old_kubectl" version --client --short 2>/dev/null || "$old_kubectl" version --client

# MinIO, the S3-compatible server the s3 driver tests run against: built once from the Go module proxy.
CONVERGE_TOOLS_DIR="$tools" test/setup/install-minio.sh >/dev/null

# helm, for the chart tests (helm lint / helm template): built once from the Go module proxy.
CONVERGE_TOOLS_DIR="$tools" test/setup/install-helm.sh >/dev/null

# libvirtd + QEMU (started here, no systemd), for the libvirt driver tests.
test/setup/install-libvirt.sh >/dev/null

# better-sqlite3 builds from source here: point node-gyp at the local Node headers.
if [ -z "${npm_config_nodedir:-}" ] && [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
echo "install-tools: done"
