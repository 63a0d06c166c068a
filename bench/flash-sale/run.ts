// Flash-sale benchmark (issue 15; not part of npm test).
//
//   node bench/flash-sale/run.ts [--buyers 20000] [--seats 10000] [--arrival-seconds 10]
//        [--latency 2000] [--admit-per-minute 60000] [--concurrency 2000] [--mode both|on|off]
//        [--admission fixed|adaptive] [--target-latency-ms 500] [--cpu-prof <dir>] [--max-streams 15000]
//
// One event of --seats seats goes on sale at T, the middle of an arrival window of
// --arrival-seconds in which --buyers simulated buyers arrive (uniformly). The event service, the
// booking API and one booking worker run as separate processes on the real PostgreSQL, Redis and
// Kafka; payments take --latency ms in the simulated gateway.
//
// Room on: each buyer joins the queue on arrival, follows its place stream (SSE) as the web page
// does (past --max-streams open streams: asks for its place every 1–5 s, following the estimated
// wait, since this one process may open 20,000 files at most), and once admitted holds 1–4
// best-available seats (`quantity`) with the admission token, then books them. Room off: buyers
// who arrive before T hold at T (everyone reloads at the on-sale), later ones on arrival.
//
// --admission adaptive: the room's rate follows the event service's measured latency, with
// --admit-per-minute as its ceiling (the organizer's option `admission: adaptive`). --cpu-prof
// writes a V8 CPU profile of the event process per sale into <dir> (events-room-on|off.cpuprofile).
//
// Reported per mode: time from T to the last seat confirmed, p50/p99 of each step, oversold
// seats (SQL, must be 0), fairness (after T: buyers admitted before someone whose join had
// finished before theirs started; must be 0), 5xx answers (must be 0), CPU per sold seat
// (services + PostgreSQL + Redis + Kafka), and the machine's load.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { issueUserToken } from '@ticketing/auth';
import { DEV_INTERNAL_SECRET, DEV_JWT_SECRET } from '@ticketing/config';
import { createPostgresDatabase } from '@ticketing/db';
import { testInfra } from '@ticketing/testing';

const { values: args } = parseArgs({
  options: {
    buyers: { type: 'string', default: '20000' },
    seats: { type: 'string', default: '10000' },
    'arrival-seconds': { type: 'string', default: '10' },
    latency: { type: 'string', default: '2000' },
    'admit-per-minute': { type: 'string', default: '60000' },
    concurrency: { type: 'string', default: '2000' },
    mode: { type: 'string', default: 'both' },
    'presale-share': { type: 'string', default: '0.5' },
    admission: { type: 'string', default: 'fixed' },
    'target-latency-ms': { type: 'string' },
    'cpu-prof': { type: 'string' },
    'max-streams': { type: 'string', default: '15000' },
  },
});
const BUYERS = Number(args.buyers);
const SEATS = Number(args.seats);
const WINDOW_MS = Number(args['arrival-seconds']) * 1000;

