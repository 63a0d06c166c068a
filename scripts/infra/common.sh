# shellcheck shell=bash disable=SC2034  # the settings here are used by the files that source this one
# scripts/infra/common.sh — settings and helpers shared by the per-server files (sourced by
# scripts/infra.sh, never run on its own).
#
# Every port and the state directory can be overridden, so that private instances (fault
# tests that stop a server) run beside the shared ones without touching them:
#   INFRA_DIR                   state: data, configs, pid files, logs   (default <repo>/.infra)
#   INFRA_PG_PORT               PostgreSQL                              (default 5432)
#   INFRA_REDIS_PORT            Redis                                   (default 6379)
#   INFRA_KAFKA_PORT            Kafka broker                            (default 9092)
#   INFRA_KAFKA_CONTROLLER_PORT Kafka KRaft controller                  (default 9093)
#   INFRA_PG_SHARED_BUFFERS     PostgreSQL shared_buffers               (default 1GB)

INFRA_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${INFRA_LIB}/../.." && pwd)"
INFRA_DEFAULT_DIR="${REPO_ROOT}/.infra"
INFRA_DIR="${INFRA_DIR:-${INFRA_DEFAULT_DIR}}"
# relative paths would break once a server changes directory
[[ "${INFRA_DIR}" == /* ]] || INFRA_DIR="$(pwd)/${INFRA_DIR}"
LOG_DIR="${INFRA_DIR}/logs"
RUN_DIR="${INFRA_DIR}/run"

PG_HOST=127.0.0.1
PG_PORT="${INFRA_PG_PORT:-5432}"
PG_APP_USER=ticketing
PG_APP_PASSWORD=ticketing
PG_APP_DB=ticketing
PG_SOCKET_DIRS=(/var/run/postgresql /tmp)
PG_SHARED_BUFFERS="${INFRA_PG_SHARED_BUFFERS:-1GB}"

REDIS_HOST=127.0.0.1
REDIS_PORT="${INFRA_REDIS_PORT:-6379}"

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${INFRA_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${INFRA_KAFKA_CONTROLLER_PORT:-9093}"
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

for _port in "${PG_PORT}" "${REDIS_PORT}" "${KAFKA_PORT}" "${KAFKA_CONTROLLER_PORT}"; do
  [[ "${_port}" =~ ^[0-9]+$ ]] || {
    printf '[infra.sh] ERROR: not a port number: %s\n' "${_port}" >&2
    exit 2
  }
done
unset _port

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
# serialise concurrent runs on the same ports (several clones share the default ones); a
# private instance on other ports has a lock of its own and never waits for the shared one
lock_file() {
  if [[ "${PG_PORT}:${REDIS_PORT}:${KAFKA_PORT}" == "5432:6379:9092" ]]; then
    printf '%s\n' "${CACHE_ROOT}/infra.lock"
  else
    printf '%s\n' "${CACHE_ROOT}/infra-${PG_PORT}-${REDIS_PORT}-${KAFKA_PORT}.lock"
  fi
}
take_lock() {
  have flock || return 0
  local file
  file="$(lock_file)"
  mkdir -p "${CACHE_ROOT}"
  exec {LOCK_FD}>"${file}"
  if ! flock -n "${LOCK_FD}"; then
    log "another infra.sh is running; waiting for it (up to 15 min)"
    flock -w 900 "${LOCK_FD}" || die "could not get ${file}"
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

# The marker lets `reset` delete a custom INFRA_DIR: only a directory this script made.
INFRA_MARKER=".made-by-infra.sh"
ensure_dirs() {
  mkdir -p "${LOG_DIR}" "${RUN_DIR}"
  [[ -f "${INFRA_DIR}/${INFRA_MARKER}" ]] || printf 'state of scripts/infra.sh\n' >"${INFRA_DIR}/${INFRA_MARKER}"
}

