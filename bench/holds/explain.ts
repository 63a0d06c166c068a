// The plans of the hold path's queries (not part of npm test).
//
//   node bench/holds/explain.ts > plans.txt
//   node bench/holds/explain.ts --schema events > plans.txt   # in the service's own schema (a full database)
//
// Builds a throwaway schema with the event service's migrations and database functions, two
// 20,000-seat events with 2,000 holds each (a tenth of them past their expiry), all
// deterministic so that two runs see the same statistics, then prints EXPLAIN (COSTS OFF) of every query the
// hold path runs, taken from the repositories themselves (a Queryable that explains instead of
// running), and of the statements inside the plpgsql functions (auto_explain, nested). Diff the
// output of two versions to check that a change kept the plans. With --schema, the two events
// are added to that existing schema (and deleted afterwards), so the plans are the ones its
// statistics give (e.g. a database filled by bench/holds/fill.ts).
import { parseArgs } from 'node:util';
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPostgresDatabase, type Queryable } from '@ticketing/db';
import { testInfra } from '@ticketing/testing';
import { migrateEventsDatabase } from '../../services/events/src/deps.ts';
import { singleSection } from '../../services/events/src/seats/seat-layout.ts';
import { createEventsRepository } from '../../services/events/src/events/events.repository.ts';
import { createHoldsRepository, HOLD_SEATS_SQL, type HoldSeatsInput } from '../../services/events/src/holds/holds.repository.ts';
import { createSeatsRepository } from '../../services/events/src/seats/seats.repository.ts';

