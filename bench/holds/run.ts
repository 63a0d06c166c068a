// Seat-hold benchmark (not part of npm test).
//
//   node bench/holds/run.ts [--rates 2000,3000,4000] [--attempts 20000] [--connections 200]
//                           [--seats 50000] [--hot 100] [--scenarios random,hot]
//                           [--group-commit off|on|both] [--window-ms 1] [--pool 16]
//                           [--pgbench-clients 16] [--rounds 1] [--warmup 10000]
//                           [--databases small=postgres://…/a,big=postgres://…/b]
//   BENCH_CPU_PROF=/tmp/prof: writes a CPU profile of every event service process there.
//
// --rates max: closed loop (each of --connections sends its next request when the last one is
// answered): the service's capacity, not a fixed offered load. A fixed rate caps holds/s at
// rate × the share of requests that win (about 0.6 in the random scenario), so a fixed-rate
// row compared with pgbench's maximum says little about the service's capacity.
// --databases: the same runs on each database (each with its own event service process),
// interleaved run by run, so that their ratio is measured under the same machine load (e.g. a
// database filled by bench/holds/fill.ts beside a nearly empty one). --rounds repeats it all.
// Every row records the commit, the database's seat rows and the load average; the CPU model
// is printed above the table.
//
// The event service runs as its own process (node services/events/src/server.ts) on the real
// PostgreSQL and Redis; autocannon sends --attempts requests to POST /api/events/{id}/hold at
// a FIXED request rate (overallRate) per run, each from one of 20,000 users with its own token:
//   random: 2 adjacent seats at a uniformly random position of a fresh 50,000-seat event;
//   hot:    2 random seats among the first --hot seats (almost every request is refused,
//           with alternatives computed).
// Beside it, in the same run and on the same database, pgbench runs the SAME hold statement
// (HOLD_SEATS_SQL, exported by the service) the same number of times on another fresh event,
// with the same seat and user distribution, as fast as it can (-M prepared), right before each
// service run. Every run starts from a fresh event and makes the same number of attempts, so
// both fill the event alike. holds/s = successful holds per second (HTTP 201 for the service;
// hold rows created, counted in SQL, for pgbench). The ratio compares the best holds/s the
// service sustained (error rate under 1 %, at least 95 % of the target rate achieved) with the
// median of the pgbench runs; each row also shows its ratio to the pgbench run beside it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { issueUserToken } from '@ticketing/auth';
import { DEV_JWT_SECRET } from '@ticketing/config';
import { createPostgresDatabase } from '@ticketing/db';
import { apiClient, testInfra } from '@ticketing/testing';
import { HOLD_SEATS_SQL } from '../../services/events/src/index.ts';
import { seatLabel } from '../../services/events/src/seats/seat-labels.ts';

const { values: args } = parseArgs({
  options: {
    rates: { type: 'string', default: '2000,3000,4000' },
    attempts: { type: 'string', default: '20000' },
    'window-ms': { type: 'string', default: '1' },
    // A divisor of every rate: autocannon gives each connection rate/connections requests per second.
    connections: { type: 'string', default: '200' },
    seats: { type: 'string', default: '50000' },
    hot: { type: 'string', default: '100' },
    scenarios: { type: 'string', default: 'random,hot' },
    'group-commit': { type: 'string', default: 'both' },
    pool: { type: 'string', default: '16' },
    'pgbench-clients': { type: 'string', default: '16' },
    rounds: { type: 'string', default: '1' },
    // Requests sent to each event service before the measured runs (not reported): a fresh
    // process runs its first thousands of requests unoptimised (CPU per request 30-50 % higher).
    warmup: { type: 'string', default: '10000' },
    databases: { type: 'string' },
    pgbench: { type: 'string', default: '/usr/lib/postgresql/15/bin/pgbench' },
    // Node flags for the event service process (e.g. --max-semi-space-size=32), space-separated.
    'service-node-args': { type: 'string', default: '' },
  },
});

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
type Autocannon = (
  opts: Record<string, unknown> & { requests?: { setupRequest: (req: AutocannonRequest) => AutocannonRequest }[] },
  cb: (err: Error | null, result: AutocannonResult) => void,
) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SEATS = Number(args.seats);
const SEATS_PER_ROW = 500;
const USERS = 20_000;
const ATTEMPTS = Number(args.attempts);
const root = new URL('../../', import.meta.url).pathname;
const jwt = { secret: DEV_JWT_SECRET, issuer: 'ticketing', ttlSeconds: 7200 };
const users = Array.from({ length: USERS }, (_, i) => ({
  id: randomUUID(),
  token: issueUserToken({ userId: randomUUID(), email: `bench${i}@example.test`, role: 'user' }, jwt).token,
}));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Target {
  name: string;
  url: string;
}
const targets: Target[] = args.databases
  ? args.databases.split(',').map((d) => {
      const at = d.indexOf('=');
      return { name: d.slice(0, at), url: d.slice(at + 1) };
    })
  : [{ name: 'default', url: testInfra.databaseUrl }];
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const cpuModel = `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`;

