// Probes as an orchestrator uses them: readiness follows the required dependencies, liveness only
// the process, so a database outage takes every process out of its load balancer without getting
// it restarted. The standalone workers answer the same probes and /metrics on their own small
// port. And migrations as a step of their own: a service told not to migrate refuses to start on
// a schema with pending migrations until `npm run migrate` has run (as the chart's Job runs it:
// NODE_ENV=production, only the database's address given). PostgreSQL is a private cluster of
// this test (the shared server is never stopped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { PendingMigrationsError } from '@ticketing/db';
import { startPrivatePostgres, testInfra, uniqueId, uniqueTopicPrefix, type PrivatePostgres } from '@ticketing/testing';
import { startUsers } from '../services/users/test/helpers.ts';
import { startEvents, type EventsServer } from '../services/events/test/helpers.ts';
import { bookingsConfig, startBookings, type StartedBookings } from '../services/bookings/test/helpers.ts';

const PORT = Number(process.env.PROBES_PG_PORT ?? 15430);
const ROOT = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

let postgres: PrivatePostgres;
let users: Awaited<ReturnType<typeof startUsers>>;
let events: EventsServer;
let bookings: StartedBookings;
const workers: { name: string; child: ChildProcess; url: string }[] = [];
const mailDir = mkdtempSync(path.join(tmpdir(), 'probes-mail-'));

/** Starts a worker entry point with its probe port on 0 and returns the URL it logged. */
async function startWorker(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [path.join(ROOT, entry)], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', WORKER_HTTP_HOST: '127.0.0.1', WORKER_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not open its probe port:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const found = /"url":"(http:\/\/[^"]+)","msg":"probes and metrics listening"/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}):\n${output}`)));
  });
  workers.push({ name, child, url });
  return url;
}

before(async () => {
  postgres = await startPrivatePostgres(PORT);
  events = await startEvents({ database: { url: postgres.url } });
  users = await startUsers({ database: { url: postgres.url }, jwt: events.config.jwt });
  const config = bookingsConfig({ database: { url: postgres.url }, jwt: events.config.jwt, events: { url: events.baseUrl } });
  bookings = await startBookings(config, { relay: false, worker: false });
  const common = { DATABASE_URL: postgres.url, KAFKA_BROKERS: testInfra.kafkaBrokers, ...jwtEnv(config.jwt) };
  await startWorker('bookings-worker', 'services/bookings/src/worker.ts', {
    ...common,
    REDIS_URL: testInfra.redisUrl,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    KAFKA_PARTITIONS: '1',
    BOOKING_REQUESTS_TOPIC: config.kafka.topics.bookingRequests,
    NOTIFICATION_REQUESTS_TOPIC: config.kafka.topics.notificationRequests,
    BOOKING_WORKERS_GROUP: config.kafka.workerGroup,
    EVENTS_URL: events.baseUrl,
    RECONCILER_ENABLED: 'false',
  });
  const id = uniqueTopicPrefix('probes');
  await startWorker('notifications-worker', 'services/notifications/src/worker.ts', {
    ...common,
    NOTIFICATIONS_TOPIC: `${id}.notification-requests`,
    NOTIFICATIONS_ACCOUNT_EMAILS_TOPIC: `${id}.account-emails`,
    NOTIFICATIONS_GROUP_ID: `${id}-notifications`,
    MAIL_TRANSPORT: 'file',
    MAIL_FILE_DIR: mailDir,
    REMINDERS_ENABLED: 'false',
  });
});

after(async () => {
  await Promise.all(
    workers.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  await bookings?.close();
  await users?.close();
  await events?.close();
  await postgres?.destroy();
  rmSync(mailDir, { recursive: true, force: true });
});

function jwtEnv(jwt: { secret: string; internalSecret: string; issuer: string }): NodeJS.ProcessEnv {
  return { JWT_SECRET: jwt.secret, INTERNAL_JWT_SECRET: jwt.internalSecret, JWT_ISSUER: jwt.issuer };
}

function processes(): { name: string; url: string }[] {
  return [
    { name: 'users', url: users.baseUrl },
    { name: 'events', url: events.baseUrl },
    { name: 'bookings', url: bookings.baseUrl },
    ...workers.map(({ name, url }) => ({ name, url })),
  ];
}

async function statusOf(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  await res.body?.cancel();
  return res.status;
}

/** Polls until every process answers `path` with `status` (the pools reconnect on their own). */
async function untilAll(probePath: string, status: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await Promise.all(processes().map(async (p) => ({ name: p.name, status: await statusOf(p.url + probePath) })));
    const wrong = seen.filter((s) => s.status !== status);
    if (wrong.length === 0) return;
    if (Date.now() > deadline) assert.fail(`${probePath} still ${JSON.stringify(wrong)} after ${timeoutMs} ms (want ${status})`);
    await sleep(250);
  }
}

async function untilMetric(url: string, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(url)).text();
    if (pattern.test(text)) return;
    if (Date.now() > deadline) assert.fail(`${url} has no line matching ${pattern} after ${timeoutMs} ms:\n${text}`);
    await sleep(250);
  }
}

