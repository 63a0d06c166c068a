# shellcheck shell=bash
# scripts/infra/kafka.sh — single-node KRaft Kafka from the Maven Central jars (sourced by
# scripts/infra.sh after common.sh). The jar POM and the log4j2 files sit next to this file.
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
  cp "${INFRA_LIB}/kafka-pom.xml" "${KAFKA_DIST}/pom.xml"
  cp "${INFRA_LIB}/kafka-tools-log4j2.xml" "${KAFKA_DIST}/tools-log4j2.xml"
  rm -rf "${KAFKA_LIBS}.tmp"
  mkdir -p "${LOG_DIR}"
  if ! mvn -B -q -f "${KAFKA_DIST}/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="${KAFKA_VERSION}" -Dlog4j.version="${LOG4J_VERSION}" \
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

# does a Kafka broker answer metadata requests on KAFKA_PORT?
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
  cp "${INFRA_LIB}/kafka-log4j2.xml" "${KAFKA_CONF_DIR}/log4j2.xml"
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
    # Its first character made a letter: a leading '-' (1 id in 64) is read as an option by kafka-storage.
    cluster_id="A${cluster_id:1}"
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
      cd "${KAFKA_CONF_DIR}" || exit 1
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

