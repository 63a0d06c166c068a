#!/usr/bin/env bash
# Runs every test against real PostgreSQL, Redis and Kafka (started by scripts/infra.sh when
# they are not already running). Extra arguments are passed to `node --test`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/node.sh
source scripts/node.sh
if [ "${SKIP_INFRA:-}" != "1" ]; then
  bash scripts/infra.sh up
fi
if [ "$#" -eq 0 ]; then
  set -- "packages/*/test/**/*.test.ts" "services/*/test/**/*.test.ts" "test/**/*.test.ts"
fi
# spec: a readable log ending in the pass/fail summary. force-exit: a leaked handle in one
# file cannot hang the whole run (each test still has its own timeout).
exec node --test --test-reporter=spec --test-force-exit --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=180000 "$@"
