#!/usr/bin/env bash
# scripts/infra.sh — local infrastructure for the ticketing platform, without Docker.
#
#   bash scripts/infra.sh up       start (or reuse) PostgreSQL, Redis and Kafka; wait until ready
#   bash scripts/infra.sh status   print up/down for each; exit 1 if any is down
#   bash scripts/infra.sh down     stop what this script started (never foreign processes)
#   bash scripts/infra.sh reset    down + delete .infra/ (the Kafka jar cache is kept)
#   bash scripts/infra.sh jars     download the Kafka jars if needed; print their directory
#   bash scripts/infra.sh env      print the connection variables (shell syntax)
#
# Services (all bound to 127.0.0.1):
#   PostgreSQL  postgres://ticketing:ticketing@127.0.0.1:5432/ticketing   (Debian package postgresql)
#   Redis       redis://127.0.0.1:6379                                     (Debian package redis-server)
#   Kafka       127.0.0.1:9092 (KRaft, broker+controller; controller on :9093), from Maven Central jars
#
# Data, configs, pid files and logs live in <repo>/.infra/ (gitignored). The Kafka
# jars are cached in ${TICKETING_CACHE_DIR:-~/.cache/ticketing}/kafka-<version>.
# Anything already answering on one of the ports is reused and never stopped.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
INFRA_DIR="${REPO_ROOT}/.infra"
LOG_DIR="${INFRA_DIR}/logs"
RUN_DIR="${INFRA_DIR}/run"

PG_HOST=127.0.0.1
PG_PORT=5432
PG_APP_USER=ticketing
PG_APP_PASSWORD=ticketing
PG_APP_DB=ticketing
PG_SOCKET_DIRS=(/var/run/postgresql /tmp)

REDIS_HOST=127.0.0.1
REDIS_PORT=6379

KAFKA_HOST=127.0.0.1
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
LOG4J_VERSION="${LOG4J_VERSION:-2.24.3}"
KAFKA_READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"

CACHE_ROOT="${TICKETING_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ticketing}"
KAFKA_DIST="${CACHE_ROOT}/kafka-${KAFKA_VERSION}"
KAFKA_LIBS="${KAFKA_DIST}/libs"

DATABASE_URL="postgres://${PG_APP_USER}:${PG_APP_PASSWORD}@${PG_HOST}:${PG_PORT}/${PG_APP_DB}"
REDIS_URL="redis://${REDIS_HOST}:${REDIS_PORT}"
KAFKA_BROKERS="${KAFKA_HOST}:${KAFKA_PORT}"

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
log() { printf '[infra.sh] %s\n' "$*" >&2; }
warn() { printf '[infra.sh] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[infra.sh] ERROR: %s\n' "$*" >&2
  exit 1
}

now() { printf '%s' "${EPOCHREALTIME}"; }
# since START -> seconds with one decimal
since() { awk -v a="$1" -v b="${EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }'; }

have() { command -v "$1" >/dev/null 2>&1; }

is_root() { [[ "$(id -u)" == "0" ]]; }

# run a command as root (we usually are root; otherwise try passwordless sudo)
as_root() {
  if is_root; then
    "$@"
  elif have sudo; then
    sudo -n "$@"
  else
    die "need root for: $*"
  fi
}

# run a command as the postgres OS user (from /, which it can always enter)
as_postgres() {
  if [[ "$(id -un)" == "postgres" ]]; then
    "$@"
  elif is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && sudo -n -u postgres -- "$@")
  fi
}

tail_log() {
  local file="$1"
  if [[ -f "${file}" ]]; then
    log "---- last lines of ${file} ----"
    tail -n 30 "${file}" >&2 || true
    log "----"
  fi
}

# is a TCP port accepting connections?
port_open() {
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" >/dev/null 2>&1
}

# is PID alive and does its command line contain PATTERN?
pid_matches() {
  local pid="$1" pattern="$2"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -q -- "${pattern}"
}

# is PID still running (a zombie waiting to be reaped counts as gone)?
pid_running() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "${state}" && "${state}" != "Z" ]]
}

