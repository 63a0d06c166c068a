#!/usr/bin/env bash
# Kafka helper (Kafka's own tools from the jars scripts/infra.sh downloaded).
#   ./connect-kafka.sh list                      topics
#   ./connect-kafka.sh consume <topic> [--from-beginning]
#   ./connect-kafka.sh produce <topic>           one message per line on stdin (key:value)
#   ./connect-kafka.sh info <topic>              partitions, leaders, offsets
#   ./connect-kafka.sh groups [group]            consumer groups and their lag
#   ./connect-kafka.sh metadata                  cluster metadata
set -euo pipefail
cd "$(dirname "$0")"
BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
cmd="${1:-list}"
shift || true
case "$cmd" in
  list) exec bash scripts/kafka-tool.sh topics --bootstrap-server "$BROKERS" --list ;;
  consume)
    topic="${1:?usage: consume <topic>}"; shift
    exec bash scripts/kafka-tool.sh console-consumer --bootstrap-server "$BROKERS" --topic "$topic" \
      --property print.key=true --property print.headers=true "$@" ;;
  produce)
    topic="${1:?usage: produce <topic>}"; shift
    exec bash scripts/kafka-tool.sh console-producer --bootstrap-server "$BROKERS" --topic "$topic" \
      --property parse.key=true --property key.separator=: "$@" ;;
  info)
    topic="${1:?usage: info <topic>}"
    exec bash scripts/kafka-tool.sh topics --bootstrap-server "$BROKERS" --describe --topic "$topic" ;;
  groups)
    if [ -n "${1:-}" ]; then
      exec bash scripts/kafka-tool.sh consumer-groups --bootstrap-server "$BROKERS" --describe --group "$1"
    fi
    exec bash scripts/kafka-tool.sh consumer-groups --bootstrap-server "$BROKERS" --list ;;
  metadata)
    if command -v kcat >/dev/null 2>&1; then exec kcat -b "$BROKERS" -L; fi
    exec bash scripts/kafka-tool.sh topics --bootstrap-server "$BROKERS" --describe ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
