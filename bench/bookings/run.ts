// Booking service benchmark (not part of npm test).
//
//   node bench/bookings/run.ts [--bookings 6000] [--rate 600] [--events 20] [--latency 2000]
//                              [--concurrency 2000] [--streams 10000] [--updates 5000]
//                              [--update-rate 500] [--only e2e|sse]
//                              [--compare-events 1,20] [--rounds 2]
//
// --compare-events 1,20: only the end-to-end run, once per event count (every booking on one
// event, then spread over 20), repeated --rounds times in turn, and the confirmed/s of each
// against the last count's run of the same round (measured under the same machine load).
//
// 1. End-to-end throughput: the event service, the booking API and one booking worker run as
//    separate processes (as in production) on the real PostgreSQL, Redis and Kafka. Holds (one
//    seat each, spread over --events events) are made first (not timed); then bookings are
//    submitted at a fixed rate (open loop) and the run ends when
//    every booking is final. Confirmed bookings per second = confirmed / (last confirmed_at −
//    first created_at), from SQL; submit → confirmed latency from the same rows. Payments take
//    --latency ms in the simulated gateway.
// 2. SSE delivery: --streams clients each follow one booking on one booking API process; the
//    bench commits final outcomes (the worker's own code path: one statement, then pub/sub) at
//    --update-rate per second and measures, per stream, the time from the commit returning to
//    the client receiving the `complete` event (same clock: both happen in this process).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { issueUserToken } from '@ticketing/auth';
import { DEV_INTERNAL_SECRET, DEV_JWT_SECRET } from '@ticketing/config';
import { createPostgresDatabase, type Database } from '@ticketing/db';
import { createLogger } from '@ticketing/http';
import { testInfra } from '@ticketing/testing';
import { createBookingsDeps, loadBookingsConfig, type BookingsDeps } from '../../services/bookings/src/index.ts';
import { bookingIdForHold } from '../../services/bookings/src/bookings/booking-id.ts';
import { finishBooking } from '../../services/bookings/src/bookings/finish-booking.ts';
import type { BookingRow } from '../../services/bookings/src/bookings/bookings.repository.ts';

const { values: args } = parseArgs({
  options: {
    bookings: { type: 'string', default: '6000' },
    rate: { type: 'string', default: '600' },
    latency: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '2000' },
    streams: { type: 'string', default: '10000' },
    updates: { type: 'string', default: '5000' },
    'update-rate': { type: 'string', default: '500' },
    events: { type: 'string', default: '20' },
    only: { type: 'string' },
    'compare-events': { type: 'string' },
    rounds: { type: 'string', default: '2' },
  },
});

const root = new URL('../../', import.meta.url).pathname;
const run = randomUUID().slice(0, 8);
const jwt = { secret: DEV_JWT_SECRET, internalSecret: DEV_INTERNAL_SECRET, issuer: 'ticketing', ttlSeconds: 7200 };
const children: ChildProcess[] = [];

