// One booking followed across the platform by its traces: every API and worker runs as its own
// process, started the way scripts/run.sh starts them (the tracing bootstrap `--import`ed), on
// the real PostgreSQL, Redis and Kafka, with an SMTP server and an OTLP/HTTP (JSON) receiver in
// this test. The booking's spans, from the submit request through the outbox, Kafka, the worker,
// the event service, the notification and the SMTP send, must form ONE trace: every span's
// parent is another span of it, across the Kafka hops too. Log lines carry its trace_id.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { apiClient, testInfra, uniqueEmail, uniqueTopicPrefix } from '@ticketing/testing';

const ROOT = path.resolve(import.meta.dirname, '..');
const REGISTER = path.join(ROOT, 'packages/telemetry/src/register.ts');

/** A span as the OTLP/HTTP JSON encoding carries it (ids in hex), with its process's service name. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

const SPAN_KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }[];
    }[];
  }[];
}

const valueOf = (v: OtlpValue): unknown => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attributesOf = (list: OtlpAttribute[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/** The collector's side of OTLP/HTTP with JSON bodies (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`). */
function startOtlpReceiver(spans: ReceivedSpan[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attributesOf(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              service,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              attributes: attributesOf(s.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Child {
  name: string;
  process: ChildProcess;
  output: string[];
}

describe('traces', () => {
  const id = uniqueTopicPrefix('trace');
  const spans: ReceivedSpan[] = [];
  const mails: string[] = [];
  const children: Child[] = [];
  let receiver: Server;
  let smtp: SMTPServer;

  const topics = {
    bookingRequests: `${id}.booking-requests`,
    notificationRequests: `${id}.notification-requests`,
    eventCancellations: `${id}.event-cancellations`,
    accountEmails: `${id}.account-emails`,
  };

  function start(name: string, entry: string, env: Record<string, string>): Child {
    const child: Child = {
      name,
      output: [],
      process: spawn(process.execPath, ['--import', REGISTER, path.join(ROOT, entry)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    };
    const collect = (d: Buffer) => child.output.push(d.toString());
    child.process.stdout!.on('data', collect);
    child.process.stderr!.on('data', collect);
    children.push(child);
    return child;
  }

  /** The URL a process logged once it listens (every port is 0: free ports, no clash with other runs). */
  async function urlOf(child: Child, pattern: RegExp): Promise<string> {
    let url: string | undefined;
    await until(`${child.name} to listen`, () => (url = pattern.exec(child.output.join(''))?.[1]) !== undefined);
    return url!;
  }
  const API_URL = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/;
  const PROBE_URL = /"url":"(http:\/\/[^"]+)","msg":"probes and metrics listening"/;
  const urls = { users: '', events: '', bookings: '' };

  const logs = () => children.map((c) => `--- ${c.name}\n${c.output.join('').slice(-3000)}`).join('\n');

  /** Waits until `ready` holds, failing early (with the processes' logs) if one of them exits. */
  async function until(what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await ready()) return;
      const exited = children.find((c) => c.process.exitCode !== null);
      if (exited) assert.fail(`${exited.name} exited (${exited.process.exitCode}) while waiting for ${what}\n${logs()}`);
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n${logs()}`);
      await sleep(200);
    }
  }

  const answers = async (url: string) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return res.status === 200;
    } catch {
      return false;
    }
  };

  before(
    async () => {
      receiver = await startOtlpReceiver(spans);
      smtp = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onData(stream, _session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            mails.push(Buffer.concat(chunks).toString('utf8'));
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      const smtpPort = (smtp.server.address() as AddressInfo).port;

      const common = {
        LOG_LEVEL: 'info',
        DATABASE_URL: testInfra.databaseUrl,
        REDIS_URL: testInfra.redisUrl,
        REDIS_KEY_PREFIX: `${id}:`,
        KAFKA_BROKERS: testInfra.kafkaBrokers,
        KAFKA_PARTITIONS: '1',
        JWT_SECRET: randomBytes(32).toString('hex'),
        INTERNAL_JWT_SECRET: randomBytes(32).toString('hex'),
        JWT_ISSUER: 'ticketing',
        WORKER_HTTP_HOST: '127.0.0.1',
        WORKER_HTTP_PORT: '0',
        HOST: '127.0.0.1',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Exported within a fraction of a second instead of every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '100',
      };
      const users = start('users', 'services/users/src/server.ts', {
        ...common,
        USERS_PORT: '0',
        USERS_KAFKA_ENABLED: 'false',
        BCRYPT_ROUNDS: '4',
      });
      const events = start('events', 'services/events/src/server.ts', { ...common, EVENTS_PORT: '0', EVENTS_KAFKA_ENABLED: 'false' });
      urls.events = await urlOf(events, API_URL);
      const bookingsEnv = {
        ...common,
        BOOKINGS_PORT: '0',
        EVENTS_URL: urls.events,
        BOOKING_REQUESTS_TOPIC: topics.bookingRequests,
        NOTIFICATION_REQUESTS_TOPIC: topics.notificationRequests,
        BOOKING_WORKERS_GROUP: `${id}-bookings`,
        EVENT_CANCELLATIONS_TOPIC: topics.eventCancellations,
        CANCELLATION_WORKERS_GROUP: `${id}-cancellations`,
        RECONCILER_ENABLED: 'false',
        PAYMENT_LATENCY_MS: '10',
      };
      const bookings = start('bookings', 'services/bookings/src/server.ts', { ...bookingsEnv, WORKER_ENABLED: 'false' });
      const workers = [start('bookings-worker', 'services/bookings/src/worker.ts', bookingsEnv)];
      workers.push(
        start('notifications-worker', 'services/notifications/src/worker.ts', {
          ...common,
          NOTIFICATIONS_TOPIC: topics.notificationRequests,
          NOTIFICATIONS_ACCOUNT_EMAILS_TOPIC: topics.accountEmails,
          NOTIFICATIONS_GROUP_ID: `${id}-notifications`,
          MAIL_TRANSPORT: 'smtp',
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtpPort),
          SMTP_POOL: 'false',
          REMINDERS_ENABLED: 'false',
          // Not a webhook test: no dispatcher of its own on the shared database.
          WEBHOOKS_ENABLED: 'false',
        }),
      );
      urls.users = await urlOf(users, API_URL);
      urls.bookings = await urlOf(bookings, API_URL);
      const probes = await Promise.all(workers.map((w) => urlOf(w, PROBE_URL)));
      // Ready: the APIs' dependencies answer, the workers' consumers have joined their groups.
      for (const url of [urls.users, urls.events, urls.bookings, ...probes]) {
        await until(`${url} to be ready`, () => answers(`${url}/health/ready`));
      }
    },
    { timeout: 180_000 },
  );

  after(async () => {
    await Promise.all(
      children.map(
        ({ process: child }) =>
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
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it('follows one booking from the submit request to the SMTP send in one connected trace', { timeout: 120_000 }, async () => {
    const users = apiClient(urls.users);
    const events = apiClient(urls.events);
    const bookings = apiClient(urls.bookings);

    const email = uniqueEmail('traced');
    const registered = await users('POST', '/api/users/register', {
      body: { email, password: 's3cure-password', first_name: 'Ada', last_name: 'Lovelace' },
    });
    assert.equal(registered.status, 201, registered.text);
    const login = await users<{ access_token: string }>('POST', '/api/users/login', { body: { email, password: 's3cure-password' } });
    assert.equal(login.status, 200, login.text);
    const token = login.body.access_token;
    const event = await events<{ event_id: string }>('POST', '/api/events', {
      token,
      body: {
        name: 'Traced Concert',
        description: 'Live',
        venue: 'Main Hall',
        city: `City ${id}`,
        category: 'music',
        event_date: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        total_seats: 10,
        price_per_seat: 25,
      },
    });
    assert.equal(event.status, 201, event.text);
    const hold = await events<{ hold_id: string; total_price: number }>('POST', `/api/events/${event.body.event_id}/hold`, {
      token,
      body: { seat_numbers: ['A1'] },
    });
    assert.equal(hold.status, 201, hold.text);

    // The client starts the trace: its traceparent names the trace every span must belong to.
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const submitted = await bookings<{ booking_id: string }>('POST', '/api/booking', {
      token,
      headers: { traceparent: `00-${traceId}-${clientSpanId}-01`, 'idempotency-key': randomUUID() },
      body: { hold_id: hold.body.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.body.total_price } },
    });
    assert.equal(submitted.status, 202, submitted.text);

    await until('the booking to be confirmed', async () => {
      const res = await bookings<{ status: string }>('GET', `/api/booking/${submitted.body.booking_id}/status`, { token });
      return res.body.status === 'confirmed';
    });
    await until('the confirmation email', () => mails.some((m) => m.includes(email)));
    const ours = () => spans.filter((s) => s.traceId === traceId);
    // Each process exports on its own schedule (a consumer span ends after its handler's spans):
    // wait for the SMTP send and for every parent named in the trace to have arrived.
    const complete = () => {
      const trace = ours();
      const ids = new Set(trace.map((s) => s.spanId));
      return trace.some((s) => s.name === 'smtp send') && trace.every((s) => s.parentSpanId === clientSpanId || ids.has(s.parentSpanId));
    };
    await until('the whole trace', complete, 30_000).catch(() => undefined);

    const trace = ours();
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const describeSpan = (s: ReceivedSpan) => `${s.service}: ${s.name} (${s.spanId} <- ${s.parentSpanId})`;
    const summary = () => trace.map(describeSpan).join('\n');

    // Connected: every span hangs from the client's span through spans of this trace.
    for (const s of trace) {
      assert.ok(s.parentSpanId === clientSpanId || byId.has(s.parentSpanId), `orphan span ${describeSpan(s)}\n${summary()}`);
    }
    const services = new Set(trace.map((s) => s.service));
    for (const service of ['bookings', 'events', 'bookings-worker', 'notifications-worker']) {
      assert.ok(services.has(service), `no span of ${service} in the trace:\n${summary()}`);
    }

    // The path through both Kafka hops: SMTP send ← notification consumer ← its producer ← the
    // booking worker's consumer ← the relay's producer ← the submit request's server span.
    const chain: ReceivedSpan[] = [];
    for (let s = trace.find((x) => x.name === 'smtp send'); s; s = byId.get(s.parentSpanId)) chain.push(s);
    const step = (service: RegExp, kind: number, name: string) =>
      chain.findIndex((s) => service.test(s.service) && s.kind === kind && s.name === name);
    const path = [
      step(/^notifications-worker$/, SPAN_KIND.client, 'smtp send'),
      step(/^notifications-worker$/, SPAN_KIND.consumer, `process ${topics.notificationRequests}`),
      // Any relay of the bookings outbox (the API's or a worker's) may publish a row.
      step(/^bookings/, SPAN_KIND.producer, `send ${topics.notificationRequests}`),
      step(/^bookings-worker$/, SPAN_KIND.consumer, `process ${topics.bookingRequests}`),
      step(/^bookings/, SPAN_KIND.producer, `send ${topics.bookingRequests}`),
      chain.findIndex((s) => s.service === 'bookings' && s.kind === SPAN_KIND.server),
    ];
    const chainText = chain.map(describeSpan).join('\n');
    assert.ok(
      path.every((i, n) => i >= 0 && (n === 0 || i > path[n - 1]!)),
      `SMTP send does not lead back to the submit request through Kafka:\n${chainText}`,
    );
    assert.equal(chain.at(-1)!.parentSpanId, clientSpanId);

    // The worker's call to the event service (confirming the hold) is in the trace, server side too,
    // and so are the queries.
    const workerCall = trace.find((s) => s.service === 'bookings-worker' && s.kind === SPAN_KIND.client && byId.has(s.spanId));
    assert.ok(workerCall, `no HTTP client span of the worker:\n${summary()}`);
    assert.ok(
      trace.some((s) => s.service === 'events' && s.kind === SPAN_KIND.server && byId.get(s.parentSpanId)?.service === 'bookings-worker'),
      `no events server span under the worker:\n${summary()}`,
    );
    assert.ok(
      trace.some((s) => s.service === 'bookings' && s.attributes['db.system.name'] === 'postgresql') ||
        trace.some((s) => s.service === 'bookings' && s.attributes['db.system'] === 'postgresql'),
      `no PostgreSQL span of bookings:\n${summary()}`,
    );

    // The log lines written during the request carry its trace id.
    const bookingsLog = children.find((c) => c.name === 'bookings')!.output.join('');
    const traced = bookingsLog.split('\n').filter((line) => line.includes(`"trace_id":"${traceId}"`));
    assert.ok(traced.length > 0, `no bookings log line with trace_id ${traceId}`);
    assert.match(traced[0]!, /"span_id":"[0-9a-f]{16}"/);
  });
});
