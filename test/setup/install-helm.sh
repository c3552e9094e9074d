#!/usr/bin/env bash
# Installs the helm the chart tests run (test/charts/). Idempotent: reuses
# ${CONVERGE_TOOLS_DIR:-~/.cache/converge-tools}/helm-$HELM_VERSION/helm when present and reporting that
# version, else builds it from the Go module proxy (a few minutes on 2 cores) with `go install`: helm is not
# packaged for Debian, and its release downloads are not reachable from CI. Override the version with
# HELM_VERSION. Prints the binary's path on the last line.
set -euo pipefail

tools="${CONVERGE_TOOLS_DIR:-${HOME}/.cache/converge-tools}"
version="${HELM_VERSION:-v3.16.2}"
dir="$tools/helm-$version"
bin="$dir/helm"

if [ ! -x "$bin" ] || [ "$("$bin" version --template '{{.Version}}' 2>/dev/null)" != "$version" ]; then
  go_bin="$(command -v go || true)"
  [ -z "$go_bin" ] && [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go
  if [ -z "$go_bin" ]; then
    echo "install-helm: Go is needed to build helm (https://go.dev/dl/, or apt-get install golang)" >&2
    exit 1
  fi
  # The linker flags helm's Makefile sets: its version, and the Kubernetes version that `helm template` and
  # `helm lint` assume without a cluster (one minor above client-go's v0.N, i.e. 1.N). A plain `go install`
  # would report "v3.16" and assume Kubernetes 1.20.
  gomod="$("$go_bin" mod download -json "helm.sh/helm/v3@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9][0-9]*\)\..*/\1/p' "$gomod" | head -n 1)"
  if [ -z "$k8s_minor" ]; then
    echo "install-helm: cannot find the client-go version in $gomod" >&2
    exit 1
  fi
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$version"
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags="$ldflags -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
  done
  mkdir -p "$dir"
  echo "install-helm: building helm.sh/helm/v3/cmd/helm@$version (Kubernetes 1.$k8s_minor) into $dir (takes minutes)" >&2
  started=$(date +%s)
  # A failed build must not leave a half-written binary that the next run would reuse.
  rm -rf "$dir.tmp"
  GOBIN="$dir.tmp" GOFLAGS=-mod=mod "$go_bin" install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$version" >&2
  mv -f "$dir.tmp/helm" "$bin"
  rmdir "$dir.tmp"
  echo "install-helm: built in $(( $(date +%s) - started )) s" >&2
fi
"$bin" version --short >&2
echo "$bin"