# stop PID (SIGTERM, then SIGKILL after TIMEOUT seconds)
stop_pid() {
  local pid="$1" name="$2" timeout_s="${3:-30}" waited=0
  kill -TERM "${pid}" 2>/dev/null || return 0
  while pid_running "${pid}"; do
    if ((waited >= timeout_s * 2)); then
      warn "${name} (pid ${pid}) did not stop after ${timeout_s}s; sending SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

APT_UPDATED=0
# wait while another apt/dpkg is running (e.g. a background install)
apt_wait() {
  have pgrep || return 0
  local waited=0
  while pgrep -x 'apt|apt-get|dpkg|aptitude|unattended-upgr' >/dev/null 2>&1; do
    if ((waited % 30 == 0)); then log "waiting for another apt/dpkg process to finish (${waited}s so far)"; fi
    ((waited < 1200)) || die "apt/dpkg still busy after ${waited}s"
    sleep 3
    waited=$((waited + 3))
  done
}

apt_install() {
  local start
  start="$(now)"
  have apt-get || die "apt-get not found; please install: $*"
  mkdir -p "${LOG_DIR}"
  apt_wait
  if [[ "${APT_UPDATED}" == "0" ]]; then
    log "apt-get update"
    if ! as_root apt-get -o DPkg::Lock::Timeout=600 update -q >>"${LOG_DIR}/apt.log" 2>&1; then
      tail_log "${LOG_DIR}/apt.log"
      die "apt-get update failed"
    fi
    APT_UPDATED=1
  fi
  log "apt-get install $* (log: ${LOG_DIR}/apt.log)"
  apt_wait
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "$@" >>"${LOG_DIR}/apt.log" 2>&1; then
    tail_log "${LOG_DIR}/apt.log"
    die "apt-get install $* failed"
  fi
  hash -r
  log "installed $* in $(since "${start}")s"
}

LOCK_FD=""
# serialise concurrent runs (several clones share the same ports)
take_lock() {
  have flock || return 0
  mkdir -p "${CACHE_ROOT}"
  exec {LOCK_FD}>"${CACHE_ROOT}/infra.lock"
  if ! flock -n "${LOCK_FD}"; then
    log "another infra.sh is running; waiting for it (up to 15 min)"
    flock -w 900 "${LOCK_FD}" || die "could not get ${CACHE_ROOT}/infra.lock"
  fi
}

# run a command with the lock fd closed, so that daemons started by it do not
# inherit (and keep holding) the lock
nolock() {
  if [[ -n "${LOCK_FD}" ]]; then
    "$@" {LOCK_FD}>&-
  else
    "$@"
  fi
}

ensure_dirs() {
  mkdir -p "${LOG_DIR}" "${RUN_DIR}"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
PG_BIN=""

find_pg_bin() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "${d}/initdb" && -x "${d}/pg_ctl" && -x "${d}/postgres" ]] || continue
    if [[ -z "${best}" ]] || [[ "$(printf '%s\n%s\n' "${best}" "${d}" | sort -V | tail -n1)" == "${d}" ]]; then
      best="${d}"
    fi
  done
  [[ -n "${best}" ]] || return 1
  PG_BIN="${best}"
}

