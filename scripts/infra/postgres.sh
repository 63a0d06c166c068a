# shellcheck shell=bash
# scripts/infra/postgres.sh — PostgreSQL from the Debian package, its own cluster under INFRA_DIR
# (sourced by scripts/infra.sh after common.sh).
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
      # keyed by the repository for the default state dir (as before), else by the state dir
      if [[ "${INFRA_DIR}" == "${INFRA_DEFAULT_DIR}" ]]; then
        hash="$(printf '%s' "${REPO_ROOT}" | sha1sum | cut -c1-12)"
      else
        hash="$(printf '%s' "${INFRA_DIR}" | sha1sum | cut -c1-12)"
      fi
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
# Written by scripts/infra.sh on every 'up' — edit scripts/infra/postgres.sh, not this file.
# Dev/test cluster sized for 2 cores / 24 GiB; durability settings left at their safe defaults.
listen_addresses = '${PG_HOST}'
port = ${PG_PORT}
unix_socket_directories = '${socket_dirs}'
max_connections = 300
shared_buffers = ${PG_SHARED_BUFFERS}
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

