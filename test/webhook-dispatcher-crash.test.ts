// "Killing the dispatcher midway loses nothing" (issue 14, docs/webhooks.md "Crashes lose
// nothing"): the real notification worker (src/worker.ts: the webhook consumer and dispatcher) runs
// as a child process and is SIGKILLed while the receiver holds its deliveries unanswered; more
// events are published while no worker runs; a second worker takes over. Every event reaches the
// receiver at least once and exactly once after deduplication by event id, and every delivery
// row ends `delivered` (checked in SQL).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { verifyWebhookSignature } from '@ticketing/auth';
import { createKafkaBus, type MessageBus } from '@ticketing/bus';
import { notificationRequests } from '@ticketing/contracts';
import { testInfra, uniqueEmail, uniqueId, waitFor } from '@ticketing/testing';
import { startWebhookPlatform, type WebhookPlatform } from './support/webhooks.ts';

// Deliveries go through Kafka and a worker: on a loaded machine they take a while.
const PATIENCE_MS = 90_000;

const root = path.resolve(import.meta.dirname, '..');
const CONCURRENCY = 4;
// Short, so the taker-over does not wait long for the killed worker's claims; longer than the timeout.
const TIMEOUT_MS = 5000;
const LEASE_MS = 6000;

/**
 * A receiver that, while `holding`, keeps every request unanswered (the deliveries stay in
 * flight in the worker), and otherwise answers 200. Every request is kept with whether it was
 * answered.
 */
