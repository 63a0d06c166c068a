// SSE through the web edge vs directly on the event service, in the same run.
//
//   node bench/web/sse-edge.ts [--clients 1000] [--changes 60] [--interval-ms 100] [--fanout true|false]
//
// Starts the event service (its own process, Redis on, Kafka off) and the web edge (its own
// process, forwarding to it), creates an event, opens --clients seat-stream clients through the
// edge AND --clients directly on the event service, then makes --changes seat changes (one hold
// each, by a new user) every --interval-ms. For every `seats` event each client receives, the
// latency is its arrival time minus the change's `at` (stamped by the event service when it
// published the change; same machine, same clock). Reports p50/p90/p99/max per path and how
// much the edge adds. Needs PostgreSQL and Redis (bash scripts/infra.sh up); not in npm test.
//
// BENCH_CPU_PROF=<dir>: both servers write a CPU profile there (web.cpuprofile, events.cpuprofile),
// and the bench prints the delivery window on the profiles' clock, for
// `node bench/web/profile-top.ts <file> <from> <to>` (the top functions while changes are delivered).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { issueUserToken } from '@ticketing/auth';
import { apiClient, testInfra } from '@ticketing/testing';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '60' },
    'interval-ms': { type: 'string', default: '100' },
    'events-port': { type: 'string', default: '16182' },
    'web-port': { type: 'string', default: '16180' },
    // true: the edge fans one upstream stream per event out to its browsers (the default);
    // false: it proxies each browser's stream on its own (what it did before).
    fanout: { type: 'string', default: 'true' },
  },
});
const clients = Number(values.clients);
const changes = Number(values.changes);
const intervalMs = Number(values['interval-ms']);
const eventsPort = Number(values['events-port']);
const webPort = Number(values['web-port']);
const fanout = values.fanout !== 'false';
const root = path.resolve(import.meta.dirname, '../..');

function start(name: string, file: string, env: Record<string, string>): ChildProcess {
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, `--cpu-prof-name=${name}.cpuprofile`]
    : [];
  const child = spawn(process.execPath, [...prof, file], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${code ?? signal})`);
  });
  return child;
}

async function healthy(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`port ${port} never became healthy`);
}

let stopping = false;
// The services generate secrets when none are set; the bench signs its own tokens, so it sets them.
const jwtSecret = process.env.JWT_SECRET ?? `sse-bench-${randomUUID()}`;
const staticDir = mkdtempSync(path.join(tmpdir(), 'sse-bench-'));
writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>bench</title>');
const events = start('events', 'services/events/src/server.ts', {
  EVENTS_PORT: String(eventsPort),
  EVENTS_KAFKA_ENABLED: 'false',
  EVENTS_SWEEPER_INTERVAL_MS: '0',
  REDIS_KEY_PREFIX: `ssebench-${randomUUID().slice(0, 8)}:`,
  DATABASE_URL: testInfra.databaseUrl,
  REDIS_URL: testInfra.redisUrl,
  JWT_SECRET: jwtSecret,
  INTERNAL_JWT_SECRET: `sse-bench-internal-${randomUUID()}`,
});
const web = start('web', 'services/web/src/server.ts', {
  WEB_PORT: String(webPort),
  EVENTS_URL: `http://127.0.0.1:${eventsPort}`,
  WEB_STATIC_DIR: staticDir,
  WEB_SEAT_STREAM_FANOUT: String(fanout),
});

const failures = { edge: 0, direct: 0 };
// A crash must not leave the two servers running.
process.on('exit', () => {
  web.kill('SIGKILL');
  events.kill('SIGKILL');
});

interface Client {
  via: 'edge' | 'direct';
  latencies: number[];
  req: http.ClientRequest;
}

function openClient(via: 'edge' | 'direct', eventId: string, onSnapshot: () => void): Client {
  const port = via === 'edge' ? webPort : eventsPort;
  const c: Client = { via, latencies: [], req: undefined as unknown as http.ClientRequest };
  let answered = false;
  const retry = () => {
    failures[via]++;
    setTimeout(() => Object.assign(c, openClient(via, eventId, onSnapshot), { latencies: c.latencies }), 500);
  };
  c.req = http.get({ host: '127.0.0.1', port, path: `/api/events/${eventId}/seats/stream`, agent: false }, (res) => {
    answered = true;
    if (res.statusCode !== 200) {
      // e.g. a 503 when the machine is too loaded to connect in time: count it and try again
      res.resume();
      retry();
      return;
    }
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      const now = Date.now();
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.includes('event: snapshot')) onSnapshot();
        else if (block.includes('event: seats')) {
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) c.latencies.push(now - Date.parse((JSON.parse(data.slice(6)) as { at: string }).at));
        }
      }
    });
  });
  c.req.on('error', (err) => {
    if (stopping) return;
    // Reset before any answer (a full accept queue on a loaded machine): try again, like a refusal.
    if (!answered) retry();
    else console.error(`${via} client error: ${err.message}`);
  });
  return c;
}

