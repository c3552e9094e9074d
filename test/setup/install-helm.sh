#!/usr/bin/env bash
# Installs the helm the chart tests run (test/charts/). Idempotent: reuses
# ${CONVERGE_TOOLS_DIR:-~/.cache/converge-tools}/helm-$HELM_VERSION/helm when present, else builds it from the
# Go module proxy (a few minutes on 2 cores) with `go install`: helm is not packaged for Debian, and get.helm.sh
# is not reachable from CI. Override the version with HELM_VERSION. Prints the binary's path on the last line.
set -euo pipefail

tools="${CONVERGE_TOOLS_DIR:-${HOME}/.cache/converge-tools}"
version="${HELM_VERSION:-v3.16.2}"
dir="$tools/helm-$version"
bin="$dir/helm"

if [ ! -x "$bin" ]; then
  go_bin="$(command -v go || true)"
  [ -z "$go_bin" ] && [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go
  if [ -z "$go_bin" ]; then
    echo "install-helm: Go is needed to build helm (https://go.dev/dl/, or apt-get install golang)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  echo "install-helm: building helm.sh/helm/v3/cmd/helm@$version into $dir (takes minutes)" >&2
  started=$(date +%s)
  # A failed build must not leave a half-written binary that the next run would reuse.
  GOBIN="$dir.tmp" GOFLAGS=-mod=mod "$go_bin" install "helm.sh/helm/v3/cmd/helm@$version" >&2
  mv "$dir.tmp/helm" "$bin"
  rmdir "$dir.tmp"
  echo "install-helm: built in $(( $(date +%s) - started )) s" >&2
fi
"$bin" version --short >&2
echo "$bin"
