// Fills an event-service database with many events, seats and holds, set-based, so that the
// hold benchmark can be run on a platform that is full (issue 15 §5: plans must not depend on
// table size). Not part of npm test.
//
//   DATABASE_URL=postgres://…/ticketing_big node bench/holds/fill.ts [--seats 5000000] [--per-event 10000]
//
// Migrates the events schema first. Every event gets `--per-event` seats in rows of 100; a fifth
// of the seats are booked (confirmed holds of 2 seats), a tenth held by holds that expired long
// ago (never swept), the rest available; plus released holds. Idempotent per run: it adds.
import { parseArgs } from 'node:util';
import { createPostgresDatabase, runMigrations } from '@ticketing/db';
import { EVENTS_MIGRATIONS } from '../../services/events/src/index.ts';
import { testInfra } from '@ticketing/testing';

const { values: args } = parseArgs({
  options: { seats: { type: 'string', default: '5000000' }, 'per-event': { type: 'string', default: '10000' } },
});
const perEvent = Number(args['per-event']);
const events = Math.ceil(Number(args.seats) / perEvent);
const url = testInfra.databaseUrl;

const db = createPostgresDatabase({ url, schema: 'events', poolSize: 1, statementTimeoutMs: 0 });
await runMigrations(db, EVENTS_MIGRATIONS.dir, { functionsDir: EVENTS_MIGRATIONS.functionsDir! });
const started = performance.now();
const step = async (what: string, sql: string, params: unknown[] = []) => {
  const t = performance.now();
  const { rowCount } = await db.query(sql, params);
  console.error(`${what}: ${rowCount} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
};

await step(
  'events',
  `INSERT INTO events (id, name, description, venue, city, category, event_date, total_seats, seats_per_row, price_per_seat,
                       hold_ttl_seconds, created_by, organization_id)
   SELECT gen_random_uuid(), 'Filler ' || g, '', 'Filler Hall', 'Filler City', 'filler',
          now() + make_interval(days => 1 + g % 365), $2, 100, 20, 900, o.id, o.id
     FROM generate_series(1, $1::int) AS g
     -- one personal organization (the creator's id) owns every filler event, as migration 014 does
     CROSS JOIN (SELECT gen_random_uuid() AS id) AS o`,
  [events, perEvent],
);
// Labels: rows A…Z, then AA… (enough for 702 rows of 100).
await step(
  'seats',
  `INSERT INTO seats (event_id, seat_no, label, status, hold_expires_at)
   SELECT e.id, n,
          CASE WHEN (n - 1) / 100 < 26 THEN chr(65 + (n - 1) / 100)
               ELSE chr(64 + (n - 1) / 100 / 26) || chr(65 + (n - 1) / 100 % 26) END || ((n - 1) % 100 + 1),
          CASE WHEN n % 10 < 2 THEN 'booked' WHEN n % 10 = 2 THEN 'held' ELSE 'available' END,
          CASE WHEN n % 10 = 2 THEN now() - interval '30 days' END
     FROM events e CROSS JOIN generate_series(1, $1::int) AS n
    WHERE e.category = 'filler' AND NOT EXISTS (SELECT 1 FROM seats s WHERE s.event_id = e.id)`,
  [perEvent],
);
// Holds owning those seats: confirmed pairs (n % 10 in 0, 1 → one hold of seats n, n+1 where n % 10 = 0),
// expired singles (n % 10 = 2), released ones (on seats now free).
await step(
  'holds',
  `INSERT INTO holds (id, event_id, user_id, seat_nos, seat_labels, seat_count, total_price, status, expires_at, created_at)
   SELECT gen_random_uuid(), e.id, gen_random_uuid(), k.nos, k.nos::text[], cardinality(k.nos), 20 * cardinality(k.nos), k.status,
          now() - interval '30 days', now() - interval '31 days'
     FROM events e
     CROSS JOIN generate_series(10, $1::int, 10) AS n
     CROSS JOIN LATERAL (VALUES (ARRAY[n - 9, n - 8], 'confirmed'), (ARRAY[n - 8], 'expired'), (ARRAY[n - 6], 'released')) AS k(nos, status)
    WHERE e.category = 'filler' AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.event_id = e.id)`,
  [perEvent],
);
await step(
  'seats → their holds',
  `UPDATE seats s SET hold_id = h.id
     FROM holds h
    WHERE h.event_id = s.event_id AND s.seat_no = h.seat_nos[1] AND h.status IN ('confirmed', 'expired') AND s.hold_id IS NULL
      AND s.status <> 'available'`,
);
await step('analyze', 'ANALYZE events, seats, holds');
const { rows } = await db.query<{ events: number; seats: number; holds: number; size: string }>(
  `SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM seats)::int AS seats,
          (SELECT count(*) FROM holds)::int AS holds, pg_size_pretty(pg_database_size(current_database())) AS size`,
);
console.log(JSON.stringify({ ...rows[0], seconds: Math.round((performance.now() - started) / 1000) }));
await db.close();