/** Seat rows in the database (the planner's estimate: counting 5 million rows would take seconds). */
async function seatRows(url: string): Promise<number> {
  const db = createPostgresDatabase({ url, schema: 'events', poolSize: 1 });
  try {
    const { rows } = await db.query<{ n: number }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = 'seats'::regclass`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await db.close();
  }
}

// A bench stopped by a signal stops its services too (they would hold ports and connections).
const started = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of started) child.kill('SIGTERM');
    process.exit(130);
  });
}

async function startService(groupCommit: boolean, target: Target): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  // BENCH_CPU_PROF=<dir>: a CPU profile of each event service process (written when it stops).
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=events-${target.name}-${port}.cpuprofile`]
    : [];
  const nodeArgs = args['service-node-args'].split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...prof, 'services/events/src/server.ts'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      DATABASE_URL: target.url,
      DATABASE_POOL_SIZE: args.pool,
      REDIS_URL: testInfra.redisUrl,
      JWT_SECRET: jwt.secret,
      EVENTS_PORT: String(port),
      EVENTS_KAFKA_ENABLED: 'false',
      EVENTS_MAX_ACTIVE_HOLDS_PER_USER: '100000',
      EVENTS_GROUP_COMMIT_ENABLED: String(groupCommit),
      EVENTS_GROUP_COMMIT_WINDOW_MS: args['window-ms'],
      // Sweeping is not part of the hold path (and would sweep earlier runs' holds meanwhile).
      EVENTS_SWEEPER_INTERVAL_MS: '0',
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  started.add(child);
  child.once('exit', () => started.delete(child));
  console.error(`event service pid ${child.pid} on ${baseUrl} (bench pid ${process.pid})`);
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return { child, baseUrl };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('event service did not start');
}

const benchEvents = new Map<string, string[]>();

/** Deletes the runs' events with their seats and holds, so that repeated runs do not grow the database. */
async function cleanUp(target: Target): Promise<void> {
  const ids = benchEvents.get(target.url) ?? [];
  if (ids.length === 0) return;
  const db = createPostgresDatabase({ url: target.url, schema: 'events', poolSize: 1 });
  try {
    await db.query('DELETE FROM holds WHERE event_id = ANY($1::uuid[])', [ids]);
    await db.query('DELETE FROM seats WHERE event_id = ANY($1::uuid[])', [ids]);
    await db.query('DELETE FROM events WHERE id = ANY($1::uuid[])', [ids]);
  } finally {
    await db.close();
  }
}

async function createEvent(baseUrl: string, seats: number, target: Target): Promise<string> {
  const res = await apiClient(baseUrl)('POST', '/api/events', {
    token: users[0]!.token,
    body: {
      name: `Bench ${randomUUID().slice(0, 8)}`,
      venue: 'Bench Arena',
      city: 'Benchville',
      category: 'bench',
      event_date: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      total_seats: seats,
      seats_per_row: SEATS_PER_ROW,
      price_per_seat: 50,
    },
  });
  if (res.status !== 201) throw new Error(`create event: ${res.status} ${res.text}`);
  const { event_id: eventId } = res.body as { event_id: string };
  benchEvents.set(target.url, [...(benchEvents.get(target.url) ?? []), eventId]);
  return eventId;
}