# path of a PostgreSQL client tool (PATH first, then the server bin dir)
pg_tool() {
  local name="$1" d
  if have "${name}"; then
    command -v "${name}"
    return 0
  fi
  for d in /usr/lib/postgresql/*/bin; do
    if [[ -x "${d}/${name}" ]]; then
      printf '%s\n' "${d}/${name}"
      return 0
    fi
  done
  return 1
}

pg_ready() {
  local isready
  if isready="$(pg_tool pg_isready)"; then
    "${isready}" -q -h "${PG_HOST}" -p "${PG_PORT}" -t 3 >/dev/null 2>&1
  else
    port_open "${PG_HOST}" "${PG_PORT}"
  fi
}

# Where our cluster lives. Normally .infra/postgres; if the postgres OS user
# cannot reach the repo (e.g. a clone under /root, mode 700), a directory under
# /var/lib/ticketing-infra is used instead and recorded in .infra/postgres.location.
PG_BASE=""
PG_DATA=""
PG_LOG=""
pg_locate() {
  local loc_file="${INFRA_DIR}/postgres.location"
  if [[ -f "${loc_file}" ]]; then
    PG_BASE="$(cat "${loc_file}")"
  else
    PG_BASE="${INFRA_DIR}/postgres"
  fi
  PG_DATA="${PG_BASE}/data"
  PG_LOG="${PG_BASE}/postgres.log"
}

pg_prepare_dirs() {
  local loc_file="${INFRA_DIR}/postgres.location"
  if [[ ! -f "${loc_file}" ]]; then
    PG_BASE="${INFRA_DIR}/postgres"
    mkdir -p "${PG_BASE}"
    chown postgres: "${PG_BASE}" 2>/dev/null || true
    if ! as_postgres test -w "${PG_BASE}" 2>/dev/null; then
      local hash
      hash="$(printf '%s' "${REPO_ROOT}" | sha1sum | cut -c1-12)"
      PG_BASE="/var/lib/ticketing-infra/${hash}/postgres"
      warn "the postgres user cannot access ${INFRA_DIR}; keeping the cluster in ${PG_BASE} instead"
      rmdir "${INFRA_DIR}/postgres" 2>/dev/null || true
      mkdir -p "${PG_BASE}"
    fi
    printf '%s\n' "${PG_BASE}" >"${loc_file}"
  fi
  pg_locate
  mkdir -p "${PG_BASE}"
  chown postgres: "${PG_BASE}"
  chmod 700 "${PG_BASE}"
  touch "${PG_LOG}"
  chown postgres: "${PG_LOG}"
  ln -sfn "${PG_LOG}" "${LOG_DIR}/postgres.log"
  local d
  for d in "${PG_SOCKET_DIRS[@]}"; do
    if [[ ! -d "${d}" ]]; then
      mkdir -p "${d}"
      chown postgres:postgres "${d}" 2>/dev/null || true
      chmod 2775 "${d}"
    fi
  done
}

ensure_postgres_user() {
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating OS user 'postgres'"
    as_root useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
}

pg_write_config() {
  local socket_dirs
  socket_dirs="$(
    IFS=,
    printf '%s' "${PG_SOCKET_DIRS[*]}"
  )"
  # postgresql.conf stays as initdb wrote it; our settings go to an included file
  if ! grep -q "^include_if_exists = 'ticketing.conf'" "${PG_DATA}/postgresql.conf"; then
    printf "\n# added by scripts/infra.sh\ninclude_if_exists = 'ticketing.conf'\n" >>"${PG_DATA}/postgresql.conf"
  fi
  cat >"${PG_DATA}/ticketing.conf" <<EOF
# Written by scripts/infra.sh on every 'up' — edit the script, not this file.
# Dev/test cluster sized for 2 cores / 24 GiB; durability settings left at their safe defaults.
listen_addresses = '${PG_HOST}'
port = ${PG_PORT}
unix_socket_directories = '${socket_dirs}'
max_connections = 300
shared_buffers = 1GB
effective_cache_size = 8GB
work_mem = 8MB
maintenance_work_mem = 256MB
wal_buffers = 16MB
max_wal_size = 2GB
min_wal_size = 256MB
checkpoint_completion_target = 0.9
random_page_cost = 1.1
effective_io_concurrency = 200
max_worker_processes = 4
max_parallel_workers = 2
max_parallel_workers_per_gather = 1
max_parallel_maintenance_workers = 1
# durability: keep the defaults explicit
fsync = on
synchronous_commit = on
full_page_writes = on
# logging
log_destination = 'stderr'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = 1000
log_lock_waits = on
log_timezone = 'UTC'
timezone = 'UTC'
password_encryption = 'scram-sha-256'
EOF
  cat >"${PG_DATA}/pg_hba.conf" <<'EOF'
# Written by scripts/infra.sh: trust on the local socket, passwords over TCP.
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     trust
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
EOF
  chown postgres: "${PG_DATA}/ticketing.conf" "${PG_DATA}/pg_hba.conf" "${PG_DATA}/postgresql.conf"
}

# Find a way to run psql as a superuser. Sets PSQL_SUPER (array).
PSQL_SUPER=()
pg_find_superuser() {
  local psql d
  psql="$(pg_tool psql)" || return 1
  PSQL_SUPER=()
  if is_root || [[ "$(id -un)" == "postgres" ]]; then
    if id -u postgres >/dev/null 2>&1; then
      for d in "${PG_SOCKET_DIRS[@]}"; do
        [[ -S "${d}/.s.PGSQL.${PG_PORT}" ]] || continue
        if [[ "$(as_postgres env PGCONNECT_TIMEOUT=5 "${psql}" -X -h "${d}" -p "${PG_PORT}" -U postgres -d postgres -tAc \
          'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null)" == "t" ]]; then
          PSQL_SUPER=(as_postgres "${psql}" -X -h "${d}" -p "${PG_PORT}" -U postgres)
          return 0
        fi
      done
    fi
  fi
  # maybe our app role already exists and is a superuser
  if [[ "$(PGPASSWORD="${PG_APP_PASSWORD}" PGCONNECT_TIMEOUT=5 "${psql}" -X -h "${PG_HOST}" -p "${PG_PORT}" -U "${PG_APP_USER}" \
    -d postgres -tAc 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null)" == "t" ]]; then
    PSQL_SUPER=(env "PGPASSWORD=${PG_APP_PASSWORD}" "${psql}" -X -h "${PG_HOST}" -p "${PG_PORT}" -U "${PG_APP_USER}")
    return 0
  fi
  return 1
}

pg_app_login_ok() {
  local psql
  psql="$(pg_tool psql)" || return 1
  [[ "$(PGPASSWORD="${PG_APP_PASSWORD}" PGCONNECT_TIMEOUT=5 "${psql}" -X -h "${PG_HOST}" -p "${PG_PORT}" \
    -U "${PG_APP_USER}" -d "${PG_APP_DB}" -tAc 'select 1' 2>/dev/null)" == "1" ]]
}

pg_ensure_role_db() {
  if pg_find_superuser; then
    "${PSQL_SUPER[@]}" -d postgres -q -v ON_ERROR_STOP=1 >/dev/null <<EOF
SELECT format('CREATE ROLE %I LOGIN SUPERUSER PASSWORD %L', '${PG_APP_USER}', '${PG_APP_PASSWORD}')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PG_APP_USER}')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', '${PG_APP_DB}', '${PG_APP_USER}')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${PG_APP_DB}')\gexec
EOF
  else
    log "postgres: cannot connect as a superuser; not creating role/database '${PG_APP_USER}' (create them yourself if missing)"
  fi
  if pg_app_login_ok; then
    log "postgres: login as ${PG_APP_USER} to database ${PG_APP_DB} works"
  else
    warn "postgres: cannot log in with ${DATABASE_URL}"
    return 1
  fi
}

pg_managed() {
  [[ -f "${RUN_DIR}/postgres.managed" ]] || return 1
  pg_locate
  [[ -f "${PG_DATA}/postmaster.pid" ]] || return 1
  local pid
  pid="$(head -n1 "${PG_DATA}/postmaster.pid" 2>/dev/null || true)"
  pid_matches "${pid}" postgres
}

pg_up() {
  local start
  start="$(now)"
  if pg_ready; then
    if pg_managed; then
      log "postgres: already running (started by infra.sh, data ${PG_DATA})"
    else
      log "postgres: something already answers on ${PG_HOST}:${PG_PORT}; reusing it"
    fi
    pg_ensure_role_db || true
    return 0
  fi

  if ! find_pg_bin; then
    log "postgres: server binaries not found; installing the Debian package"
    apt_install postgresql
    find_pg_bin || die "postgres: still no server binaries under /usr/lib/postgresql/*/bin"
    # the package may have started its own cluster (on machines with a working init system)
    sleep 1
    if pg_ready; then
      log "postgres: the Debian package started a cluster on ${PG_PORT}; reusing it"
      pg_ensure_role_db || true
      return 0
    fi
  fi
  ensure_postgres_user
  pg_prepare_dirs

  if [[ ! -f "${PG_DATA}/PG_VERSION" ]]; then
    log "postgres: initdb ${PG_DATA} ($("${PG_BIN}/postgres" --version))"
    rm -rf "${PG_DATA}"
    if ! as_postgres "${PG_BIN}/initdb" -D "${PG_DATA}" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >>"${PG_LOG}" 2>&1; then
      tail_log "${PG_LOG}"
      die "postgres: initdb failed"
    fi
  fi
  pg_write_config

  log "postgres: starting on ${PG_HOST}:${PG_PORT} (log: ${LOG_DIR}/postgres.log)"
  if ! nolock as_postgres "${PG_BIN}/pg_ctl" -D "${PG_DATA}" -l "${PG_LOG}" -w -t 90 start >/dev/null 2>&1; then
    tail_log "${PG_LOG}"
    die "postgres: pg_ctl start failed"
  fi
  printf 'data=%s\nbin=%s\n' "${PG_DATA}" "${PG_BIN}" >"${RUN_DIR}/postgres.managed"
  local waited=0
  until pg_ready; do
    ((waited < 60)) || die "postgres: not ready after 30s"
    sleep 0.5
    waited=$((waited + 1))
  done
  pg_ensure_role_db
  log "postgres: ready in $(since "${start}")s"
}

