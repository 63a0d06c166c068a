#!/usr/bin/env bash
# Runs schemathesis (the OpenAPI fuzzer, from PyPI) from a private virtualenv under
# .tools/schemathesis, creating it on first use so a fresh machine needs only python3.
#   bash scripts/schemathesis.sh run http://127.0.0.1:8082/openapi.json --checks all
#   bash scripts/schemathesis.sh --install   # only make sure it is installed
# test/schemathesis.test.ts runs it against every service as part of `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
VENV=".tools/schemathesis"

installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true
}

if [ "$(installed_version)" != "$VERSION" ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    # Debian splits venv/ensurepip out of python3.
    echo "[schemathesis] installing python3-venv with apt-get" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
  fi
  echo "[schemathesis] installing schemathesis $VERSION into $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi

if [ "${1:-}" = "--install" ]; then
  exit 0
fi
exec "$VENV/bin/st" "$@"