const COST_KEYS = new Set(['Startup Cost', 'Total Cost', 'Plan Rows', 'Plan Width']);
const SEATS = 20_000;
const HOLDS = 2_000;
const { values: args } = parseArgs({ options: { schema: { type: 'string' } } });
const inPlace = args.schema !== undefined;
const schema = args.schema ?? `explain_${randomUUID().slice(0, 8)}`;
const uuidOf = (s: string) => {
  const h = createHash('md5').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
const eventId = uuidOf('event');
const otherEventId = uuidOf('other-event');
const userOf = (i: number) => uuidOf(`user-${i % 500}`);

const db = createPostgresDatabase({ url: testInfra.databaseUrl, schema, poolSize: 2 });
const out: string[] = [];
const dropExplainEvents = async () => {
  const ids = [eventId, otherEventId];
  await db.query('DELETE FROM holds WHERE event_id = ANY($1::uuid[])', [ids]);
  await db.query('DELETE FROM seats WHERE event_id = ANY($1::uuid[])', [ids]);
  await db.query('DELETE FROM events WHERE id = ANY($1::uuid[])', [ids]);
};
try {
  await migrateEventsDatabase(db);
  if (inPlace) await dropExplainEvents();
  // The explained queries read the first event; the second one makes the tables hold more than one event.
  for (const [id, name] of [
    [eventId, 'Explain'],
    [otherEventId, 'Other'],
  ] as const) {
    await createEventsRepository(db).insertEventWithSeats({
      id,
      name,
      description: '',
      venue: 'Hall',
      city: 'City',
      category: 'bench',
      event_date: new Date(Date.UTC(2100, 0, 1)),
      total_seats: SEATS,
      seats_per_row: 500,
      price_per_seat: '50.00',
      hold_ttl_seconds: 900,
      currency: 'USD',
      created_by: uuidOf('owner'),
      sections: [singleSection(SEATS, 500, '50.00')],
      organization_id: uuidOf('owner'),
      status: 'published',
      sales_start: null,
      sales_end: null,
    });
    for (let i = 0; i < HOLDS; i++) {
      const first = 1 + i * 9;
      await db.query(HOLD_SEATS_SQL, [id, [first, first + 1], uuidOf(`${name}-hold-${i}`), userOf(i), 1000, null]);
    }
  }
  await db.query(`UPDATE holds SET expires_at = now() - interval '1 minute' WHERE event_id = ANY($1::uuid[]) AND seat_nos[1] % 10 = 1`, [
    [eventId, otherEventId],
  ]);
  await db.query(
    `UPDATE seats SET hold_expires_at = now() - interval '1 minute'
      WHERE event_id = ANY($1::uuid[]) AND hold_id IN (SELECT id FROM holds WHERE event_id = ANY($1::uuid[]) AND expires_at < now())`,
    [[eventId, otherEventId]],
  );
  await db.query('ANALYZE events; ANALYZE seats; ANALYZE holds');

  // Each query twice: the custom plan for these values, and the generic plan that a prepared
  // statement (the service prepares every query) may switch to after five executions.
  let current = '';
  let n = 0;
  const explaining: Queryable = {
    async query<R>(text: string, params: readonly unknown[] = []) {
      const custom = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${text}`, params);
      const generic = await db.transaction(async (tx) => {
        const name = `explain_${++n}`;
        await tx.query(`PREPARE ${name} AS ${text}`);
        await tx.query('SET LOCAL plan_cache_mode = force_generic_plan');
        const args = params.length > 0 ? `(${params.map(literal).join(', ')})` : '';
        const plan = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) EXECUTE ${name}${args}`);
        await tx.query(`DEALLOCATE ${name}`);
        return plan;
      });
      out.push(`### ${current} (custom plan)`, ...custom.rows.map((r) => r['QUERY PLAN']), '');
      out.push(`### ${current} (generic plan)`, ...generic.rows.map((r) => r['QUERY PLAN']), '');
      return { rows: [] as R[], rowCount: 0 };
    },
  };
  const holds = createHoldsRepository(explaining);
  const seats = createSeatsRepository(explaining);
  const events = createEventsRepository(explaining);
  const hold = (await createHoldsRepository(db).findById(uuidOf('Explain-hold-3')))!;
  const input = (i: number): HoldSeatsInput => ({
    holdId: randomUUID(),
    eventId,
    userId: userOf(i),
    seatNos: [2 + i * 9, 3 + i * 9],
    maxActiveHolds: 3,
  });
  const steps: [string, () => Promise<unknown>][] = [
    ['holdSeats (HOLD_SEATS_SQL)', () => holds.holdSeats(input(1))],
    ['earliestLiveExpiry', () => holds.earliestLiveExpiry(eventId, userOf(1))],
    ['freeSeats', () => holds.freeSeats(explaining, hold)],
    ['sweepExpired', () => holds.sweepExpired(100, 60)],
    ['seatMap', () => seats.seatMap(eventId)],
    ['nextHoldExpiry', () => seats.nextHoldExpiry(eventId)],
    ['freeSeatsNear', () => seats.freeSeatsNear([{ eventId, seatsPerRow: 500, requested: [2, 3], windows: [[1, 500]], limit: 4 }])],
    ['seatCounts', () => events.seatCounts([eventId])],
  ];
  for (const [name, run] of steps) {
    current = name;
    await run();
  }

  // The statements inside the plpgsql functions, as auto_explain sees them, in a transaction rolled back.
  const client = new pg.Client({ connectionString: testInfra.databaseUrl, options: `-c search_path=${schema},public` });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(n.message ?? ''));
  try {
    await client.query('BEGIN');
    await client.query(`LOAD 'auto_explain'`);
    await client.query(
      `SET LOCAL auto_explain.log_min_duration = 0; SET LOCAL auto_explain.log_nested_statements = on; SET LOCAL auto_explain.log_format = json; SET LOCAL client_min_messages = log`,
    );
    const batch = [input(11), input(12), input(13)];
    const first = batch.map((_, i) => 1 + i * 2);
    notices.length = 0;
    await client.query('SELECT * FROM lock_user_live_holds($1, $2)', [eventId, userOf(1)]);
    out.push('### lock_user_live_holds (nested)', ...notices.filter((m) => m.includes('{')).flatMap(planOf), '');
    notices.length = 0;
    // Three named-seat requests, one best-available request with an Idempotency-Key.
    await client.query(
      `SELECT * FROM hold_seats_batch($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::int[], $6::int[], $7::int[],
                                      $8::int[], $9::int[], $10::int[], $11::int[], $12::int[], $13::text[], $14::text[], NULL)`,
      [
        [...batch.map((b) => b.holdId), randomUUID()],
        [...batch.map((b) => b.eventId), eventId],
        [...batch.map((b) => b.userId), userOf(14)],
        [...batch.map((b) => b.maxActiveHolds), 1000],
        [...first, first.at(-1)! + 2],
        [...batch.map((b) => b.seatNos.length), 0],
        batch.flatMap((b) => b.seatNos),
        [null, null, null, 4],
        [null, null, null, 1],
        [null, null, null, SEATS],
        [null, null, null, 500],
        // Where best available starts reading (unknown: the section's first seat).
        [null, null, null, null],
        [null, null, null, 'explain-key'],
        [null, null, null, 'explain-hash'],
      ],
    );
    out.push('### hold_seats_batch (nested)', ...notices.filter((m) => m.includes('{')).flatMap(planOf), '');
    // A booking's lock and confirm of a hold (the statements inside transition_holds).
    const bookingId = randomUUID();
    for (const kind of ['lock', 'confirm']) {
      notices.length = 0;
      await client.query('SELECT * FROM transition_holds($1, $2::uuid[], $3::uuid[], $4::uuid[], $5::int[], NULL, NULL)', [
        kind,
        [hold.id],
        [hold.user_id],
        [bookingId],
        [600],
      ]);
      out.push(`### transition_holds, ${kind} (nested)`, ...notices.filter((m) => m.includes('{')).flatMap(planOf), '');
    }
    await client.query('ROLLBACK');
  } finally {
    await client.end();
  }
} finally {
  if (inPlace) await dropExplainEvents();
  else await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
}
// The schema's name is random: keep it out of the output so that two runs compare line by line.
console.log(inPlace ? out.join('\n') : out.join('\n').replaceAll(schema, '<schema>'));

/** A parameter as an SQL literal (EXECUTE takes expressions, not bound parameters). */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  if (v instanceof Date) return `'${v.toISOString()}'`;
  if (Array.isArray(v)) return `'{${v.map((x) => String(x as string | number)).join(',')}}'`;
  return `'${typeof v === 'string' ? v.replaceAll("'", "''") : JSON.stringify(v)}'`;
}

/** The plan of an auto_explain message (JSON), without costs, as indented node lines. */
function planOf(message: string): string[] {
  const json = JSON.parse(message.slice(message.indexOf('{'))) as { 'Query Text': string; Plan: PlanNode };
  const lines = [`-- ${json['Query Text'].replace(/\s+/g, ' ').trim().slice(0, 200)}`];
  const walk = (node: PlanNode, depth: number) => {
    const { Plans: children, ...rest } = node;
    const fields = Object.entries(rest)
      .filter(([k]) => !COST_KEYS.has(k))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    lines.push(`${'  '.repeat(depth)}${fields.join(' ')}`);
    for (const c of children ?? []) walk(c, depth + 1);
  };
  walk(json.Plan, 0);
  return lines;
}

interface PlanNode {
  Plans?: PlanNode[];
  [key: string]: unknown;
}
