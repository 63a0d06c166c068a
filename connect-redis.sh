#!/usr/bin/env bash
# Opens redis-cli on the platform's Redis. Extra arguments go to redis-cli (e.g. `monitor`).
set -euo pipefail
exec redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" "$@"
