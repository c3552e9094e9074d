#!/usr/bin/env bash
# Copies the generated CRDs (manifests/crds/, from `npm run gen`) into the Helm chart (charts/converge/crds/)
# and re-renders manifests/install.yaml, so that the chart installs exactly the CRDs the server serves.
# test/charts/crds.test.ts fails until this has been run after a schema change.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -f charts/converge/crds/*.yaml
cp manifests/crds/*.yaml charts/converge/crds/
echo "sync-chart-crds: copied $(ls manifests/crds/*.yaml | wc -l) CRDs into charts/converge/crds/" >&2
scripts/render-install.sh > manifests/install.yaml
echo "sync-chart-crds: re-rendered manifests/install.yaml" >&2
