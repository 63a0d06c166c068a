#!/usr/bin/env bash
# Runs Helm, installing it first when missing: `bash scripts/helm.sh lint deploy/helm/ticketing`.
# Helm is built from its Go module (helm.sh/helm/v3, pinned below) into <repo>/.tools/helm/bin,
# so a clean clone needs only Go (installed with apt-get when missing) and the Go module proxy.
#   HELM_VERSION   the version to install (default below)
#   bash scripts/helm.sh --install-only   install and print the binary's path
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="${ROOT}/.tools/helm/${HELM_VERSION}/bin"
HELM="${BIN_DIR}/helm"

log() { printf '[helm.sh] %s\n' "$*" >&2; }

ensure_go() {
  if command -v go >/dev/null 2>&1; then return; fi
  log "Go not found; installing golang-go with apt-get"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go; } </dev/null >/dev/null
}

if [[ ! -x "${HELM}" ]]; then
  ensure_go
  log "building Helm ${HELM_VERSION} with $(go version | cut -d' ' -f3) into ${BIN_DIR} (once; a few minutes)"
  mkdir -p "${BIN_DIR}"
  # A static binary, without the version stamp's git lookups; the module cache is Go's usual one.
  CGO_ENABLED=0 GOBIN="${BIN_DIR}" GOFLAGS=-mod=mod go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" \
    "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" </dev/null
fi

if [[ "${1:-}" == "--install-only" ]]; then
  printf '%s\n' "${HELM}"
  exit 0
fi
# Helm's own caches and config stay inside .tools, never in the user's home.
export HELM_CACHE_HOME="${ROOT}/.tools/helm/cache" HELM_CONFIG_HOME="${ROOT}/.tools/helm/config" HELM_DATA_HOME="${ROOT}/.tools/helm/data"
exec "${HELM}" "$@"
