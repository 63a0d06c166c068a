#!/usr/bin/env bash
# Stops what ./start-dev.sh started. `--infra` also stops PostgreSQL, Redis and Kafka.
set -euo pipefail
cd "$(dirname "$0")"
RUN_DIR="${RUN_DIR:-.run}"
log() { printf '[stop-dev] %s\n' "$*"; }
shopt -s nullglob
for pidfile in "$RUN_DIR"/pids/*.pid; do
  name="$(basename "$pidfile" .pid)"
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; log "$name killed"; else log "$name stopped"; fi
  fi
  rm -f "$pidfile"
done
if [ "${1:-}" = "--infra" ]; then bash scripts/infra.sh down; fi
