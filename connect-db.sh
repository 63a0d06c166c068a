#!/usr/bin/env bash
# Opens psql on the platform's database. Each service owns a schema: users, events, bookings,
# notifications (e.g. `\dt bookings.*`). Extra arguments go to psql (e.g. -c 'select 1').
set -euo pipefail
exec psql "${DATABASE_URL:-postgres://ticketing:ticketing@127.0.0.1:5432/ticketing}" "$@"