/** CPU time (user + system, ms) a process has used so far; undefined off Linux. */
function cpuMs(pid: number | undefined): number | undefined {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return undefined;
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

try {
  await Promise.all([healthy(eventsPort), healthy(webPort)]);
  const api = apiClient(`http://127.0.0.1:${eventsPort}`);
  const jwt = { secret: jwtSecret, issuer: process.env.JWT_ISSUER ?? 'ticketing', ttlSeconds: 3600 };
  const token = () => issueUserToken({ userId: randomUUID(), email: `${randomUUID()}@bench.test`, role: 'user' }, jwt).token;
  const event = await api('POST', '/api/events', {
    token: token(),
    body: {
      name: 'SSE bench',
      venue: 'v',
      city: 'c',
      category: 'bench',
      event_date: new Date(Date.now() + 86_400_000).toISOString(),
      total_seats: Math.max(changes, 100),
      price_per_seat: 1,
    },
  });
  if (event.status !== 201) throw new Error(event.text);
  const eventId = (event.body as { event_id: string }).event_id;

  let ready = 0;
  const all: Client[] = [];
  const opened = Date.now();
  // Interleaved, so neither path gets the earlier (warmer) connections.
  for (let i = 0; i < clients; i++) {
    all.push(openClient('edge', eventId, () => ready++));
    all.push(openClient('direct', eventId, () => ready++));
    if (i % 50 === 49) await sleep(100);
  }
  while (ready < all.length) {
    if (Date.now() - opened > 120_000) throw new Error(`only ${ready} of ${all.length} streams connected`);
    await sleep(100);
  }
  console.log(`edge seat stream: ${fanout ? 'fan-out (one upstream stream per event)' : 'proxied per browser'}`);
  console.log(`${all.length} streams connected in ${Date.now() - opened} ms; making ${changes} seat changes, one every ${intervalMs} ms`);

  const seats = Array.from({ length: changes }, (_, i) => `A${i + 1}`);
  // CPU used by each server while the changes are delivered: unlike latency, this hardly depends
  // on what else the machine is doing, so it shows what the edge costs per delivered event.
  const cpuBefore = { edge: cpuMs(web.pid), events: cpuMs(events.pid) };
  // Monotonic microseconds, the clock of V8's CPU profiles (on Linux, the same in every process).
  const windowFrom = process.hrtime.bigint() / 1000n;
  for (const seat of seats) {
    const res = await api('POST', `/api/events/${eventId}/hold`, { token: token(), body: { seat_numbers: [seat] } });
    if (res.status !== 201) throw new Error(`hold ${seat}: ${res.status} ${res.text}`);
    await sleep(intervalMs);
  }
  const deadline = Date.now() + 30_000;
  while (all.some((c) => c.latencies.length < changes) && Date.now() < deadline) await sleep(200);

  const cpuAfter = { edge: cpuMs(web.pid), events: cpuMs(events.pid) };
  if (process.env.BENCH_CPU_PROF) console.log(`delivery window on the profiles' clock: ${windowFrom} ${process.hrtime.bigint() / 1000n}`);

  const report: Record<string, { received: number; expected: number; p50: number; p90: number; p99: number; max: number }> = {};
  for (const via of ['direct', 'edge'] as const) {
    const lat = all
      .filter((c) => c.via === via)
      .flatMap((c) => c.latencies)
      .sort((a, b) => a - b);
    report[via] = {
      received: lat.length,
      expected: clients * changes,
      p50: pct(lat, 50),
      p90: pct(lat, 90),
      p99: pct(lat, 99),
      max: lat.at(-1) ?? NaN,
    };
  }
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.table(report);
  if (cpuBefore.edge !== undefined && cpuAfter.edge !== undefined) {
    const edgeCpu = cpuAfter.edge - cpuBefore.edge;
    const eventsCpu = cpuAfter.events! - cpuBefore.events!;
    const perEvent = (ms: number, n: number) => ((ms * 1000) / n).toFixed(1);
    console.log(
      `CPU while delivering: edge ${edgeCpu} ms (${perEvent(edgeCpu, report.edge!.received)} µs per event it relayed), ` +
        `event service ${eventsCpu} ms (${perEvent(eventsCpu, (fanout ? changes : report.edge!.received) + report.direct!.received)} µs per event it sent, both paths)`,
    );
  }
  console.log(`edge / direct at p99: ${(report.edge!.p99 / report.direct!.p99).toFixed(2)}×`);
  console.log(`streams refused and reopened: ${JSON.stringify(failures)}`);
  console.log(`edge adds at p99: ${report.edge!.p99 - report.direct!.p99} ms (p50: ${report.edge!.p50 - report.direct!.p50} ms)`);
  for (const c of all) c.req.destroy();
} finally {
  stopping = true;
  web.kill('SIGTERM');
  await new Promise((r) => web.once('exit', r));
  events.kill('SIGTERM');
}
