#!/usr/bin/env bash
# Follows the logs of the services started by ./start-dev.sh.
# Usage: ./logs.sh [user|event|booking|notification|web|<process name>]
set -euo pipefail
cd "$(dirname "$0")"
RUN_DIR="${RUN_DIR:-.run}"
case "${1:-all}" in
  all) files=("$RUN_DIR"/logs/*.log) ;;
  user | users) files=("$RUN_DIR/logs/users.log") ;;
  event | events) files=("$RUN_DIR/logs/events.log") ;;
  booking | bookings) files=("$RUN_DIR"/logs/bookings*.log) ;;
  notification | notifications) files=("$RUN_DIR"/logs/notifications*.log) ;;
  *) files=("$RUN_DIR/logs/$1.log") ;;
esac
exec tail -n 100 -F "${files[@]}"