function start(name: string, file: string, env: Record<string, string>): ChildProcess {
  const prof = process.env.BENCH_CPU_PROF
    ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const child = spawn(process.execPath, [...prof, file], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      DATABASE_URL: testInfra.databaseUrl,
      REDIS_URL: testInfra.redisUrl,
      KAFKA_BROKERS: testInfra.kafkaBrokers,
      JWT_SECRET: jwt.secret,
      INTERNAL_JWT_SECRET: jwt.internalSecret,
      ...env,
    },
    stdio: ['ignore', process.env.BENCH_LOG_DIR ? openSync(`${process.env.BENCH_LOG_DIR}/${name}.log`, 'w') : 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${code ?? signal})`);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stopAll() {
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 20_000).unref();
        }),
    ),
  );
}

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(port: number) {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not yet listening
    }
    await sleep(250);
  }
  throw new Error(`port ${port} never became healthy`);
}

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** CPU ms used so far by every process whose command line matches (PostgreSQL backends, the Kafka JVM, Redis). */
function cpuOfMatching(pattern: RegExp): number {
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!pattern.test(comm)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      // the process ended
    }
  }
  return sum;
}
const infraCpu = () => ({ postgres: cpuOfMatching(/^postgres$/), kafka: cpuOfMatching(/^java$/), redis: cpuOfMatching(/^redis-server$/) });

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const summary = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s.at(-1) ?? NaN };
};

/** Runs `count` tasks with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

// The load generator uses node:http with keep-alive (cheaper than fetch), so that less of the
// shared CPU goes to the client.
const clientAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
/** POSTs JSON; the answer's body is trusted to be T (a benchmark talks to a known service). */
function post<T>(url: string, token: string, body: unknown): Promise<{ status: number; body: T | undefined }> {
  const payload = JSON.stringify(body);
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: clientAgent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as T) : undefined }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function endToEnd(db: Database, events = Number(args.events)) {
  const n = Number(args.bookings);
  const rate = Number(args.rate);
  const eventsPort = await freePort();
  const bookingsPort = await freePort();
  const topics = {
    BOOKING_REQUESTS_TOPIC: `bench-${run}.booking-requests`,
    NOTIFICATION_REQUESTS_TOPIC: `bench-${run}.notification-requests`,
  };
  const eventsProc = start('events', 'services/events/src/server.ts', {
    EVENTS_PORT: String(eventsPort),
    EVENTS_KAFKA_ENABLED: 'false',
    EVENTS_MAX_ACTIVE_HOLDS_PER_USER: '1000',
    REDIS_KEY_PREFIX: `bench-${run}:`,
    DATABASE_POOL_SIZE: process.env.BENCH_EVENTS_POOL ?? '40',
  });
  const bookingsEnv = {
    ...topics,
    BOOKINGS_PORT: String(bookingsPort),
    EVENTS_URL: `http://127.0.0.1:${eventsPort}`,
    PAYMENT_LATENCY_MS: args.latency,
    BOOKING_WORKERS_GROUP: `bench-${run}-workers`,
    REDIS_KEY_PREFIX: `bench-${run}:`,
    RECONCILER_ENABLED: 'false',
  };
  const apiProc = start('bookings-api', 'services/bookings/src/server.ts', {
    ...bookingsEnv,
    WORKER_ENABLED: 'false',
    DATABASE_POOL_SIZE: '40',
  });
  await waitHealthy(eventsPort);
  await waitHealthy(bookingsPort);
  const workerProc = start('bookings-worker', 'services/bookings/src/worker.ts', {
    ...bookingsEnv,
    WORKER_CONCURRENCY: args.concurrency,
    DATABASE_POOL_SIZE: '40',
  });

  const owner = issueUserToken({ userId: randomUUID(), email: 'bench-owner@example.test', role: 'user' }, jwt).token;
  // Bookings are spread over `events` events (at most 100,000 seats each).
  const eventCount = Math.max(events, Math.ceil(n / 100_000));
  const perEvent = Math.ceil(n / eventCount);
  const eventIds: string[] = [];
  for (let e = 0; e < eventCount; e++) {
    const res = await post<{ event_id: string }>(`http://127.0.0.1:${eventsPort}/api/events`, owner, {
      name: `Bench ${run} ${e}`,
      venue: 'Bench Arena',
      city: 'Bench',
      category: 'concert',
      event_date: new Date(Date.now() + 86400_000 * 30).toISOString(),
      total_seats: Math.max(100, Math.ceil(perEvent / 100) * 100),
      price_per_seat: 25.5,
      seats_per_row: 100,
    });
    if (res.status !== 201 || !res.body) throw new Error(`create event: ${res.status} ${JSON.stringify(res.body)}`);
    eventIds.push(res.body.event_id);
  }
  const rows = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const label = (seat: number) => {
    const row = Math.floor(seat / 100);
    const letters = row < 26 ? rows[row] : rows[Math.floor(row / 26) - 1]! + rows[row % 26];
    return `${letters}${(seat % 100) + 1}`;
  };
  console.log(`preparing ${n} holds on ${eventCount} events (${perEvent} each)…`);
  const prepStart = Date.now();
  const holds = await pool(n, 64, async (i) => {
    const userId = randomUUID();
    const token = issueUserToken({ userId, email: `bench-${i}@example.test`, role: 'user' }, jwt).token;
    const res = await post<{ hold_id: string; total_price: number }>(
      `http://127.0.0.1:${eventsPort}/api/events/${eventIds[i % eventCount]}/hold`,
      token,
      {
        seat_numbers: [label(Math.floor(i / eventCount))],
      },
    );
    if (res.status !== 201 || !res.body) throw new Error(`hold ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    return { token, holdId: res.body.hold_id, total: res.body.total_price };
  });
  console.log(`holds ready in ${((Date.now() - prepStart) / 1000).toFixed(1)} s; warming up the worker (consumer group join)…`);
  await sleep(3000);

  console.log(`submitting ${n} bookings at ${rate}/s (payment latency ${args.latency} ms, worker concurrency ${args.concurrency})…`);
  const procs = { events: eventsProc, bookings_api: apiProc, bookings_worker: workerProc, bench_client: undefined };
  const cpuBefore = Object.fromEntries(
    Object.entries(procs).map(([k, p]) => [k, p ? cpuMs(p.pid) : process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000]),
  );
  const machineBefore = machineCpu();
  const infraBefore = infraCpu();
  // Where the database's time goes meanwhile: the wait events of this database's busy backends,
  // sampled every 100 ms (a hot row shows up as Lock:transactionid / Lock:tuple waits).
  const waits = new Map<string, number>();
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows: w } = await db.query<{ wait: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait, count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1`,
      );
      samples++;
      for (const r of w) waits.set(r.wait, (waits.get(r.wait) ?? 0) + r.n);
      await sleep(100);
    }
  })();
  const submitLatencies: number[] = [];
  const rejected = new Map<number, number>();
  let accepted = 0;
  const started = Date.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < n; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const h = holds[i]!;
    const p = (async () => {
      const t0 = performance.now();
      const res = await post(`http://127.0.0.1:${bookingsPort}/api/booking`, h.token, {
        hold_id: h.holdId,
        payment_info: { payment_method: 'credit_card', amount: h.total },
      }).catch((err: unknown) => ({ status: 0, body: { error: err instanceof Error ? err.message : String(err) } }));
      submitLatencies.push(performance.now() - t0);
      if (res.status === 202) accepted++;
      else rejected.set(res.status, (rejected.get(res.status) ?? 0) + 1);
    })().finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  const submitSeconds = (Date.now() - started) / 1000;
  const ids = holds.map((h) => bookingIdForHold(h.holdId));
  for (;;) {
    const { rows: r } = await db.query<{ open: string }>(
      `SELECT count(*) AS open FROM bookings WHERE id = ANY($1::uuid[]) AND status = 'processing'`,
      [ids],
    );
    if (Number(r[0]!.open) === 0) break;
    await sleep(250);
  }
  sampling = false;
  await sampler;
  const machineAfter = machineCpu();
  const infraAfter = infraCpu();
  const cpuPerBooking = Object.fromEntries(
    Object.entries(procs).map(([k, p]) => {
      const now = p ? cpuMs(p.pid) : process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;
      return [k, Math.round(((now - cpuBefore[k]!) / n) * 100) / 100];
    }),
  );
  const { rows: stats } = await db.query<{ confirmed: string; failed: string; first: Date; last: Date }>(
    `SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed, count(*) FILTER (WHERE status = 'failed') AS failed,
            min(created_at) AS first, max(coalesce(confirmed_at, failed_at)) AS last
       FROM bookings WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const { rows: lat } = await db.query<{ ms: number }>(
    `SELECT extract(epoch FROM confirmed_at - created_at) * 1000 AS ms FROM bookings WHERE id = ANY($1::uuid[]) AND status = 'confirmed'`,
    [ids],
  );
  // Steady state: the best 10-second window of confirmations.
  const { rows: windows } = await db.query<{ per_s: string }>(
    `WITH c AS (SELECT confirmed_at FROM bookings WHERE id = ANY($1::uuid[]) AND status = 'confirmed')
     SELECT max(n) / 10.0 AS per_s FROM (
       SELECT (SELECT count(*) FROM c c2 WHERE c2.confirmed_at >= c1.confirmed_at AND c2.confirmed_at < c1.confirmed_at + interval '10 s') AS n FROM c c1
     ) w`,
    [ids],
  );
  const { rows: charges } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM gateway_charges WHERE reference = ANY($1::text[])`, [
    ids,
  ]);
  const s = stats[0]!;
  const seconds = (s.last.getTime() - s.first.getTime()) / 1000;
  return {
    bookings: n,
    events: eventCount,
    accepted,
    rejected_by_status: Object.fromEntries(rejected),
    confirmed: Number(s.confirmed),
    failed: Number(s.failed),
    charges: Number(charges[0]!.n),
    submit_rate_per_s: Math.round(n / submitSeconds),
    submit_ms: roundAll(summary(submitLatencies)),
    window_seconds: Math.round(seconds * 10) / 10,
    confirmed_per_s: Math.round(Number(s.confirmed) / seconds),
    best_10s_window_per_s: Math.round(Number(windows[0]!.per_s)),
    submit_to_confirmed_ms: roundAll(summary(lat.map((r) => Number(r.ms)))),
    cpu_ms_per_booking: cpuPerBooking,
    // Shared servers: includes whatever else used them during the run.
    infra_cpu_ms_per_booking: Object.fromEntries(
      Object.entries(infraAfter).map(([k, v]) => [k, Math.round(((v - infraBefore[k as keyof typeof infraBefore]) / n) * 100) / 100]),
    ),
    // Average number of this database's backends in each state (active and on CPU, or waiting on …).
    db_backends_by_wait: Object.fromEntries(
      [...waits.entries()].sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, Math.round((v / Math.max(1, samples)) * 100) / 100]),
    ),
    // Everything on the machine (PostgreSQL, Kafka, Redis, other people's processes included).
    machine_cpu_busy_pct: Math.round(((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100),
  };
}

