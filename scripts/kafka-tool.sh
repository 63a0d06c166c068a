#!/usr/bin/env bash
# scripts/kafka-tool.sh — run a Kafka CLI tool from the jars that scripts/infra.sh uses
# (Maven Central, cached in ~/.cache/ticketing/kafka-<version>/libs; fetched on first use).
#
#   bash scripts/kafka-tool.sh <alias|fully.qualified.MainClass> [args...]
#
# Aliases (Kafka 4.1 class names):
#   topics               org.apache.kafka.tools.TopicCommand
#   console-producer     org.apache.kafka.tools.ConsoleProducer
#   console-consumer     org.apache.kafka.tools.consumer.ConsoleConsumer
#   consumer-groups      org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
#   configs              kafka.admin.ConfigCommand
#   get-offsets          org.apache.kafka.tools.GetOffsetShell
#   delete-records       org.apache.kafka.tools.DeleteRecordsCommand
#   broker-api-versions  org.apache.kafka.tools.BrokerApiVersionsCommand
#   metadata-quorum      org.apache.kafka.tools.MetadataQuorumCommand
#   features             org.apache.kafka.tools.FeatureCommand
#   transactions         org.apache.kafka.tools.TransactionsCommand
#   producer-perf-test   org.apache.kafka.tools.ProducerPerformance
#   consumer-perf-test   org.apache.kafka.tools.ConsumerPerformance
#   storage              kafka.tools.StorageTool
#   dump-log             kafka.tools.DumpLogSegments
#
# For aliases that talk to a broker, `--bootstrap-server ${KAFKA_BROKERS:-127.0.0.1:9092}`
# is added when the arguments contain no --bootstrap-server / --bootstrap-controller.
# Examples:
#   bash scripts/kafka-tool.sh topics --create --if-not-exists --topic orders --partitions 3
#   echo hello | bash scripts/kafka-tool.sh console-producer --topic orders
#   bash scripts/kafka-tool.sh console-consumer --topic orders --from-beginning --max-messages 1
# Environment: KAFKA_TOOL_HEAP (default -Xmx512m).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[kafka-tool.sh] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  [[ $# -ge 1 ]] && exit 0
  exit 2
fi

tool="$1"
shift
needs_bootstrap=1
case "${tool}" in
  topics) main_class=org.apache.kafka.tools.TopicCommand ;;
  console-producer) main_class=org.apache.kafka.tools.ConsoleProducer ;;
  console-consumer) main_class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  consumer-groups) main_class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  configs) main_class=kafka.admin.ConfigCommand ;;
  get-offsets) main_class=org.apache.kafka.tools.GetOffsetShell ;;
  delete-records) main_class=org.apache.kafka.tools.DeleteRecordsCommand ;;
  broker-api-versions) main_class=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
  metadata-quorum) main_class=org.apache.kafka.tools.MetadataQuorumCommand ;;
  features) main_class=org.apache.kafka.tools.FeatureCommand ;;
  transactions) main_class=org.apache.kafka.tools.TransactionsCommand ;;
  producer-perf-test)
    main_class=org.apache.kafka.tools.ProducerPerformance
    needs_bootstrap=0 # takes --bootstrap-server only via --producer-props / --command-property
    ;;
  consumer-perf-test) main_class=org.apache.kafka.tools.ConsumerPerformance ;;
  storage)
    main_class=kafka.tools.StorageTool
    needs_bootstrap=0
    ;;
  dump-log)
    main_class=kafka.tools.DumpLogSegments
    needs_bootstrap=0
    ;;
  *.*)
    main_class="${tool}"
    needs_bootstrap=0
    ;;
  *) die "unknown tool '${tool}' (use an alias from --help or a fully qualified main class)" ;;
esac

args=("$@")
if [[ "${needs_bootstrap}" == "1" ]]; then
  for a in "${args[@]}"; do
    case "${a}" in
      --bootstrap-server | --bootstrap-server=* | --bootstrap-controller | --bootstrap-controller=* | --help | -h | --version)
        needs_bootstrap=0
        ;;
    esac
  done
  if [[ "${needs_bootstrap}" == "1" ]]; then
    args=(--bootstrap-server "${KAFKA_BROKERS:-127.0.0.1:9092}" "${args[@]}")
  fi
fi

libs="$(bash "${SCRIPT_DIR}/infra.sh" jars)" || die "could not get the Kafka jars"
command -v java >/dev/null 2>&1 || die "java not found"
read -r -a heap <<<"${KAFKA_TOOL_HEAP:--Xmx512m}"

exec java "${heap[@]}" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="${libs%/libs}/tools-log4j2.xml" \
  -cp "${libs}/*" "${main_class}" "${args[@]}"
