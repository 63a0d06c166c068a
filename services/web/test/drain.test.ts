// A SIGTERM to the edge (a rolling restart) during open streams and requests in flight: the
// process (services/web/src/server.ts, as deployed) drains with the services' drainAndClose.
// Every request gets its real answer or a 503 with Retry-After, a connection refused once it has
// stopped listening goes to another instance, seat-map streams (fanned out, and proxied) end
// cleanly so browsers reconnect elsewhere, and the process exits 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { issueUserToken } from '@ticketing/auth';
import { apiClient, listen, readSse, testInfra, uniqueEmail, uniqueId } from '@ticketing/testing';
import { buildUsersApp, createUsersDeps, loadUsersConfig } from '@ticketing/users-service';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';

const server = path.resolve(import.meta.dirname, '../src/server.ts');
const infra = { log: { level: 'silent' as const }, database: { url: testInfra.databaseUrl }, redis: { url: testInfra.redisUrl } };
const closers: (() => Promise<void>)[] = [];
const jwt = loadUsersConfig({}, {}).jwt;
let usersUrl = '';
let eventsUrl = '';
let staticDir = '';

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

interface Edge {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  logs: string[];
}

/** Starts the edge as its own process and waits until it answers. */
async function startEdge(fanout: boolean): Promise<Edge> {
  const port = await freePort();
  const closed = await freePort();
  const child = spawn(process.execPath, [server], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      WEB_PORT: String(port),
      WEB_STATIC_DIR: staticDir,
      USERS_URL: usersUrl,
      EVENTS_URL: eventsUrl,
      BOOKINGS_URL: `http://127.0.0.1:${closed}`,
      NOTIFICATIONS_URL: `http://127.0.0.1:${closed}`,
      WEB_SEAT_STREAM_FANOUT: String(fanout),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  child.stdout.on('data', (c: Buffer) => logs.push(c.toString()));
  child.stderr.on('data', (c: Buffer) => logs.push(c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  closers.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) assert.fail(`the edge exited at start (${child.exitCode}):\n${logs.join('')}`);
    try {
      if ((await fetch(`${url}/health/live`)).status === 200) break;
    } catch {
      // not listening yet
    }
    assert.ok(Date.now() < deadline, `the edge did not start:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, child, exited, logs };
}

before(async () => {
  staticDir = mkdtempSync(path.join(tmpdir(), 'web-drain-static-'));
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Ticketing</title>');
  closers.push(async () => rmSync(staticDir, { recursive: true, force: true }));
  const users = await createUsersDeps(loadUsersConfig({ ...infra, bcryptRounds: 4, kafka: { enabled: false } }, {}));
  const usersApp = await buildUsersApp(users);
  usersUrl = await listen(usersApp);
  closers.push(async () => {
    await usersApp.close();
    await users.close();
  });
  const events = await createEventsDeps(
    loadEventsConfig(
      { ...infra, redis: { ...infra.redis, keyPrefix: `${uniqueId('drain')}:` }, kafka: { enabled: false }, sweeperIntervalMs: 0 },
      {},
    ),
  );
  const eventsApp = await buildEventsApp(events);
  eventsUrl = await listen(eventsApp);
  closers.push(async () => {
    await eventsApp.close();
    await events.close();
  });
});

after(async () => {
  for (const close of closers.reverse()) await close();
});

async function createEvent(): Promise<string> {
  const token = issueUserToken({ userId: crypto.randomUUID(), email: uniqueEmail('drain'), role: 'user' }, jwt).token;
  const res = await apiClient(eventsUrl)('POST', '/api/events', {
    token,
    body: {
      name: uniqueId('Drain show'),
      venue: 'Hall',
      city: 'Lyon',
      category: 'concert',
      event_date: new Date(Date.now() + 86_400_000).toISOString(),
      total_seats: 20,
      price_per_seat: 10,
      seats_per_row: 10,
    },
  });
  assert.equal(res.status, 201, res.text);
  return res.body.event_id as string;
}

/** An open seat-map stream: resolves how it ended once it does. */
async function openStream(url: string): Promise<{ ended: Promise<'end' | Error>; snapshot: boolean }> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
  assert.equal(res.status, 200);
  const state = { snapshot: false, ended: Promise.resolve<'end' | Error>('end') };
  let opened: () => void = () => undefined;
  const snapshot = new Promise<void>((r) => (opened = r));
  state.ended = readSse(res.body!, (block) => {
    if (block.event === 'snapshot') {
      state.snapshot = true;
      opened();
    }
  }).then(
    () => 'end' as const,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  await Promise.race([snapshot, state.ended]);
  assert.ok(state.snapshot, 'the stream sent its snapshot');
  return state;
}

/** One request on a given agent's connection: status, Retry-After and the body. */
function request(
  url: string,
  opts: {
    method?: string;
    agent?: http.Agent;
    body?: string;
    headers?: Record<string, string>;
    onContinue?: (req: http.ClientRequest) => void;
  },
): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', agent: opts.agent, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.onContinue) req.on('continue', () => opts.onContinue!(req));
    else req.end(opts.body);
  });
}

/**
 * A client of a steady load: requests one after another on its own kept-alive connection until
 * the edge answers 503 + Retry-After (the client sends the request again to another instance, as
 * a balancer does) or refuses the connection (gone: another instance). Reconnecting to this one
 * instead could race the closing of its listening socket: a connection still in the kernel's
 * accept queue then is reset before the edge ever reads it (in a cluster the pod's preStop pause
 * keeps new connections away by then).
 */
async function load(url: string, tally: Map<string, number>): Promise<void> {
  const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (;;) {
      try {
        const res = await request(url, { agent });
        if (res.status === 200) count('200');
        else if (res.status === 503 && res.retryAfter) return void count('503 + Retry-After');
        else count(`failed: ${res.status}`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? String(err);
        if (code === 'ECONNREFUSED') return;
        count(`failed: ${code}`);
      }
    }
  } finally {
    agent.destroy();
  }
}

describe('SIGTERM to the web edge', () => {
  it('drains: streams end cleanly, requests in flight finish, new ones get 503 + Retry-After, exit 0', async (t) => {
    const eventId = await createEvent();
    const [fanned, proxied] = await Promise.all([startEdge(true), startEdge(false)]);
    for (const edge of [fanned, proxied]) {
      const streamUrl = `${edge.url}/api/events/${eventId}/seats/stream`;
      const streams = await Promise.all([openStream(streamUrl), openStream(streamUrl)]);
      // A connection kept alive for a request after the drain began.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      assert.equal((await request(`${edge.url}/api/events/${eventId}`, { agent })).status, 200);
      // A request in flight across the SIGTERM: its headers are in (the edge answered
      // 100-continue), its body is sent once the drain has begun.
      let continueWith: http.ClientRequest | undefined;
      let headersIn: () => void = () => undefined;
      const continued = new Promise<void>((r) => (headersIn = r));
      const inFlight = request(`${edge.url}/api/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', expect: '100-continue' },
        onContinue: (req) => {
          continueWith = req;
          headersIn();
        },
      });
      await continued;
      const tally = new Map<string, number>();
      const loads = Array.from({ length: 4 }, () => load(`${edge.url}/api/events/${eventId}`, tally));
      await new Promise((r) => setTimeout(r, 200));

      const signalledAt = Date.now();
      edge.child.kill('SIGTERM');
      // The drain has begun once readiness says so (or no new connection is accepted).
      for (;;) {
        const ready = await fetch(`${edge.url}/health/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready !== 200) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const late = await request(`${edge.url}/api/events/${eventId}`, { agent });
      agent.destroy();
      continueWith!.end(JSON.stringify({ email: uniqueEmail('nobody'), password: 'not-the-password' }));

      const answer = await inFlight;
      assert.equal(answer.status, 401, `the request in flight got the service's answer: ${answer.body}`);
      assert.equal(JSON.parse(answer.body).error, 'authentication_failed');
      assert.equal(late.status, 503, late.body);
      assert.equal(late.retryAfter, '1');
      assert.equal(JSON.parse(late.body).error, 'service_unavailable');
      for (const stream of streams) assert.equal(await stream.ended, 'end', 'the stream ended cleanly (not reset)');
      await Promise.all(loads);
      const failed = [...tally].filter(([key]) => key.startsWith('failed'));
      assert.deepEqual(failed, [], `only 200 and 503 + Retry-After: ${JSON.stringify([...tally])}`);
      assert.ok((tally.get('200') ?? 0) > 0, JSON.stringify([...tally]));
      assert.equal(await edge.exited, 0, `the edge exits 0:\n${edge.logs.join('').slice(-3000)}`);
      t.diagnostic(
        `${edge === fanned ? 'fan-out' : 'proxied'} edge: ${JSON.stringify([...tally])}, exited ${Date.now() - signalledAt} ms after SIGTERM`,
      );
    }
  });
});