pg_down() {
  if [[ ! -f "${RUN_DIR}/postgres.managed" ]]; then
    if pg_ready; then log "postgres: running but not started by infra.sh; leaving it alone"; else log "postgres: not running"; fi
    return 0
  fi
  pg_locate
  local bin
  bin="$(sed -n 's/^bin=//p' "${RUN_DIR}/postgres.managed")"
  [[ -x "${bin}/pg_ctl" ]] || { find_pg_bin && bin="${PG_BIN}"; } || true
  if [[ -f "${PG_DATA}/postmaster.pid" ]] && [[ -x "${bin}/pg_ctl" ]]; then
    log "postgres: stopping (fast)"
    as_postgres "${bin}/pg_ctl" -D "${PG_DATA}" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      warn "postgres: pg_ctl stop failed (see ${LOG_DIR}/postgres.log)"
  else
    log "postgres: not running"
  fi
  rm -f "${RUN_DIR}/postgres.managed"
}

pg_status() {
  if pg_ready; then
    local who="external"
    pg_managed && who="started by infra.sh"
    if pg_app_login_ok; then
      printf '%-9s up    %s (%s)\n' postgres "${DATABASE_URL}" "${who}"
    else
      printf '%-9s up    %s:%s (%s) but login as %s/%s failed\n' postgres "${PG_HOST}" "${PG_PORT}" "${who}" "${PG_APP_USER}" "${PG_APP_DB}"
      return 1
    fi
  else
    printf '%-9s down\n' postgres
    return 1
  fi
}

# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------
redis_ping() {
  local reply=""
  if have redis-cli; then
    reply="$(timeout 3 redis-cli -h "${REDIS_HOST}" -p "${REDIS_PORT}" ping 2>/dev/null || true)"
  else
    # no redis-cli: speak RESP over bash's /dev/tcp
    # shellcheck disable=SC2016  # expanded by the inner bash
    reply="$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "PING\r\n" >&3 && IFS= read -r l <&3 && printf "%s" "$l"' \
      _ "${REDIS_HOST}" "${REDIS_PORT}" 2>/dev/null || true)"
    reply="${reply%$'\r'}"
    reply="${reply#+}"
  fi
  [[ "${reply}" == "PONG" ]]
}

redis_managed() {
  [[ -f "${RUN_DIR}/redis.managed" && -f "${RUN_DIR}/redis.pid" ]] || return 1
  pid_matches "$(cat "${RUN_DIR}/redis.pid")" redis-server
}

redis_up() {
  local start
  start="$(now)"
  if redis_ping; then
    if redis_managed; then
      log "redis: already running (started by infra.sh, pid $(cat "${RUN_DIR}/redis.pid"))"
    else
      log "redis: something already answers on ${REDIS_HOST}:${REDIS_PORT}; reusing it"
    fi
    return 0
  fi
  if ! have redis-server; then
    log "redis: redis-server not found; installing the Debian package"
    apt_install redis-server redis-tools
    sleep 1
    if redis_ping; then
      log "redis: the Debian package started a redis on ${REDIS_PORT}; reusing it"
      return 0
    fi
  fi
  local dir="${INFRA_DIR}/redis"
  mkdir -p "${dir}"
  rm -f "${RUN_DIR}/redis.pid"
  cat >"${dir}/redis.conf" <<EOF
# Written by scripts/infra.sh — dev/test Redis, no persistence.
bind ${REDIS_HOST}
port ${REDIS_PORT}
protected-mode yes
daemonize yes
supervised no
pidfile "${RUN_DIR}/redis.pid"
logfile "${LOG_DIR}/redis.log"
loglevel notice
dir "${dir}"
save ""
appendonly no
databases 16
EOF
  log "redis: starting $(redis-server --version | awk '{sub("v=", "", $3); print $3}') on ${REDIS_HOST}:${REDIS_PORT} (log: ${LOG_DIR}/redis.log)"
  if ! nolock redis-server "${dir}/redis.conf" >>"${LOG_DIR}/redis.log" 2>&1; then
    tail_log "${LOG_DIR}/redis.log"
    die "redis: redis-server failed to start"
  fi
  touch "${RUN_DIR}/redis.managed"
  local waited=0
  until redis_ping; do
    if ((waited >= 30)); then
      tail_log "${LOG_DIR}/redis.log"
      die "redis: not answering PING after 15s"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  log "redis: ready in $(since "${start}")s"
}