/** Two seats: adjacent at a random position (random) or any two of the first `hot` seats. */
function seatsFor(scenario: string): [number, number] {
  if (scenario === 'hot') {
    const a = 1 + Math.floor(Math.random() * Number(args.hot));
    let b = a;
    while (b === a) b = 1 + Math.floor(Math.random() * Number(args.hot));
    return a < b ? [a, b] : [b, a];
  }
  const a = 1 + Math.floor(Math.random() * (SEATS - 1));
  return [a, a + 1];
}

interface Row {
  db: string;
  /** Seat rows in that database when the run started. */
  dbSeats: number;
  scenario: string;
  runner: string;
  rate: string;
  reqPerSec: number;
  seconds: number;
  holdsPerSec: number;
  refusedPerSec: number;
  p50: number | string;
  p99: number | string;
  errorRate: number;
  /** The machine's 1-minute load average when the run ended (other work on the box skews runs). */
  load: number;
  /** CPU of the event service process per request (ms); not measured for pgbench. */
  cpuMsPerRequest?: number;
  /** CPU of the whole machine (every process, the other engineers' included) per request (ms). */
  machineCpuMsPerRequest: number;
  /** CPU of the load generator per request (ms): autocannon in this process, or the pgbench client. */
  clientCpuMsPerRequest: number;
  /** CPU of the database's PostgreSQL backends per request (ms; service runs only: pgbench's backends exit with it). */
  databaseCpuMsPerRequest?: number;
  /** Group commit: requests per batch and ms per batch (commit included), averaged over the run. */
  batch?: { size: number; ms: number };
}

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** CPU time of this process so far (autocannon runs in it) and of its children it has waited for (pgbench), in ms. */
function ownCpuMs(): { self: number; children: number } {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const ms = (i: number) => (Number(fields[i]) * 1000) / 100;
  return { self: ms(11) + ms(12), children: ms(13) + ms(14) };
}

/** CPU time used so far by each PostgreSQL backend of the database (ms by pid; /proc is readable for every user). */
async function backendCpuMs(url: string): Promise<Map<number, number>> {
  const db = createPostgresDatabase({ url, schema: 'events', poolSize: 1 });
  try {
    const { rows } = await db.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]).filter(([, ms]) => Number.isFinite(ms)) as [number, number][]);
  } finally {
    await db.close();
  }
}

/** CPU the database's backends used between two readings (backends started meanwhile count whole). */
function backendCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

/** Busy CPU time of the whole machine so far (every core, every process), in ms, from /proc/stat. */
function machineCpuMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const busy = fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3]! - fields[4]!;
  return (busy * 1000) / 100;
}

/** The group-commit histograms' sums and counts (seat_hold_batch_size, seat_hold_batch_seconds). */
async function batchTotals(baseUrl: string): Promise<{ requests: number; batches: number; seconds: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    requests: value('seat_hold_batch_size_sum'),
    batches: value('seat_hold_batch_size_count'),
    seconds: value('seat_hold_batch_seconds_sum'),
  };
}

