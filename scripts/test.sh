#!/usr/bin/env bash
# Runs every test against real PostgreSQL, Redis and Kafka (started by scripts/infra.sh when
# they are not already running). Extra arguments are passed to `node --test`.
#   bash scripts/test.sh --unit [files…]   only the unit tier (*.unit.test.ts): pure logic, no
#                                          servers; the connection variables point at a closed
#                                          port, so a unit test that reaches for one fails fast
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/node.sh
source scripts/node.sh
if [ "${1:-}" = "--unit" ]; then
  shift
  export DATABASE_URL=postgres://ticketing:ticketing@127.0.0.1:1/unit REDIS_URL=redis://127.0.0.1:1 KAFKA_BROKERS=127.0.0.1:1
  if [ "$#" -eq 0 ]; then
    set -- "packages/*/test/**/*.unit.test.ts" "services/*/test/**/*.unit.test.ts" "test/**/*.unit.test.ts"
  fi
  exec node --test --test-reporter=spec --test-force-exit --test-timeout=30000 "$@"
fi
if [ "${SKIP_INFRA:-}" != "1" ]; then
  bash scripts/infra.sh up
fi
# the browser tests need Chromium (installed with apt-get when missing)
bash scripts/chromium.sh
if [ "$#" -eq 0 ]; then
  # includes the unit tier (*.unit.test.ts); test/faults/ is not here: the fault matrix has its
  # own command (npm run test:faults).
  set -- "packages/*/test/**/*.test.ts" "services/*/test/**/*.test.ts" "test/*.test.ts"
fi
# spec: a readable log ending in the pass/fail summary. force-exit: a leaked handle in one
# file cannot hang the whole run (each test still has its own timeout).
exec node --test --test-reporter=spec --test-force-exit --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=180000 "$@"
