#!/usr/bin/env bash
# Runs a TypeScript entry point on Node >= 22 (installing Node 24 via scripts/node.sh when the
# machine's Node is older): `bash scripts/run.sh services/users/src/server.ts`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/node.sh
source scripts/node.sh 2>/dev/null
# The tracing bootstrap runs before the entry point; it loads nothing unless OTEL_* asks for
# traces (docs/operations.md#tracing).
exec node --import ./packages/telemetry/src/register.ts "$@"