async function runAutocannon(
  service: { baseUrl: string; child: ChildProcess },
  scenario: string,
  rate: number | 'max',
  groupCommit: boolean,
  target: Target,
  attempts = ATTEMPTS,
): Promise<Row> {
  const { baseUrl } = service;
  const dbSeats = await seatRows(target.url);
  const eventId = await createEvent(baseUrl, SEATS, target);
  const cpuBefore = cpuMs(service.child.pid);
  const machineBefore = machineCpuMs();
  const clientBefore = ownCpuMs().self;
  const batchesBefore = await batchTotals(baseUrl);
  const backendsBefore = await backendCpuMs(target.url);
  // autocannon ends a run on its next one-second tick and reports that as the duration (up to a
  // second more than the work took: 7 % to 17 % on runs of 6-8 s), so the run's time is taken
  // here, from the start to the last response.
  const started = performance.now();
  let lastResponse = started;
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: Number(args.connections),
        amount: attempts,
        ...(rate === 'max' ? {} : { overallRate: rate }),
        timeout: 10,
        requests: [
          {
            setupRequest(req: AutocannonRequest) {
              const user = pick(users);
              return {
                ...req,
                method: 'POST',
                path: `/api/events/${eventId}/hold`,
                headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
                body: JSON.stringify({ seat_numbers: seatsFor(scenario).map((n) => seatLabel(n, SEATS_PER_ROW)) }),
              };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    ) as EventEmitter;
    instance.on('response', () => {
      lastResponse = performance.now();
    });
  });
  const seconds = (lastResponse - started) / 1000;
  const serviceCpu = cpuMs(service.child.pid) - cpuBefore;
  const machineCpu = machineCpuMs() - machineBefore;
  const clientCpu = ownCpuMs().self - clientBefore;
  const databaseCpu = backendCpuBetween(backendsBefore, await backendCpuMs(target.url));
  const batchesAfter = await batchTotals(baseUrl);
  const batches = batchesAfter.batches - batchesBefore.batches;
  const count = (code: string) => Number(result.statusCodeStats?.[code]?.count ?? 0);
  const total = result.requests.total + result.errors + result.timeouts;
  const good = count('201') + count('409');
  return {
    db: target.name,
    dbSeats,
    scenario,
    runner: `service (group commit ${groupCommit ? 'on' : 'off'})`,
    rate: String(rate),
    reqPerSec: Math.round(result.requests.total / seconds),
    seconds,
    holdsPerSec: Math.round(count('201') / seconds),
    refusedPerSec: Math.round(count('409') / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errorRate: total === 0 ? 0 : (total - good) / total,
    load: loadavg()[0]!,
    cpuMsPerRequest: serviceCpu / Math.max(1, result.requests.total),
    machineCpuMsPerRequest: machineCpu / Math.max(1, result.requests.total),
    clientCpuMsPerRequest: clientCpu / Math.max(1, result.requests.total),
    databaseCpuMsPerRequest: databaseCpu / Math.max(1, result.requests.total),
    batch:
      batches > 0
        ? {
            size: (batchesAfter.requests - batchesBefore.requests) / batches,
            ms: ((batchesAfter.seconds - batchesBefore.seconds) * 1000) / batches,
          }
        : undefined,
  };
}

/** HOLD_SEATS_SQL with its parameters replaced by pgbench variables. */
function pgbenchScript(scenario: string): string {
  const sql = HOLD_SEATS_SQL.replaceAll('$1', ':event_id')
    .replaceAll('$2::int[]', 'ARRAY[:s1, :s2]::int[]')
    .replaceAll('$3', 'gen_random_uuid()')
    .replaceAll('$4', 'md5(:u::text)::uuid')
    .replaceAll('$5', '100000')
    // The service under test runs without a bus here, so it writes no seat-events outbox row either.
    .replaceAll('$6', 'NULL');
  const seats =
    scenario === 'hot'
      ? [
          `\\set a random(1, ${args.hot})`,
          `\\set b random(1, ${Number(args.hot) - 1})`,
          `\\set b :b + case when :b >= :a then 1 else 0 end`,
          `\\set s1 least(:a, :b)`,
          `\\set s2 greatest(:a, :b)`,
        ]
      : [`\\set s1 random(1, ${SEATS - 1})`, `\\set s2 :s1 + 1`];
  // pgbench wants one statement per line (or backslash-continued lines).
  return [`\\set u random(1, ${USERS})`, ...seats, sql.replace(/\s*\n\s*/g, ' ') + ';', ''].join('\n');
}

async function runPgbench(baseUrl: string, scenario: string, target: Target): Promise<Row> {
  const dbSeats = await seatRows(target.url);
  const eventId = await createEvent(baseUrl, SEATS, target);
  const dir = mkdtempSync(path.join(tmpdir(), 'holds-bench-'));
  const file = path.join(dir, `${scenario}.sql`);
  writeFileSync(file, pgbenchScript(scenario));
  const clients = args['pgbench-clients'];
  const machineBefore = machineCpuMs();
  const clientBefore = ownCpuMs().children;
  const out = spawnSync(
    args.pgbench,
    [
      '-n',
      '-M',
      'prepared',
      '-c',
      clients,
      '-j',
      '2',
      '-t',
      String(Math.ceil(ATTEMPTS / Number(clients))),
      '-D',
      `event_id=${eventId}`,
      '-f',
      file,
      target.url,
    ],
    { encoding: 'utf8', env: { ...process.env, PGOPTIONS: '-c search_path=events,public' } },
  );
  const machineCpu = machineCpuMs() - machineBefore;
  const clientCpu = ownCpuMs().children - clientBefore;
  if (out.status !== 0) throw new Error(`pgbench failed: ${out.stderr}\n${out.stdout}`);
  const tps = Number(/tps = ([\d.]+)/.exec(out.stdout)?.[1] ?? 0);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(out.stdout)?.[1] ?? 0);
  const failed = Number(/number of failed transactions: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  const processed = Number(/number of transactions actually processed: (\d+)/.exec(out.stdout)?.[1] ?? 0);
  const db = createPostgresDatabase({ url: target.url, schema: 'events', poolSize: 1 });
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM holds WHERE event_id = $1', [eventId]);
  await db.close();
  const seconds = processed / tps;
  return {
    db: target.name,
    dbSeats,
    scenario,
    runner: `pgbench (-c ${clients})`,
    rate: 'max',
    reqPerSec: Math.round(tps),
    seconds,
    holdsPerSec: Math.round(rows[0]!.n / seconds),
    refusedPerSec: Math.round((processed - rows[0]!.n) / seconds),
    p50: `avg ${latency}`,
    p99: '',
    errorRate: processed + failed === 0 ? 0 : failed / (processed + failed),
    load: loadavg()[0]!,
    machineCpuMsPerRequest: machineCpu / Math.max(1, processed),
    clientCpuMsPerRequest: clientCpu / Math.max(1, processed),
  };
}

function print(rows: (Row & { ratio?: number })[]): void {
  const header = [
    'commit',
    'db (seat rows)',
    'scenario',
    'runner',
    'target req/s',
    'req/s',
    'seconds',
    'holds/s',
    'refused/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'service CPU ms/req',
    'client CPU ms/req',
    'PostgreSQL CPU ms/req',
    'machine CPU ms/req',
    'batch size / ms',
    '÷ pgbench beside (hot: req/s)',
    'load',
  ];
  const lines = rows.map((r) => [
    commit,
    `${r.db} (${(r.dbSeats / 1e6).toFixed(2)} M)`,
    r.scenario,
    r.runner,
    r.rate,
    r.reqPerSec,
    r.seconds.toFixed(2),
    r.holdsPerSec,
    r.refusedPerSec,
    r.p50,
    r.p99,
    `${(r.errorRate * 100).toFixed(2)} %`,
    r.cpuMsPerRequest === undefined ? '' : r.cpuMsPerRequest.toFixed(3),
    r.clientCpuMsPerRequest.toFixed(3),
    r.databaseCpuMsPerRequest === undefined ? '' : r.databaseCpuMsPerRequest.toFixed(3),
    r.machineCpuMsPerRequest.toFixed(3),
    r.batch === undefined ? '' : `${r.batch.size.toFixed(1)} / ${r.batch.ms.toFixed(1)}`,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.load.toFixed(1),
  ]);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
}

const modes = args['group-commit'] === 'both' ? [false, true] : [args['group-commit'] === 'on'];
const rates = args.rates.split(',').map((r) => (r === 'max' ? ('max' as const) : Number(r)));
const scenarios = args.scenarios.split(',');
const rows: (Row & { ratio?: number })[] = [];

// pgbench runs right before every service run (the machine's load drifts; each service run is
// compared with the pgbench run beside it). With several databases, each step runs on each of
// them in turn, so that the databases see the same load.
for (const groupCommit of modes) {
  const services = new Map<Target, { child: ChildProcess; baseUrl: string }>();
  for (const target of targets) services.set(target, await startService(groupCommit, target));
  try {
    if (Number(args.warmup) > 0) {
      for (const target of targets) {
        await runAutocannon(services.get(target)!, 'random', 'max', groupCommit, target, Number(args.warmup));
      }
    }
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const scenario of scenarios) {
        for (const rate of rates) {
          // Odd rounds take the databases in reverse order, so that neither always runs first.
          for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
            const service = services.get(target)!;
            const pg = await runPgbench(service.baseUrl, scenario, target);
            rows.push(pg);
            const row = await runAutocannon(service, scenario, rate, groupCommit, target);
            // Hot seats: almost every attempt is refused, so compare decisions per second instead.
            const ratio = scenario === 'hot' ? row.reqPerSec / pg.reqPerSec : row.holdsPerSec / pg.holdsPerSec;
            rows.push({ ...row, ratio: Number.isFinite(ratio) ? ratio : undefined });
            console.error(
              `${target.name} ${scenario}: pgbench ${pg.holdsPerSec} holds/s; ${row.runner} @${rate}/s: ${row.reqPerSec} req/s, ${row.holdsPerSec} holds/s, p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${(row.errorRate * 100).toFixed(2)} %, load ${row.load.toFixed(1)}`,
            );
          }
        }
      }
    }
  } finally {
    for (const { child } of services.values()) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
}