function roundAll(o: Record<string, number>, digits = 0) {
  const f = 10 ** digits;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * f) / f]));
}

/** Busy and total CPU time of the whole machine so far (ms), from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = f.map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: ((total - idle) * 1000) / 100, total: (total * 1000) / 100 };
}

async function sseDelivery() {
  const streams = Number(args.streams);
  const updates = Math.min(Number(args.updates), streams);
  const updateRate = Number(args['update-rate']);
  const port = await freePort();
  const prefix = `bench-sse-${run}:`;
  start('bookings-api-sse', 'services/bookings/src/server.ts', {
    BOOKINGS_PORT: String(port),
    WORKER_ENABLED: 'false',
    OUTBOX_ENABLED: 'false',
    REDIS_KEY_PREFIX: prefix,
    BOOKING_REQUESTS_TOPIC: `bench-sse-${run}.booking-requests`,
    NOTIFICATION_REQUESTS_TOPIC: `bench-sse-${run}.notification-requests`,
  });
  await waitHealthy(port);
  // The bench commits outcomes with the worker's own code (finishBooking: transaction, then publish).
  const config = loadBookingsConfig(
    {
      log: { level: 'warn' },
      redis: { keyPrefix: prefix },
      kafka: {
        topics: { bookingRequests: `bench-sse-${run}.booking-requests`, notificationRequests: `bench-sse-${run}.notification-requests` },
      },
    },
    process.env,
  );
  const deps: BookingsDeps = await createBookingsDeps(config, { logger: createLogger('bench', 'warn') });

  console.log(`seeding ${streams} bookings…`);
  const user = { userId: randomUUID(), email: 'bench-sse@example.test' };
  const token = issueUserToken({ userId: user.userId, email: user.email, role: 'user' }, jwt).token;
  const seeded: BookingRow[] = [];
  for (let i = 0; i < streams; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, streams - i) }, () => randomUUID());
    const { rows } = await deps.db.query<BookingRow>(
      `INSERT INTO bookings (id, hold_id, user_id, user_email, user_name, event_id, event_name, venue, event_date, seats, total_cents, payment_method)
       SELECT b, gen_random_uuid(), $2, $3, 'bench', gen_random_uuid(), 'SSE bench', 'Hall', now() + interval '30 days', ARRAY['A1'], 1000, 'visa'
         FROM unnest($1::uuid[]) AS b
       RETURNING *`,
      [batch, user.userId, user.email],
    );
    seeded.push(...rows);
  }
  const ids = seeded.map((b) => b.id);

  console.log(`opening ${streams} streams…`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let open = 0;
  let completed = 0;
  const requests: http.ClientRequest[] = [];
  const openOne = (id: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port, path: `/api/booking/${id}/stream`, agent, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`stream ${res.statusCode}`));
          res.setEncoding('utf8');
          let first = true;
          res.on('data', (chunk: string) => {
            if (first) {
              first = false;
              open++;
              resolve();
            }
            if (chunk.includes('event: complete')) {
              const t0 = committedAt.get(id);
              if (t0 !== undefined) latencies.push(performance.now() - t0);
              completed++;
            }
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', reject);
      requests.push(req);
    });
  await pool(ids.length, 500, (i) => openOne(ids[i]!));
  console.log(`${open} streams open; committing ${updates} outcomes at ${updateRate}/s…`);
  const mem = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const rss = /process_resident_memory_bytes\{[^}]*\} (\d+)/.exec(mem)?.[1];

  const started = Date.now();
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < updates; i++) {
    const due = started + (i * 1000) / updateRate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const booking = seeded[i]!;
    const id = booking.id;
    const p = finishBooking(
      { ...deps.processing, status: { publish: (row) => (committedAt.set(id, performance.now()), deps.status.publish(row)) } },
      booking,
      { status: 'confirmed', paymentId: randomUUID() },
    ).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  const commitSeconds = (Date.now() - started) / 1000;
  const deadline = Date.now() + 30_000;
  while (completed < updates && Date.now() < deadline) await sleep(100);
  for (const r of requests) r.destroy();
  agent.destroy();
  await deps.db.query(`DELETE FROM outbox WHERE topic = $1`, [config.kafka.topics.notificationRequests]);
  await deps.close();
  return {
    streams_open: open,
    api_rss_mb_with_streams_open: rss ? Math.round(Number(rss) / 1048576) : undefined,
    outcomes: updates,
    outcomes_committed_per_s: Math.round(updates / commitSeconds),
    delivered: completed,
    commit_to_client_ms: roundAll(summary(latencies), 1),
  };
}

const db = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'bookings', poolSize: 4 });
try {
  if (args['compare-events']) {
    const counts = args['compare-events'].split(',').map(Number);
    const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
    const results: { round: number; events: number; confirmed_per_s: number; best_10s: number; load: string }[] = [];
    for (let round = 1; round <= Number(args.rounds); round++) {
      for (const count of counts) {
        const r = await endToEnd(db, count);
        await stopAll();
        children.length = 0;
        stopping = false;
        console.log(JSON.stringify({ round, e2e: r }));
        results.push({
          round,
          events: count,
          confirmed_per_s: r.confirmed_per_s,
          best_10s: r.best_10s_window_per_s,
          load: loadavg()
            .map((l) => l.toFixed(1))
            .join(' '),
        });
      }
    }
    console.log(
      `\nConfirmed bookings/s by number of events (commit ${commit}, CPU ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${args.bookings} bookings at ${args.rate}/s, payment ${args.latency} ms):\n`,
    );
    console.log('| round | events | confirmed/s | best 10 s window/s | ÷ last count, same round | load (1, 5, 15 min) |');
    console.log('|---|---|---|---|---|---|');
    for (const r of results) {
      const ref = results.find((x) => x.round === r.round && x.events === counts.at(-1));
      console.log(
        `| ${r.round} | ${r.events} | ${r.confirmed_per_s} | ${r.best_10s} | ${ref ? (r.confirmed_per_s / ref.confirmed_per_s).toFixed(2) : ''}× | ${r.load} |`,
      );
    }
  } else if (args.only !== 'sse') console.log(JSON.stringify({ e2e: await endToEnd(db) }, null, 2));
  if (args['compare-events']) args.only = 'e2e';
  await stopAll();
  children.length = 0;
  stopping = false;
  if (args.only !== 'e2e') console.log(JSON.stringify({ sse: await sseDelivery() }, null, 2));
} finally {
  await stopAll();
  await db.close();
  clientAgent.destroy();
}
