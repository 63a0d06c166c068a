# shellcheck shell=bash
# scripts/infra/redis.sh — Redis from the Debian package, without persistence (sourced by
# scripts/infra.sh after common.sh).
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