const root = new URL('../../', import.meta.url).pathname;
const run = randomUUID().slice(0, 8);
const jwt = { secret: DEV_JWT_SECRET, internalSecret: DEV_INTERNAL_SECRET, issuer: 'ticketing', ttlSeconds: 7200 };
const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, file: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, file], {
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
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${code ?? signal})`);
  });
  children.push(child);
  return child;
}

async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 20_000).unref();
        }),
    ),
  );
  stopping = false;
}

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

async function waitHealthy(port: number): Promise<void> {
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

function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

function fdCount(pid: number | undefined): number {
  try {
    return pid === undefined ? 0 : readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** The soft limit on open files the children inherit (ulimit -n). */
function fdLimit(): number {
  const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return line ? Number(line[1]) : NaN;
}

function cpuOfMatching(pattern: RegExp): number {
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!pattern.test(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')))) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch {
      // the process ended
    }
  }
  return sum;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
function summary(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: Math.round(pct(s, 50)), p99: Math.round(pct(s, 99)) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
let fiveXx = 0;
const statuses = new Map<string, number>();
const routeOf = (path: string) => path.replace(/[0-9a-f-]{36}/g, ':id');
let saleT = 0;
/** When, in 10 s steps after the on-sale, something happened (where in the sale the errors fall). */
const since = () => `T+${Math.floor((Date.now() - saleT) / 10_000) * 10}s`;
const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
function call<T>(
  method: string,
  port: number,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
  retried = false,
): Promise<{ status: number; body: T }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        // The one retry goes out on a new connection: another kept-alive one may be as stale.
        agent: retried ? false : agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 500) fiveXx++;
          const parsed = (text ? JSON.parse(text) : undefined) as T;
          const code =
            status >= 400 ? ` ${(parsed as { error?: string } | undefined)?.error ?? ''}${status >= 500 ? ` ${since()}` : ''}` : '';
          count(`${method} ${routeOf(path)} ${status}${code}`);
          resolve({ status, body: parsed });
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed as idle just as this request went out: the
      // request never reached it (the server reads nothing on a connection it closes as idle).
      // Browsers send such a request again on a new connection, and so does this client, once.
      if (req.reusedSocket && err.code === 'ECONNRESET' && !retried) {
        count(`${method} ${routeOf(path)} sent again: kept-alive connection closed by the server`);
        resolve(call<T>(method, port, path, token, body, headers, true));
        return;
      }
      // No answer at all (reset, refused): counted with the 5xx, by route and error code.
      fiveXx++;
      count(`${method} ${routeOf(path)} no answer ${err.code} ${err.message}${req.reusedSocket ? ' (reused connection)' : ''} ${since()}`);
      resolve({ status: 0, body: undefined as T });
    });
    req.end(payload);
  });
}

interface Buyer {
  token: string;
  arriveAt: number;
  quantity: number;
  joinStart?: number;
  joinEnd?: number;
  admittedAt?: number;
  admissionNo?: number;
  bookingId?: string;
}

interface Place {
  status: string;
  estimated_wait_seconds: number | null;
  admission_number: number | null;
  admission_token: string | null;
}

let soldOutSignal = new AbortController();
const MAX_STREAMS = Number(args['max-streams']);
let openStreams = 0;
let streamed = 0;
let polled = 0;

/** Follows the buyer's queue stream until a place that is not `waiting` (or the sale is over). */
function follow(port: number, eventId: string, token: string): Promise<Place | undefined> {
  return new Promise((resolve) => {
    let last: Place | undefined;
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: `/api/events/${eventId}/queue/stream`,
        agent: false,
        headers: { authorization: `Bearer ${token}` },
        signal: soldOutSignal.signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 500) fiveXx++;
        if (status !== 200) count(`GET /api/events/:id/queue/stream ${status}`);
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (/^event: place$/m.test(frame) && data) last = JSON.parse(data) as Place;
          }
        });
        res.on('end', () => resolve(last));
        res.on('error', () => resolve(last));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The bench's own abort at sell-out is not an error of the service.
      if (err.name !== 'AbortError') count(`GET /api/events/:id/queue/stream no answer ${err.code} ${err.message} ${since()}`);
      setTimeout(() => resolve(last), 500);
    });
  });
}

async function sale(room: boolean) {
  soldOutSignal = new AbortController();
  const eventsPort = await freePort();
  const bookingsPort = await freePort();
  const prefix = `flash-${run}-${room ? 'on' : 'off'}`;
  const common = { REDIS_KEY_PREFIX: `${prefix}:`, DATABASE_POOL_SIZE: '40' };
  const profile = args['cpu-prof']
    ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`, `--cpu-prof-name=events-room-${room ? 'on' : 'off'}.cpuprofile`]
    : [];
  const eventsProc = start(
    'events',
    'services/events/src/server.ts',
    {
      ...common,
      EVENTS_PORT: String(eventsPort),
      EVENTS_KAFKA_ENABLED: 'false',
      EVENTS_MAX_SEATS_PER_HOLD: '10',
      ...(args['target-latency-ms'] ? { EVENTS_WAITING_ROOM_TARGET_LATENCY_MS: args['target-latency-ms'] } : {}),
    },
    profile,
  );
  const bookingsEnv = {
    ...common,
    BOOKING_REQUESTS_TOPIC: `${prefix}.booking-requests`,
    NOTIFICATION_REQUESTS_TOPIC: `${prefix}.notification-requests`,
    BOOKINGS_PORT: String(bookingsPort),
    EVENTS_URL: `http://127.0.0.1:${eventsPort}`,
    PAYMENT_LATENCY_MS: args.latency,
    BOOKING_WORKERS_GROUP: `${prefix}-workers`,
    RECONCILER_ENABLED: 'false',
  };
  const apiProc = start('bookings-api', 'services/bookings/src/server.ts', { ...bookingsEnv, WORKER_ENABLED: 'false' });
  await waitHealthy(eventsPort);
  await waitHealthy(bookingsPort);
  const workerProc = start('bookings-worker', 'services/bookings/src/worker.ts', { ...bookingsEnv, WORKER_CONCURRENCY: args.concurrency });
  await sleep(3000); // the worker joins its consumer group

  const owner = issueUserToken({ userId: randomUUID(), email: 'flash-owner@example.test', role: 'user' }, jwt).token;
  const created = await call<{ event_id: string }>('POST', eventsPort, '/api/events', owner, {
    name: `Flash sale ${run} (room ${room ? 'on' : 'off'})`,
    venue: 'Bench Arena',
    city: 'Bench',
    category: 'concert',
    event_date: new Date(Date.now() + 86400_000 * 30).toISOString(),
    total_seats: SEATS,
    price_per_seat: 40,
    seats_per_row: 100,
  });
  if (created.status !== 201) throw new Error(`create event: ${created.status} ${JSON.stringify(created.body)}`);
  const eventId = created.body.event_id;
  const startAt = Date.now() + 2000;
  const T = startAt + WINDOW_MS * Number(args['presale-share']);
  saleT = T;
  if (room) {
    const res = await call('PUT', eventsPort, `/api/events/${eventId}/waiting-room`, owner, {
      enabled: true,
      opens_at: new Date(T).toISOString(),
      admit_per_minute: Number(args['admit-per-minute']),
      admission: args.admission,
      token_ttl_seconds: 600,
      grace_seconds: 60,
    });
    if (res.status !== 200) throw new Error(`waiting room: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const buyers: Buyer[] = Array.from({ length: BUYERS }, (_, i) => ({
    token: issueUserToken({ userId: randomUUID(), email: `flash-${i}@example.test`, role: 'user' }, jwt).token,
    arriveAt: startAt + Math.random() * WINDOW_MS,
    quantity: 1 + Math.floor(Math.random() * 4),
  }));

  const events = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'events', poolSize: 2, applicationName: 'flash-bench' });
  const bookings = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'bookings', poolSize: 2, applicationName: 'flash-bench' });
  let soldOut = false;
  const watcher = (async () => {
    while (!soldOut) {
      await sleep(500);
      const { rows } = await events.query<{ left: string }>(
        `SELECT count(*) FILTER (WHERE status <> 'booked' AND (status = 'available' OR hold_expires_at < now())) AS left FROM seats WHERE event_id = $1`,
        [eventId],
      );
      if (Number(rows[0]!.left) === 0) {
        soldOut = true;
        soldOutSignal.abort();
      }
    }
  })();

  // The rate the room admits at, every second (adaptive: it follows the event service's latency).
  const rates: number[] = [];
  const rateSampler = (async () => {
    while (room && !soldOut) {
      const stats = await call<{ admit_rate_per_minute: number | null }>(
        'GET',
        eventsPort,
        `/api/events/${eventId}/waiting-room/stats`,
        owner,
      );
      if (Date.now() >= T && typeof stats.body?.admit_rate_per_minute === 'number') rates.push(stats.body.admit_rate_per_minute);
      await sleep(1000);
    }
  })();

  const steps = { join: [] as number[], wait: [] as number[], hold: [] as number[], book: [] as number[] };
  const procs = [eventsProc, apiProc, workerProc];
  const cpu0 = procs.map((p) => cpuMs(p.pid));
  const infra0 = cpuOfMatching(/^(postgres|redis-server|java)$/);
  const load0 = os.loadavg()[0]!;
  // The bench is one process simulating every buyer: its own event loop delay bounds what it can measure.
  const benchLoop = monitorEventLoopDelay({ resolution: 20 });
  benchLoop.enable();
  // Open file descriptors (sockets) of each process at most: a process at its limit resets new connections.
  const maxFds = { events: 0, bookings_api: 0, bookings_worker: 0, bench: 0 };
  const fdSampler = (async () => {
    while (!soldOut) {
      const [e, a, w] = procs.map((p) => fdCount(p.pid));
      maxFds.events = Math.max(maxFds.events, e!);
      maxFds.bookings_api = Math.max(maxFds.bookings_api, a!);
      maxFds.bookings_worker = Math.max(maxFds.bookings_worker, w!);
      maxFds.bench = Math.max(maxFds.bench, fdCount(process.pid));
      await sleep(1000);
    }
  })();

  async function buy(b: Buyer): Promise<void> {
    await sleep(Math.max(0, (room ? b.arriveAt : Math.max(b.arriveAt, T)) - Date.now()));
    let admission: string | undefined;
    if (room) {
      b.joinStart = performance.now();
      const t0 = Date.now();
      const joined = await call<Place>('POST', eventsPort, `/api/events/${eventId}/queue`, b.token);
      b.joinEnd = performance.now();
      steps.join.push(Date.now() - t0);
      if (joined.status !== 201) return;
      let place = joined.body;
      // Waits as the web page does: the place stream (SSE) until admitted, reconnecting if cut.
      // Past MAX_STREAMS open streams (this one process has a file descriptor per stream, and the
      // machine allows 20,000) the buyer asks for its place instead, at a pace that follows the
      // estimated wait (1–5 s).
      while (place.status === 'waiting' && !soldOut) {
        if (openStreams < MAX_STREAMS) {
          openStreams++;
          streamed++;
          const next = await follow(eventsPort, eventId, b.token).finally(() => openStreams--);
          if (next) place = next;
          else await sleep(1000);
        } else {
          polled++;
          await sleep(Math.min(5000, Math.max(1000, ((place.estimated_wait_seconds ?? 0) * 1000) / 10)));
          if (soldOut) break;
          const mine = await call<Place>('GET', eventsPort, `/api/events/${eventId}/queue/me`, b.token);
          if (mine.status === 200) place = mine.body;
        }
      }
      if (place.status !== 'admitted' || !place.admission_token) return;
      b.admittedAt = Date.now();
      b.admissionNo = place.admission_number ?? undefined;
      steps.wait.push(b.admittedAt - Math.max(t0, T));
      admission = place.admission_token;
    }
    let quantity = b.quantity;
    for (;;) {
      if (soldOut) return;
      const t1 = Date.now();
      const held = await call<{ hold_id: string; total_price: number }>(
        'POST',
        eventsPort,
        `/api/events/${eventId}/hold`,
        b.token,
        { quantity },
        admission ? { 'admission-token': admission } : {},
      );
      steps.hold.push(Date.now() - t1);
      if (held.status === 201) {
        const t2 = Date.now();
        let booked = { status: 0, body: undefined as { booking_id: string } | undefined };
        // A 503 says when to retry (Retry-After, 1–2 s): a real client does, up to three times.
        for (let attempt = 0; attempt < 4 && booked.status !== 202; attempt++) {
          if (attempt > 0) await sleep(1000 * attempt);
          booked = await call<{ booking_id: string } | undefined>('POST', bookingsPort, '/api/booking', b.token, {
            hold_id: held.body.hold_id,
            payment_info: { payment_method: 'credit_card', amount: held.body.total_price },
          });
          if (booked.status < 500) break;
        }
        steps.book.push(Date.now() - t2);
        if (booked.status === 202 && booked.body) b.bookingId = booked.body.booking_id;
        return;
      }
      // Fewer seats left than asked: one seat, then give up.
      if (held.status === 409 && quantity > 1) quantity = 1;
      else return;
    }
  }

  console.log(
    `[room ${room ? 'on' : 'off'}] ${BUYERS} buyers arrive within ${WINDOW_MS / 1000} s for ${SEATS} seats; on-sale at +${(T - startAt) / 1000} s`,
  );
  await Promise.all(buyers.map(buy));
  // Every booking final (confirmed or failed).
  const ids = buyers.flatMap((b) => (b.bookingId ? [b.bookingId] : []));
  for (let i = 0; i < 600; i++) {
    const { rows } = await bookings.query<{ open: string }>(
      `SELECT count(*) AS open FROM bookings WHERE id = ANY($1::uuid[]) AND status = 'processing'`,
      [ids],
    );
    if (Number(rows[0]!.open) === 0) break;
    await sleep(500);
  }
  soldOut = true;
  soldOutSignal.abort();
  await watcher;
  await rateSampler;
  await fdSampler;
  const cpu = procs.map((p, i) => cpuMs(p.pid) - cpu0[i]!);
  const infraCpu = cpuOfMatching(/^(postgres|redis-server|java)$/) - infra0;

  const { rows: b } = await bookings.query<{ confirmed: string; seats: string; first: Date; last: Date }>(
    `SELECT count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
            coalesce(sum(cardinality(seats)) FILTER (WHERE status = 'confirmed'), 0) AS seats,
            min(updated_at) FILTER (WHERE status = 'confirmed') AS first, max(updated_at) FILTER (WHERE status = 'confirmed') AS last
       FROM bookings WHERE event_id = $1`,
    [eventId],
  );
  const { rows: s } = await events.query<{ booked: string; total: string }>(
    `SELECT count(*) FILTER (WHERE status = 'booked') AS booked, count(*) AS total FROM seats WHERE event_id = $1`,
    [eventId],
  );
  // A seat sold twice would show as more confirmed booking seats than booked seat rows.
  const { rows: dup } = await bookings.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT unnest(seats) AS seat FROM bookings WHERE event_id = $1 AND status = 'confirmed') x GROUP BY seat HAVING count(*) > 1`,
    [eventId],
  );
  const soldSeats = Number(s[0]!.booked);
  const oversold = Math.max(0, Number(b[0]!.seats) - soldSeats) + dup.length + Math.max(0, soldSeats - SEATS);

  // Fairness after T: a buyer admitted before another whose join had finished before theirs began.
  let outOfOrder = 0;
  let afterT = 0;
  if (room) {
    const late = buyers.filter((x) => x.arriveAt >= T + 50 && x.joinStart !== undefined && x.admissionNo !== undefined);
    afterT = late.length;
    const byEnd = [...late].sort((x, y) => x.joinEnd! - y.joinEnd!);
    const byStart = [...late].sort((x, y) => x.joinStart! - y.joinStart!);
    let k = 0;
    let maxNo = -Infinity;
    for (const j of byStart) {
      while (k < byEnd.length && byEnd[k]!.joinEnd! < j.joinStart!) maxNo = Math.max(maxNo, byEnd[k++]!.admissionNo!);
      if (maxNo > j.admissionNo!) outOfOrder++;
    }
  }
  const result = {
    mode: room ? 'room on' : 'room off',
    buyers: BUYERS,
    seats: SEATS,
    sold_seats: soldSeats,
    confirmed_bookings: Number(b[0]!.confirmed),
    sell_out_seconds: b[0]!.last ? Math.round((b[0]!.last.getTime() - T) / 100) / 10 : null,
    oversold,
    five_xx: fiveXx,
    fairness_out_of_order_after_T: room ? `${outOfOrder}/${afterT}` : 'n/a',
    admitted: room ? buyers.filter((x) => x.admissionNo !== undefined).length : 'n/a',
    place_streams_opened_and_polls: room ? [streamed, polled] : 'n/a',
    admit_rate_per_minute: room
      ? { admission: args.admission, ...summary(rates), min: Math.min(...rates), max: Math.max(...rates) }
      : 'n/a',
    steps_ms: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summary(v)])),
    cpu_ms_per_sold_seat: {
      events: Math.round((cpu[0]! / Math.max(1, soldSeats)) * 100) / 100,
      bookings_api: Math.round((cpu[1]! / Math.max(1, soldSeats)) * 100) / 100,
      bookings_worker: Math.round((cpu[2]! / Math.max(1, soldSeats)) * 100) / 100,
      infra: Math.round((infraCpu / Math.max(1, soldSeats)) * 100) / 100,
    },
    max_open_fds: { ...maxFds, limit: fdLimit() },
    bench_loop_delay_ms: { p99: Math.round(benchLoop.percentile(99) / 1e6), max: Math.round(benchLoop.max / 1e6) },
    load_before_after: [load0, os.loadavg()[0]!].map((x) => Math.round(x * 10) / 10),
  };
  benchLoop.disable();
  await events.close();
  await bookings.close();
  await stopAll();
  return result;
}

const modes = args.mode === 'both' ? [true, false] : [args.mode === 'on'];
const { rows: size } = await (async () => {
  const db = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'events', poolSize: 1 });
  try {
    return await db.query<{ seats: string; db: string }>(
      `SELECT (SELECT count(*) FROM seats) AS seats, pg_size_pretty(pg_database_size(current_database())) AS db`,
    );
  } finally {
    await db.close();
  }
})();
console.log(
  JSON.stringify({
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    load: os.loadavg().map((x) => Math.round(x * 10) / 10),
    db_seats: size[0],
  }),
);
try {
  for (const room of modes) {
    fiveXx = 0;
    streamed = 0;
    polled = 0;
    statuses.clear();
    console.log(JSON.stringify(await sale(room), null, 1));
    console.log(JSON.stringify(Object.fromEntries([...statuses].sort())));
  }
} finally {
  await stopAll();
  agent.destroy();
}