redis_down() {
  if [[ -f "${RUN_DIR}/redis.managed" ]]; then
    local pid=""
    [[ -f "${RUN_DIR}/redis.pid" ]] && pid="$(cat "${RUN_DIR}/redis.pid")"
    if pid_matches "${pid}" redis-server; then
      log "redis: stopping (pid ${pid})"
      stop_pid "${pid}" redis 20
    else
      log "redis: not running"
    fi
    rm -f "${RUN_DIR}/redis.managed" "${RUN_DIR}/redis.pid"
  elif redis_ping; then
    log "redis: running but not started by infra.sh; leaving it alone"
  else
    log "redis: not running"
  fi
}

redis_status() {
  if redis_ping; then
    local who="external"
    redis_managed && who="started by infra.sh"
    printf '%-9s up    %s (%s)\n' redis "${REDIS_URL}" "${who}"
  else
    printf '%-9s down\n' redis
    return 1
  fi
}

# ---------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------
KAFKA_CONF_DIR="${INFRA_DIR}/kafka"
KAFKA_DATA_DIR="${INFRA_DIR}/kafka/data"

ensure_java() {
  if ! have java; then
    log "java not found; installing openjdk-17-jre-headless"
    apt_install openjdk-17-jre-headless
  fi
  local ver major
  ver="$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${ver%%.*}"
  [[ "${major}" == "1" ]] && major="$(printf '%s' "${ver}" | cut -d. -f2)"
  if ! [[ "${major}" =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "Kafka ${KAFKA_VERSION} needs Java >= 17, found '${ver}'"
  fi
}

kafka_pom() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/infra.sh: only used to fetch the Kafka ${KAFKA_VERSION} runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ticketing</groupId>
  <artifactId>kafka-dist</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- broker (kafka.Kafka), storage tool (kafka.tools.StorageTool), KRaft, metadata, ... -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <!-- CLI tools: TopicCommand, ConsoleProducer/Consumer, ConsumerGroupCommand, ... (not transitive) -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <!-- logging: Kafka ${KAFKA_VERSION} uses slf4j-api 1.7.x, so the log4j2 binding is log4j-slf4j-impl -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${LOG4J_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${LOG4J_VERSION}</version></dependency>
  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
      </plugins>
    </pluginManagement>
  </build>
</project>
EOF
}

# log4j2 config for the CLI tools (kafka-tool.sh): warnings to stderr only
kafka_tools_log4j() {
  cat <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="stderr" target="SYSTEM_ERR">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="warn"><AppenderRef ref="stderr"/></Root>
  </Loggers>
</Configuration>
EOF
}

# download the jars into the cache (once)
ensure_kafka_jars() {
  local stamp="${KAFKA_DIST}/.complete" want
  want="kafka=${KAFKA_VERSION} log4j=${LOG4J_VERSION} layout=2"
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${want}" && -d "${KAFKA_LIBS}" ]]; then
    return 0
  fi
  local start lock_fd
  start="$(now)"
  ensure_java
  have mvn || apt_install maven
  mkdir -p "${KAFKA_DIST}"
  exec {lock_fd}>"${KAFKA_DIST}/.lock"
  flock -w 900 "${lock_fd}" || die "kafka: could not lock ${KAFKA_DIST}"
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${want}" && -d "${KAFKA_LIBS}" ]]; then
    exec {lock_fd}>&-
    return 0
  fi
  log "kafka: fetching Kafka ${KAFKA_VERSION} jars from Maven Central into ${KAFKA_LIBS}"
  kafka_pom >"${KAFKA_DIST}/pom.xml"
  kafka_tools_log4j >"${KAFKA_DIST}/tools-log4j2.xml"
  rm -rf "${KAFKA_LIBS}.tmp"
  mkdir -p "${LOG_DIR}"
  if ! mvn -B -q -f "${KAFKA_DIST}/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="${KAFKA_LIBS}.tmp" >"${LOG_DIR}/kafka-mvn.log" 2>&1; then
    tail_log "${LOG_DIR}/kafka-mvn.log"
    die "kafka: maven could not fetch the jars"
  fi
  [[ -f "${KAFKA_LIBS}.tmp/kafka_2.13-${KAFKA_VERSION}.jar" && -f "${KAFKA_LIBS}.tmp/kafka-tools-${KAFKA_VERSION}.jar" ]] ||
    die "kafka: expected jars missing after maven run"
  rm -rf "${KAFKA_LIBS}"
  mv "${KAFKA_LIBS}.tmp" "${KAFKA_LIBS}"
  printf '%s\n' "${want}" >"${stamp}"
  exec {lock_fd}>&-
  log "kafka: $(find "${KAFKA_LIBS}" -name '*.jar' | wc -l) jars ($(du -sh "${KAFKA_LIBS}" | cut -f1)) fetched in $(since "${start}")s"
}

# run a Kafka class from the cached jars (used for the readiness check)
kafka_java_tool() {
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j2.configurationFile="${KAFKA_DIST}/tools-log4j2.xml" \
    -cp "${KAFKA_LIBS}/*" "$@"
}

# does a Kafka broker answer metadata requests on 9092?
kafka_ready() {
  port_open "${KAFKA_HOST}" "${KAFKA_PORT}" || return 1
  if [[ "${INFRA_USE_KCAT:-auto}" != "no" ]] && have kcat; then
    timeout 15 kcat -b "${KAFKA_BROKERS}" -L -m 5 >/dev/null 2>&1
  elif [[ -d "${KAFKA_LIBS}" ]] && have java; then
    timeout 40 java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
      -Dlog4j2.configurationFile="${KAFKA_DIST}/tools-log4j2.xml" -cp "${KAFKA_LIBS}/*" \
      org.apache.kafka.tools.TopicCommand --bootstrap-server "${KAFKA_BROKERS}" --list >/dev/null 2>&1
  else
    # no client available: an open port will have to do
    return 0
  fi
}

kafka_pid() {
  [[ -f "${RUN_DIR}/kafka.pid" ]] || return 1
  local pid
  pid="$(cat "${RUN_DIR}/kafka.pid")"
  pid_matches "${pid}" kafka.Kafka || return 1
  printf '%s\n' "${pid}"
}

kafka_write_config() {
  mkdir -p "${KAFKA_CONF_DIR}" "${KAFKA_DATA_DIR}"
  cat >"${KAFKA_CONF_DIR}/server.properties" <<EOF
# Written by scripts/infra.sh on every 'up' — single-node KRaft (combined broker + controller).
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${KAFKA_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_HOST}:${KAFKA_CONTROLLER_PORT}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${KAFKA_DATA_DIR}

num.network.threads=2
num.io.threads=4
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=48
log.segment.bytes=104857600
log.retention.check.interval.ms=300000
EOF
  cat >"${KAFKA_CONF_DIR}/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/infra.sh -->
<Configuration status="warn">
  <Appenders>
    <RollingFile name="file" fileName="${LOG_DIR}/kafka.log" filePattern="${LOG_DIR}/kafka.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="50 MB"/></Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="file"/></Root>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="kafka.network.RequestChannel\$" level="warn"/>
    <Logger name="org.apache.kafka.clients" level="warn"/>
    <Logger name="org.apache.kafka.common.config.AbstractConfig" level="warn"/>
    <Logger name="org.apache.kafka.common.utils.AppInfoParser" level="warn"/>
    <Logger name="org.apache.kafka.storage.internals.log" level="warn"/>
    <Logger name="kafka.log.LogCleaner" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
    <Logger name="kafka.authorizer.logger" level="warn"/>
  </Loggers>
</Configuration>
EOF
}

kafka_format() {
  if [[ -f "${KAFKA_DATA_DIR}/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  if [[ -f "${KAFKA_CONF_DIR}/cluster.id" ]]; then
    cluster_id="$(cat "${KAFKA_CONF_DIR}/cluster.id")"
  else
    # a Kafka cluster id is 16 random bytes, URL-safe base64 without padding
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    printf '%s\n' "${cluster_id}" >"${KAFKA_CONF_DIR}/cluster.id"
  fi
  log "kafka: formatting storage (cluster id ${cluster_id}, standalone KRaft quorum)"
  if ! kafka_java_tool kafka.tools.StorageTool format --standalone -t "${cluster_id}" \
    -c "${KAFKA_CONF_DIR}/server.properties" >>"${LOG_DIR}/kafka-format.log" 2>&1; then
    tail_log "${LOG_DIR}/kafka-format.log"
    die "kafka: storage format failed"
  fi
}

kafka_up() {
  local start
  start="$(now)"
  local pid
  if pid="$(kafka_pid)"; then
    log "kafka: already started by infra.sh (pid ${pid}); checking it answers"
  elif port_open "${KAFKA_HOST}" "${KAFKA_PORT}"; then
    ensure_kafka_jars
    if kafka_ready; then
      log "kafka: something already answers on ${KAFKA_BROKERS}; reusing it"
      return 0
    fi
    die "kafka: port ${KAFKA_PORT} is in use but does not answer as a Kafka broker"
  fi
  ensure_kafka_jars
  if ! pid="$(kafka_pid)"; then
    kafka_write_config
    kafka_format
    rm -f "${RUN_DIR}/kafka.pid"
    log "kafka: starting Kafka ${KAFKA_VERSION} on ${KAFKA_BROKERS} (log: ${LOG_DIR}/kafka.log)"
    local -a heap
    read -r -a heap <<<"${KAFKA_HEAP_OPTS}"
    (
      [[ -z "${LOCK_FD}" ]] || exec {LOCK_FD}>&-
      cd "${KAFKA_CONF_DIR}"
      # setsid: own session, so the broker outlives this script and its terminal
      exec setsid java -server "${heap[@]}" \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
        "-Xlog:gc*:file=${LOG_DIR}/kafka-gc.log:time,tags:filecount=3,filesize=10M" \
        -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="${KAFKA_CONF_DIR}/log4j2.xml" \
        -Dkafka.logs.dir="${LOG_DIR}" \
        -cp "${KAFKA_LIBS}/*" kafka.Kafka "${KAFKA_CONF_DIR}/server.properties" \
        </dev/null >>"${LOG_DIR}/kafka.out" 2>&1
    ) &
    pid=$!
    printf '%s\n' "${pid}" >"${RUN_DIR}/kafka.pid"
  fi
  log "kafka: waiting for the broker to answer on ${KAFKA_BROKERS} (up to ${KAFKA_READY_TIMEOUT}s)"
  local deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  until kafka_ready; do
    if ! kill -0 "${pid}" 2>/dev/null; then
      tail_log "${LOG_DIR}/kafka.out"
      tail_log "${LOG_DIR}/kafka.log"
      rm -f "${RUN_DIR}/kafka.pid"
      die "kafka: the broker process exited"
    fi
    if ((SECONDS >= deadline)); then
      tail_log "${LOG_DIR}/kafka.log"
      die "kafka: not ready after ${KAFKA_READY_TIMEOUT}s (still running as pid ${pid}; 'infra.sh down' stops it)"
    fi
    sleep 1
  done
  log "kafka: ready in $(since "${start}")s (pid ${pid})"
}

kafka_down() {
  local pid
  if pid="$(kafka_pid)"; then
    log "kafka: stopping (pid ${pid}, controlled shutdown)"
    stop_pid "${pid}" kafka 60
    rm -f "${RUN_DIR}/kafka.pid"
  else
    rm -f "${RUN_DIR}/kafka.pid"
    if port_open "${KAFKA_HOST}" "${KAFKA_PORT}"; then
      log "kafka: running but not started by infra.sh; leaving it alone"
    else
      log "kafka: not running"
    fi
  fi
}

kafka_status() {
  if kafka_ready; then
    local who="external"
    kafka_pid >/dev/null && who="started by infra.sh"
    printf '%-9s up    %s (%s)\n' kafka "${KAFKA_BROKERS}" "${who}"
  else
    printf '%-9s down\n' kafka
    return 1
  fi
}

# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------
print_env() {
  cat <<EOF
DATABASE_URL=${DATABASE_URL}
REDIS_URL=${REDIS_URL}
KAFKA_BROKERS=${KAFKA_BROKERS}
EOF
}

cmd_up() {
  local start
  start="$(now)"
  ensure_dirs
  take_lock
  log "up: PostgreSQL, Redis and Kafka (state in ${INFRA_DIR})"
  pg_up
  redis_up
  kafka_up
  print_env >"${INFRA_DIR}/env"
  log "all services ready in $(since "${start}")s:"
  printf '  postgres  %s\n' "${DATABASE_URL}"
  printf '  redis     %s\n' "${REDIS_URL}"
  printf '  kafka     %s\n' "${KAFKA_BROKERS}"
  log "(the same as shell variables: ${INFRA_DIR}/env)"
}

cmd_status() {
  local rc=0
  pg_status || rc=1
  redis_status || rc=1
  kafka_status || rc=1
  return "${rc}"
}

cmd_down() {
  ensure_dirs
  take_lock
  kafka_down
  redis_down
  pg_down
  log "down: done"
}

cmd_reset() {
  cmd_down
  case "${INFRA_DIR}" in
    */.infra) ;;
    *) die "refusing to delete unexpected directory ${INFRA_DIR}" ;;
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
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  case "${cmd}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
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
