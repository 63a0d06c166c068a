// Runs the curl walks (test-successful-booking.sh, test-failed-booking.sh) against the whole
// platform in both profiles: embedded (`src/main.ts`: PGlite, local bus, file mail) and
// distributed (each API and worker its own process, on real PostgreSQL, Redis, Kafka and an
// SMTP server). Each profile uses its own ports, so it never clashes with a running platform.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@ticketing/auth';
import { apiClient, createTestDatabase, testInfra, type TestDatabase } from '@ticketing/testing';

const root = path.resolve(import.meta.dirname, '..');

interface Running {
  children: ChildProcess[];
  logs: string[];
  /** Temporary directories removed once every process has stopped. */
  dirs: string[];
  /** Databases dropped once every process has stopped. */
  databases: TestDatabase[];
}

function start(running: Running, name: string, file: string, env: Record<string, string>): void {
  const child = spawn(process.execPath, [file], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    running.logs.push(`[${name}] ${chunk.toString()}`);
    if (running.logs.length > 400) running.logs.shift();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  running.children.push(child);
}

// Generous: on a loaded CI machine the embedded profile (five WASM databases, and a first build
// of the web app on a fresh clone) has taken over 90 s to come up.
async function waitHealthy(running: Running, ports: number[], timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      const exited = running.children.find((c) => c.exitCode !== null);
      if (exited !== undefined || Date.now() > deadline) {
        const why = exited !== undefined ? `a process exited (code ${exited.exitCode})` : 'timed out';
        throw new Error(`port ${port} never became healthy: ${why}\n--- service logs ---\n${running.logs.join('').slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function stopAll(running: Running): Promise<void> {
  await Promise.all(
    running.children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

function runScript(script: string, ports: number[]): Promise<{ code: number; output: string }> {
  const [users, events, bookings, notifications] = ports.map((p) => `http://127.0.0.1:${p}`);
  return new Promise((resolve) => {
    const child = spawn('bash', [script], {
      cwd: root,
      env: { ...process.env, USERS_URL: users!, EVENTS_URL: events!, BOOKINGS_URL: bookings!, NOTIFICATIONS_URL: notifications! },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * The embedded profile's event service publishes on the in-process bus (src/main.ts): an
 * organization's endpoint gets `event.published` and `event.cancelled`, signed, and the bookings
 * worker sees the cancellation (its progress is readable).
 */
function eventWebhooks(ports: number[]) {
  const [users, events, bookings, notifications] = ports.map((p) => apiClient(`http://127.0.0.1:${p}`));
  it('sends event.published and event.cancelled webhooks, and the bookings worker hears of the cancellation', async () => {
    const received: { body: string; signature: string }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['ticketing-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const email = `hooks.${randomUUID()}@example.test`;
      const password = 'correct horse battery';
      const reg = await users!('POST', '/api/users/register', { body: { email, password, first_name: 'Hook', last_name: 'Owner' } });
      assert.equal(reg.status, 201, reg.text);
      const login = await users!('POST', '/api/users/login', { body: { email, password } });
      const token = login.body.access_token as string;
      const orgId = login.body.user.user_id as string;
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const created = await notifications!('POST', '/api/webhooks/endpoints', {
        token,
        body: { organization_id: orgId, url, event_types: ['event.published', 'event.cancelled'] },
      });
      assert.equal(created.status, 201, created.text);
      const newEvent = async (status: 'draft' | 'published') => {
        const res = await events!('POST', '/api/events', {
          token,
          body: {
            name: `Embedded Hooks (${status})`,
            venue: 'Hall',
            city: 'Lyon',
            category: 'concert',
            event_date: new Date(Date.now() + 7 * 86_400_000).toISOString(),
            total_seats: 4,
            seats_per_row: 4,
            price_per_seat: 10,
            status,
          },
        });
        assert.equal(res.status, 201, res.text);
        return res.body.event_id as string;
      };
      // A draft published later, and an event created published: both announced once.
      const eventId = await newEvent('draft');
      assert.equal((await events!('POST', `/api/events/${eventId}/publish`, { token })).status, 200);
      const createdPublished = await newEvent('published');
      assert.equal((await events!('POST', `/api/events/${eventId}/cancel`, { token, body: { reason: 'Flooded hall' } })).status, 202);

      const deadline = Date.now() + 60_000;
      while (received.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const bodies = received.map((r) => JSON.parse(r.body));
      // Two topics, sent concurrently: compared in a fixed order.
      const seen = bodies.map((b) => `${b.type} ${b.data.event_id} ${b.organization_id}`).sort();
      assert.deepEqual(
        seen,
        [
          `event.cancelled ${eventId} ${orgId}`,
          `event.published ${createdPublished} ${orgId}`,
          `event.published ${eventId} ${orgId}`,
        ].sort(),
      );
      assert.equal(bodies.find((b) => b.type === 'event.cancelled').data.reason, 'Flooded hall');
      for (const r of received) assert.equal(verifyWebhookSignature(r.signature, r.body, created.body.secret).ok, true);

      // The cancellation also reached the bookings worker (nothing to refund here).
      let progress;
      while (Date.now() < deadline) {
        progress = await bookings!('GET', `/api/events/${eventId}/cancellation`, { token });
        if (progress.status === 200 && progress.body.status === 'completed') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(progress?.body.status, 'completed', progress?.text);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
}

/** GET on a kept-alive connection of `agent`: the status and Retry-After, or 'closed'. */
function getOn(agent: http.Agent, port: number, urlPath: string): Promise<{ status: number | 'closed'; retryAfter?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', () => resolve({ status: 'closed' }));
  });
}

/**
 * `npm start` drains on SIGTERM like each service does (packages/http drainAndClose): a seat map
 * open through the edge ends cleanly (the browser reconnects elsewhere), a request on a
 * connection that was already open gets 503 + Retry-After (a plain close would drop the
 * connection), and the process exits 0. Runs last: it stops the platform.
 */
function drainsOnSigterm(ports: number[], running: Running) {
  const [users, events] = ports.map((p) => apiClient(`http://127.0.0.1:${p}`));
  it('drains on SIGTERM: an open seat stream ends, a request on an open connection gets 503 + Retry-After, the process exits 0', async () => {
    const email = `drain.${randomUUID()}@example.test`;
    const password = 'correct horse battery';
    assert.equal(
      (await users!('POST', '/api/users/register', { body: { email, password, first_name: 'Dr', last_name: 'Ain' } })).status,
      201,
    );
    const token = (await users!('POST', '/api/users/login', { body: { email, password } })).body.access_token as string;
    const created = await events!('POST', '/api/events', {
      token,
      body: {
        name: 'Drain',
        venue: 'Hall',
        city: 'Lyon',
        category: 'concert',
        event_date: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        total_seats: 4,
        seats_per_row: 4,
        price_per_seat: 10,
      },
    });
    assert.equal(created.status, 201, created.text);
    const stream = await fetch(`http://127.0.0.1:${EMBEDDED_WEB_PORT}/api/events/${created.body.event_id}/seats/stream`);
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('snapshot')) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the stream ended before its snapshot: ${text}`);
      text += Buffer.from(value).toString('utf8');
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const platform = running.children[0]!;
    const exited = new Promise<number | null>((resolve) => platform.once('exit', (code) => resolve(code)));
    try {
      assert.equal((await getOn(agent, EMBEDDED_WEB_PORT, '/api/events')).status, 200);
      platform.kill('SIGTERM');
      // The stream ends (not reset) while the process drains.
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
      const later = await getOn(agent, EMBEDDED_WEB_PORT, '/api/events');
      assert.equal(later.status, 503, JSON.stringify(later));
      assert.ok(later.retryAfter, 'a 503 while draining says when to retry');
    } finally {
      agent.destroy();
    }
    assert.equal(await exited, 0, running.logs.join('').slice(-4000));
  });
}

function describeProfile(
  name: string,
  ports: number[],
  launch: (running: Running) => Promise<void>,
  more?: (ports: number[], running: Running) => void,
) {
  describe(`end-to-end walks (${name})`, () => {
    const running: Running = { children: [], logs: [], dirs: [], databases: [] };
    before(
      async () => {
        await launch(running);
        await waitHealthy(running, ports);
      },
      { timeout: 300_000 },
    );
    after(async () => {
      await stopAll(running);
      for (const dir of running.dirs) rmSync(dir, { recursive: true, force: true });
      for (const database of running.databases) await database.drop();
    });

    for (const script of ['test-successful-booking.sh', 'test-failed-booking.sh']) {
      it(`${script} passes`, async () => {
        const { code, output } = await runScript(script, ports);
        const failures = output.split('\n').filter((l) => l.includes('FAIL'));
        assert.equal(
          code,
          0,
          `${failures.join('\n')}\n--- script output ---\n${output.slice(-4000)}\n--- service logs ---\n${running.logs.join('').slice(-4000)}`,
        );
        assert.match(output, /\d+ passed, 0 failed/);
      });
    }
    more?.(ports, running);
  });
}

const embeddedPorts = [18081, 18082, 18083, 18084];
const EMBEDDED_WEB_PORT = 18080;
describeProfile(
  'embedded: npm start',
  embeddedPorts,
  async (running) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ticketing-e2e-'));
    running.dirs.push(dataDir);
    start(running, 'platform', 'src/main.ts', {
      DATA_DIR: dataDir,
      USERS_PORT: '18081',
      EVENTS_PORT: '18082',
      BOOKINGS_PORT: '18083',
      NOTIFICATIONS_PORT: '18084',
      WEB_PORT: String(EMBEDDED_WEB_PORT),
      // The webhook receiver of eventWebhooks listens on 127.0.0.1 over http (test setting).
      WEBHOOKS_ALLOW_INSECURE_TARGETS: 'true',
    });
  },
  (ports, running) => {
    eventWebhooks(ports);
    drainsOnSigterm(ports, running);
  },
);

const distributedPorts = [28081, 28082, 28083, 28084];
describeProfile('distributed: PostgreSQL, Redis, Kafka, SMTP', distributedPorts, async (running) => {
  const mailDir = mkdtempSync(path.join(tmpdir(), 'ticketing-e2e-mail-'));
  running.dirs.push(mailDir);
  // A database of its own: its webhook dispatcher, as deployed, would claim the due deliveries
  // of other test files on the shared one (and refuse their loopback receivers).
  const database = await createTestDatabase(`e2e_${randomUUID().slice(0, 8)}`);
  running.databases.push(database);
  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: testInfra.redisUrl,
    KAFKA_BROKERS: testInfra.kafkaBrokers,
    EVENTS_URL: 'http://127.0.0.1:28082',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: '28025',
    USERS_PORT: '28081',
    EVENTS_PORT: '28082',
    BOOKINGS_PORT: '28083',
    NOTIFICATIONS_PORT: '28084',
  };
  start(running, 'smtp', 'scripts/smtp-sink.ts', { SMTP_SINK_PORT: '28025', SMTP_SINK_DIR: mailDir });
  start(running, 'users', 'services/users/src/server.ts', common);
  start(running, 'events', 'services/events/src/server.ts', common);
  start(running, 'bookings', 'services/bookings/src/server.ts', { ...common, WORKER_ENABLED: 'false' });
  start(running, 'bookings-worker', 'services/bookings/src/worker.ts', common);
  start(running, 'notifications', 'services/notifications/src/server.ts', { ...common, NOTIFICATIONS_RUN_WORKER: 'false' });
  start(running, 'notifications-worker', 'services/notifications/src/worker.ts', common);
});