describe('liveness and readiness', () => {
  it('every API and worker is live and ready while its dependencies answer', async () => {
    await untilAll('/health/ready', 200);
    await untilAll('/health/live', 200);
    for (const p of processes()) {
      const ready = (await (await fetch(`${p.url}/health/ready`)).json()) as { status: string; checks: Record<string, string> };
      assert.equal(ready.status, 'ready', p.name);
      assert.equal(ready.checks.postgres, 'up', p.name);
    }
  });

  it('the workers and APIs serve the metrics an operator needs on /metrics', async () => {
    const [bookingsWorker, notificationsWorker] = workers;
    const bookingsText = await (await fetch(`${bookingsWorker!.url}/metrics`)).text();
    assert.match(bookingsText, /^# TYPE booking_messages_total counter$/m);
    assert.match(bookingsText, /service="bookings-worker"/);
    // What an operator watches: the consumer's lag, the outbox backlog, payment latency, the pool.
    assert.match(bookingsText, /^# TYPE kafka_consumer_lag gauge$/m);
    assert.match(bookingsText, /^outbox_backlog\{topic="[^"]+\.booking-requests"[^}]*\} 0$/m);
    assert.match(bookingsText, /^outbox_oldest_age_seconds\{topic="[^"]+\.notification-requests"[^}]*\} 0$/m);
    // The lag appears once the group has given this worker its partition.
    await untilMetric(
      `${bookingsWorker!.url}/metrics`,
      /^kafka_consumer_lag\{group="[^"]+-workers",topic="[^"]+\.booking-requests",partition="0"[^}]*\} 0$/m,
    );
    assert.match(bookingsText, /^# TYPE payment_duration_seconds histogram$/m);
    assert.match(bookingsText, /^db_pool_connections\{[^}]*state="max"[^}]*\} \d+$/m);
    assert.match(bookingsText, /^db_pool_waiting\{[^}]*\} 0$/m);
    const notificationsText = await (await fetch(`${notificationsWorker!.url}/metrics`)).text();
    assert.match(notificationsText, /service="notifications-worker"/);
    assert.match(notificationsText, /^process_cpu_seconds_total/m);
    assert.match(notificationsText, /^# TYPE kafka_consumer_lag gauge$/m);
    const eventsText = await (await fetch(`${events.baseUrl}/metrics`)).text();
    assert.match(eventsText, /^seat_streams_open\{[^}]*\} 0$/m);
    assert.match(eventsText, /^db_pool_connections\{[^}]*state="in_use"[^}]*\} \d+$/m);
    const bookingsApiText = await (await fetch(`${bookings.baseUrl}/metrics`)).text();
    assert.match(bookingsApiText, /^booking_streams_open\{[^}]*\} 0$/m);
  });

  it('killing PostgreSQL fails readiness everywhere while liveness stays up, and readiness comes back with it', async () => {
    await postgres.stop();
    try {
      await untilAll('/health/ready', 503);
      await untilAll('/health/live', 200, 1000);
      const body = (await (await fetch(`${users.baseUrl}/health/ready`)).json()) as { status: string; checks: Record<string, string> };
      assert.equal(body.status, 'not_ready');
      assert.equal(body.checks.postgres, 'down');
      // The old endpoint keeps its meaning.
      assert.equal(await statusOf(`${users.baseUrl}/health`), 503);
    } finally {
      await postgres.start();
    }
    await untilAll('/health/ready', 200);
    for (const { name, child } of workers) assert.equal(child.exitCode, null, `${name} is still running`);
  });
});

describe('npm run migrate', () => {
  it('a service started with migrateOnStart false refuses pending migrations until the migrate command has run', async () => {
    const database = `fresh_${uniqueId('m').replaceAll('-', '_')}`;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = postgres.url.replace(/\/postgres$/, `/${database}`);
    const migrate = (...args: string[]) =>
      run(process.execPath, [path.join(ROOT, 'scripts/migrate.ts'), ...args], {
        env: { PATH: process.env.PATH, DATABASE_URL: url, NODE_ENV: 'production' },
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
      );

    await assert.rejects(
      startUsers({ database: { url, migrateOnStart: false } }),
      (err: unknown) => err instanceof PendingMigrationsError && err.pending.length > 0,
    );
    const check = await migrate('--check', 'users');
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stdout, /^users: \d+ pending/m);

    const applied = await migrate('users', 'events');
    assert.equal(applied.code, 0, applied.stdout);
    assert.match(applied.stdout, /^users: applied 001_/m);
    assert.match(applied.stdout, /^events: applied 001_.*function files/m);
    assert.equal((await migrate('--check', 'users', 'events')).code, 0);
    assert.match((await migrate('users')).stdout, /^users: up to date$/m);

    const started = await startUsers({ database: { url, migrateOnStart: false } });
    try {
      assert.equal(await statusOf(`${started.baseUrl}/health/ready`), 200);
    } finally {
      await started.close();
    }
  });
});
