#!/usr/bin/env bash
# scripts/infra.sh — local infrastructure for the ticketing platform, without Docker.
#
#   bash scripts/infra.sh up       start (or reuse) PostgreSQL, Redis and Kafka; wait until ready
#   bash scripts/infra.sh status   print up/down for each; exit 1 if any is down
#   bash scripts/infra.sh down     stop what this script started (never foreign processes)
#   bash scripts/infra.sh reset    down + delete the state dir (the Kafka jar cache is kept)
#   bash scripts/infra.sh jars     download the Kafka jars if needed; print their directory
#   bash scripts/infra.sh env      print the connection variables (shell syntax)
#   up, down and status take an optional list of servers: postgres redis kafka
#
# Services (all bound to 127.0.0.1), ports overridable (see below):
#   PostgreSQL  postgres://ticketing:ticketing@127.0.0.1:5432/ticketing   (Debian package postgresql)
#   Redis       redis://127.0.0.1:6379                                     (Debian package redis-server)
#   Kafka       127.0.0.1:9092 (KRaft, broker+controller; controller on :9093), from Maven Central jars
#
# Data, configs, pid files and logs live in <repo>/.infra/ (gitignored). The Kafka
# jars are cached in ${TICKETING_CACHE_DIR:-~/.cache/ticketing}/kafka-<version>.
# Anything already answering on one of the ports is reused and never stopped.
#
# Private instances beside the shared ones (fault tests that stop a server):
#   INFRA_DIR=/tmp/x INFRA_PG_PORT=16032 INFRA_REDIS_PORT=16079 \
#   INFRA_KAFKA_PORT=16092 INFRA_KAFKA_CONTROLLER_PORT=16093 bash scripts/infra.sh up
# One file per server under scripts/infra/ (common.sh, postgres.sh, redis.sh, kafka.sh).
set -euo pipefail

# shellcheck source=scripts/infra/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/infra/common.sh"
# shellcheck source=scripts/infra/postgres.sh
source "${INFRA_LIB}/postgres.sh"
# shellcheck source=scripts/infra/redis.sh
source "${INFRA_LIB}/redis.sh"
# shellcheck source=scripts/infra/kafka.sh
source "${INFRA_LIB}/kafka.sh"

ALL_SERVERS=(postgres redis kafka)

print_env() {
  cat <<EOF
DATABASE_URL=${DATABASE_URL}
REDIS_URL=${REDIS_URL}
KAFKA_BROKERS=${KAFKA_BROKERS}
EOF
}

# the servers named on the command line (all when none), checked
SERVERS=()
pick_servers() {
  SERVERS=("$@")
  ((${#SERVERS[@]} > 0)) || SERVERS=("${ALL_SERVERS[@]}")
  local s
  for s in "${SERVERS[@]}"; do
    case "${s}" in
      postgres | redis | kafka) ;;
      *) die "unknown server '${s}' (postgres, redis or kafka)" ;;
    esac
  done
}

# server name -> function prefix (postgres_up is pg_up)
fn_prefix() {
  case "$1" in
    postgres) printf 'pg' ;;
    *) printf '%s' "$1" ;;
  esac
}

cmd_up() {
  local start s
  start="$(now)"
  pick_servers "$@"
  ensure_dirs
  take_lock
  log "up: ${SERVERS[*]} (state in ${INFRA_DIR})"
  for s in "${SERVERS[@]}"; do "$(fn_prefix "${s}")_up"; done
  print_env >"${INFRA_DIR}/env"
  log "ready in $(since "${start}")s:"
  for s in "${SERVERS[@]}"; do
    case "${s}" in
      postgres) printf '  postgres  %s\n' "${DATABASE_URL}" ;;
      redis) printf '  redis     %s\n' "${REDIS_URL}" ;;
      kafka) printf '  kafka     %s\n' "${KAFKA_BROKERS}" ;;
    esac
  done
  log "(the same as shell variables: ${INFRA_DIR}/env)"
}

cmd_status() {
  local rc=0 s
  pick_servers "$@"
  for s in "${SERVERS[@]}"; do "$(fn_prefix "${s}")_status" || rc=1; done
  return "${rc}"
}

cmd_down() {
  local s i
  pick_servers "$@"
  ensure_dirs
  take_lock
  # reverse order: Kafka first, PostgreSQL last
  for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do
    s="${SERVERS[i]}"
    "$(fn_prefix "${s}")_down"
  done
  log "down: done"
}

cmd_reset() {
  cmd_down
  # only a directory this script made: the default one, or one holding its marker
  if [[ "${INFRA_DIR}" != */.infra && ! -f "${INFRA_DIR}/${INFRA_MARKER}" ]]; then
    die "refusing to delete ${INFRA_DIR}: not made by infra.sh (no ${INFRA_MARKER})"
  fi
  case "${INFRA_DIR}" in
    / | "${HOME:-/root}" | "${REPO_ROOT}") die "refusing to delete ${INFRA_DIR}" ;;
  esac
  local loc_file="${INFRA_DIR}/postgres.location" pg_base=""
  [[ -f "${loc_file}" ]] && pg_base="$(cat "${loc_file}")"
  if [[ "${pg_base}" == /var/lib/ticketing-infra/*/postgres ]]; then
    log "reset: deleting ${pg_base}"
    rm -rf "${pg_base}"
    rmdir "$(dirname "${pg_base}")" /var/lib/ticketing-infra 2>/dev/null || true
  fi
  log "reset: deleting ${INFRA_DIR} (Kafka jar cache ${KAFKA_DIST} is kept)"
  rm -rf "${INFRA_DIR}"
}

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  (($# == 0)) || shift
  case "${cmd}" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    reset) cmd_reset ;;
    jars)
      ensure_kafka_jars
      printf '%s\n' "${KAFKA_LIBS}"
      ;;
    env) print_env ;;
    -h | --help | help)
      usage
      ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
