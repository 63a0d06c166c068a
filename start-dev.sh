#!/usr/bin/env bash
# Starts the platform in distributed mode: PostgreSQL, Redis and Kafka (scripts/infra.sh), then
# each service's HTTP API and each worker as its own background process.
# Pid files and logs: .run/pids, .run/logs (see ./logs.sh). Stop with ./stop-dev.sh.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/node.sh
source scripts/node.sh 2>/dev/null
RUN_DIR="${RUN_DIR:-.run}"
mkdir -p "$RUN_DIR/pids" "$RUN_DIR/logs"

log() { printf '[start-dev] %s\n' "$*"; }

bash scripts/infra.sh up
set -a
# shellcheck disable=SC1090  # the connection settings printed by infra.sh
source <(bash scripts/infra.sh env)
set +a

[ -d node_modules ] || npm install --no-audit --no-fund

# Without a configured mail server, a local sink takes the mail (files under $RUN_DIR/mail).
if [ -z "${SMTP_HOST:-}" ]; then
  export SMTP_HOST=127.0.0.1 SMTP_PORT="${SMTP_SINK_PORT:-2525}" SMTP_SINK_DIR="$RUN_DIR/mail"
  SINK="smtp-sink|scripts/smtp-sink.ts|"
fi

# name | entry point | extra environment
PROCESSES=(
  ${SINK:+"$SINK"}
  "users|services/users/src/server.ts|"
  "events|services/events/src/server.ts|"
  "bookings|services/bookings/src/server.ts|WORKER_ENABLED=false"
  "bookings-worker|services/bookings/src/worker.ts|"
  "notifications|services/notifications/src/server.ts|NOTIFICATIONS_RUN_WORKER=false"
  "notifications-worker|services/notifications/src/worker.ts|"
  "web|services/web/src/server.ts|"
)

for entry in "${PROCESSES[@]}"; do
  IFS='|' read -r name file extra <<<"$entry"
  pidfile="$RUN_DIR/pids/$name.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "$name already running (pid $(cat "$pidfile"))"
    continue
  fi
  # shellcheck disable=SC2086
  env $extra nohup node "$file" >>"$RUN_DIR/logs/$name.log" 2>&1 &
  echo $! >"$pidfile"
  log "started $name (pid $!, log $RUN_DIR/logs/$name.log)"
done

for port in 8081 8082 8083 8084 "${WEB_PORT:-8080}"; do
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
    log "http://127.0.0.1:$port healthy"
  else
    log "http://127.0.0.1:$port did not become healthy; see ./logs.sh"
    exit 1
  fi
done
log "all services up: users :8081, events :8082, bookings :8083, notifications :8084 (API docs at /docs)"
log "open the shop: http://127.0.0.1:${WEB_PORT:-8080}/"