async function startHoldingReceiver() {
  const requests: { body: string; signature: string; answered: boolean }[] = [];
  const held: http.ServerResponse[] = [];
  let holding = true;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['ticketing-signature']), answered: false };
      requests.push(r);
      if (holding) {
        held.push(res);
        return;
      }
      r.answered = true;
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    requests,
    held,
    release() {
      holding = false;
    },
    /** Event ids answered 200, with how many times each. */
    answered(): Map<string, number> {
      const byId = new Map<string, number>();
      for (const r of requests) if (r.answered) byId.set(JSON.parse(r.body).id, (byId.get(JSON.parse(r.body).id) ?? 0) + 1);
      return byId;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a webhook dispatcher killed while its deliveries are in flight', () => {
  let platform: WebhookPlatform;
  let producer: MessageBus;
  const workers: ChildProcess[] = [];

  before(async () => {
    // The API in this process only; the worker (consumer + dispatcher) runs in the children.
    platform = await startWebhookPlatform({}, { worker: false });
    producer = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('webhook-crash') });
    // Published to before any worker (which would create it) runs.
    await producer.ensureTopics([platform.topic]);
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await producer?.close();
    await platform?.close();
  });

  function startWorker(): ChildProcess {
    const { topics, config } = platform;
    const child = spawn(process.execPath, ['services/notifications/src/worker.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: platform.databaseUrl,
        REDIS_URL: testInfra.redisUrl,
        KAFKA_BROKERS: testInfra.kafkaBrokers,
        NOTIFICATIONS_TOPIC: topics.notificationRequests,
        NOTIFICATIONS_ACCOUNT_EMAILS_TOPIC: topics.accountEmails,
        NOTIFICATIONS_WAITLIST_OFFERS_TOPIC: `${platform.id}.waitlist-offers`,
        EVENT_CHANGES_TOPIC: topics.eventChanges,
        EVENT_CANCELLATIONS_TOPIC: topics.eventCancellations,
        BOOKING_CANCELLATIONS_TOPIC: topics.bookingCancellations,
        TICKET_CHECK_INS_TOPIC: topics.ticketCheckIns,
        NOTIFICATIONS_GROUP_ID: config.consumer.groupId,
        WEBHOOKS_GROUP_ID: config.webhooks.groupId,
        WEBHOOKS_ALLOW_INSECURE_TARGETS: 'true',
        WEBHOOKS_CONCURRENCY: String(CONCURRENCY),
        WEBHOOKS_POLL_INTERVAL_MS: '100',
        WEBHOOKS_TIMEOUT_MS: String(TIMEOUT_MS),
        WEBHOOKS_LEASE_MS: String(LEASE_MS),
        WEBHOOKS_RETRY_BASE_MS: '50',
        WEBHOOKS_RETRY_MAX_MS: '200',
        EVENTS_URL: platform.eventsUrl,
        USERS_URL: platform.usersUrl,
        SMTP_HOST: platform.smtp.host,
        SMTP_PORT: String(platform.smtp.port),
        REMINDERS_ENABLED: 'false',
        // The same secrets as the event service in this process: the worker asks it for events' organizations.
        JWT_SECRET: config.jwt.secret,
        INTERNAL_JWT_SECRET: config.jwt.internalSecret,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.push(child);
    return child;
  }

  it('loses nothing: every event arrives, once after dedup by id, and every delivery ends delivered', async () => {
    const owner = await platform.organizer();
    const { event_id: eventId } = await platform.event(owner.token);
    const receiver = await startHoldingReceiver();
    try {
      const created = await platform.api('POST', '/api/webhooks/endpoints', {
        token: owner.token,
        body: { organization_id: owner.userId, url: receiver.url, event_types: ['booking.confirmed'] },
      });
      assert.equal(created.status, 201, created.text);
      const { endpoint_id: endpointId, secret } = created.body as { endpoint_id: string; secret: string };

      const bookingIds: string[] = [];
      async function publishBookings(n: number) {
        const messages = Array.from({ length: n }, () => {
          const bookingId = randomUUID();
          bookingIds.push(bookingId);
          return notificationRequests.message({
            topic: platform.topic,
            key: bookingId,
            messageId: randomUUID(),
            value: {
              type: 'booking_confirmed',
              recipient_email: uniqueEmail('crash-buyer'),
              booking_data: {
                booking_id: bookingId,
                event_id: eventId,
                event_name: 'Crash Night',
                venue: 'Hook Hall',
                event_date: '2031-03-01T19:00:00.000Z',
                seats: ['A1'],
                total_amount: 25,
                user_name: 'Ada',
              },
              timestamp: new Date().toISOString(),
            },
          });
        });
        await producer.publisher().publish(messages);
      }

      await publishBookings(12);
      const first = startWorker();
      // The first worker has CONCURRENCY deliveries in flight, all held by the receiver: kill it now.
      await waitFor(() => (receiver.held.length >= CONCURRENCY ? true : undefined), `${CONCURRENCY} deliveries in flight`, PATIENCE_MS);
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      const inFlight = new Set(receiver.requests.map((r) => JSON.parse(r.body).id as string));
      assert.ok(inFlight.size >= CONCURRENCY, `${inFlight.size} deliveries in flight, none answered, when the worker died`);

      // Published while no worker runs: the next one must read these too.
      await publishBookings(8);
      receiver.release();
      startWorker();

      const answered = await waitFor(
        () => {
          const byId = receiver.answered();
          return byId.size === bookingIds.length ? byId : undefined;
        },
        `all ${bookingIds.length} events answered`,
        PATIENCE_MS,
      );
      const bodies = new Map(receiver.requests.map((r) => [JSON.parse(r.body).id as string, JSON.parse(r.body)]));
      assert.deepEqual(new Set([...bodies.values()].map((b) => b.data.booking_id)), new Set(bookingIds));
      // The deliveries the killed worker had in flight were sent again, with the same event id.
      for (const id of inFlight) assert.ok(answered.has(id), `${id} (in flight at the kill) delivered after it`);
      for (const r of receiver.requests) assert.equal(verifyWebhookSignature(r.signature, r.body, secret).ok, true);

      // Every delivery row is final, with its successful attempt logged, and there is one event
      // per booking (a Kafka message read again by the second worker made no second one).
      const final = await waitFor(
        async () => {
          const { rows } = await platform.deps.db.query<{ status: string; n: number; retried: number; answered: number; logged: number }>(
            `SELECT d.status, count(*)::int AS n,
                  count(*) FILTER (WHERE d.attempts >= 2)::int AS retried,
                  count(*) FILTER (WHERE d.last_status_code = 200 AND d.delivered_at IS NOT NULL)::int AS answered,
                  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.succeeded))::int AS logged
             FROM webhook_deliveries d WHERE d.endpoint_id = $1 GROUP BY d.status`,
            [endpointId],
          );
          return rows.length === 1 && rows[0]!.status === 'delivered' && rows[0]!.n === bookingIds.length ? rows[0]! : undefined;
        },
        'every delivery row final',
        PATIENCE_MS,
      );
      assert.equal(final.answered, bookingIds.length);
      assert.equal(final.logged, bookingIds.length);
      assert.ok(final.retried >= CONCURRENCY, `the deliveries in flight at the kill were attempted again (${final.retried})`);
      const { rows: events } = await platform.deps.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_events WHERE organization_id = $1 AND type = 'booking.confirmed'`,
        [owner.userId],
      );
      assert.equal(events[0]!.n, bookingIds.length);
    } finally {
      await receiver.close();
    }
  });
});