for (const target of targets) await cleanUp(target);

console.log(
  `\nSeat holds: ${ATTEMPTS} attempts per run on fresh ${SEATS}-seat events, ${args.connections} connections, pool ${args.pool}, group commit window ${args['window-ms']} ms; commit ${commit}, CPU ${cpuModel}, load average at the end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}:\n`,
);
print(rows);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
for (const scenario of scenarios.filter((s) => s === 'random')) {
  for (const target of targets) {
    const mine = rows.filter((r) => r.db === target.name && r.scenario === scenario);
    const pg = median(mine.filter((r) => r.runner.startsWith('pgbench')).map((r) => r.holdsPerSec));
    for (const groupCommit of modes) {
      const runs = mine.filter((r) => r.runner === `service (group commit ${groupCommit ? 'on' : 'off'})` && r.errorRate < 0.01);
      const best = [...runs].sort((a, b) => b.holdsPerSec - a.holdsPerSec)[0];
      if (!best) continue;
      const sustained =
        best.rate === 'max'
          ? 'closed loop'
          : best.reqPerSec >= 0.95 * Number(best.rate)
            ? 'sustained'
            : `not sustained: ${best.reqPerSec} req/s achieved`;
      console.log(
        `\n${target.name}: ${scenario} seats, group commit ${groupCommit ? 'on' : 'off'}: best ${best.holdsPerSec} holds/s (target ${best.rate} req/s, ${sustained}) → ` +
          `${(best.holdsPerSec / pg).toFixed(2)}× the median pgbench run (${pg} holds/s), ${best.ratio?.toFixed(2)}× the pgbench run beside it`,
      );
    }
  }
  // Databases against the first one, run by run (the same step of the same round: the same load).
  const [first, ...others] = targets;
  for (const other of others) {
    for (const groupCommit of modes) {
      const runner = `service (group commit ${groupCommit ? 'on' : 'off'})`;
      const a = rows.filter((r) => r.db === first!.name && r.scenario === scenario && r.runner === runner);
      const b = rows.filter((r) => r.db === other.name && r.scenario === scenario && r.runner === runner);
      const ratios = a.map((r, i) => (b[i] ? b[i].holdsPerSec / r.holdsPerSec : NaN)).filter(Number.isFinite);
      const pgA = rows.filter((r) => r.db === first!.name && r.scenario === scenario && r.runner.startsWith('pgbench'));
      const pgB = rows.filter((r) => r.db === other.name && r.scenario === scenario && r.runner.startsWith('pgbench'));
      const pgRatios = pgA.map((r, i) => (pgB[i] ? pgB[i].holdsPerSec / r.holdsPerSec : NaN)).filter(Number.isFinite);
      console.log(
        `\n${other.name} ÷ ${first!.name}, ${scenario} seats, group commit ${groupCommit ? 'on' : 'off'}: service holds/s ${ratios.map((x) => `${x.toFixed(2)}×`).join(', ')} ` +
          `(median ${median(ratios).toFixed(2)}×); pgbench ${pgRatios.map((x) => `${x.toFixed(2)}×`).join(', ')} (median ${median(pgRatios).toFixed(2)}×)`,
      );
    }
  }
}
