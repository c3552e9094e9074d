#!/usr/bin/env bash
# Installs the MinIO server the s3 driver tests start (test/helpers/minio.ts). Idempotent: reuses
# ${CONVERGE_TOOLS_DIR:-~/.cache/converge-tools}/minio/minio when present, else builds it from the Go module
# proxy (a few minutes on 2 cores) with `go install`. MinIO publishes no tagged Go module releases any more,
# so the version is a pseudo-version of a commit known to build with Go 1.26; override with MINIO_VERSION
# (e.g. MINIO_VERSION=latest). Prints the binary's path on the last line.
set -euo pipefail

tools="${CONVERGE_TOOLS_DIR:-${HOME}/.cache/converge-tools}"
dir="$tools/minio"
bin="$dir/minio"
version="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"

if [ ! -x "$bin" ]; then
  go_bin="$(command -v go || true)"
  [ -z "$go_bin" ] && [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go
  if [ -z "$go_bin" ]; then
    echo "install-minio: Go is needed to build MinIO (https://go.dev/dl/, or apt-get install golang)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  echo "install-minio: building github.com/minio/minio@$version into $dir (takes minutes)" >&2
  started=$(date +%s)
  GOBIN="$dir" GOFLAGS=-mod=mod "$go_bin" install "github.com/minio/minio@$version" >&2
  echo "install-minio: built in $(( $(date +%s) - started )) s" >&2
fi
"$bin" --version | head -1 >&2
echo "$bin"
