import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeepPartial } from '@ticketing/config';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import { apiClient, createTestDatabase, listen, testInfra, uniqueEmail, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import { buildUsersApp, createUsersDeps, loadUsersConfig } from '@ticketing/users-service';
import {
  buildBookingsApp,
  createBookingsDeps,
  loadBookingsConfig,
  startBookingsWorker,
  startOutboxRelay,
  type BookingsDeps,
} from '@ticketing/bookings-service';
import { startTestSmtpServer, type TestSmtpServer } from '@ticketing/mail/testing';
import {
  buildNotificationsApp,
  createNotificationsDeps,
  loadNotificationsConfig,
  startNotificationsWorker,
  type NotificationsConfig,
  type NotificationsWorker,
} from '@ticketing/notifications-service';

/** Deep-merges config overrides (objects merge, anything else replaces). */
function merge<T extends object>(base: T, over: object): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? merge(b, v) : v;
  }
  return out as T;
}

/** One request a test receiver got. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * A webhook receiver on a real port. `answer(n)` gives the status of the n-th request (1-based);
 * every request is kept with the status it got.
 */
export async function startReceiver(answer: (n: number, body: string) => number = () => 200) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = answer(received.length + 1, body);
      received.push({ headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** The bodies answered 2xx, by event id. */
    succeeded(): Map<string, string[]> {
      const byId = new Map<string, string[]>();
      for (const r of received) {
        if (r.status >= 300) continue;
        const id = (JSON.parse(r.body) as { id: string }).id;
        byId.set(id, [...(byId.get(id) ?? []), r.body]);
      }
      return byId;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Users (organizers, owners' emails), events (an event's organization) and the notification
 * service with its worker (consumer + webhook dispatcher), in this process on the real
 * PostgreSQL, Redis and Kafka, each run with its own topics and groups. With `bookings`, the
 * booking service too (API, worker on the simulated gateway, outbox relay), publishing to the
 * topics the webhooks read: real bookings, cancellations, refunds and check-ins.
 */
export async function startWebhookPlatform(
  overrides: DeepPartial<NotificationsConfig> = {},
  opts: { worker?: boolean; bookings?: boolean } = {},
) {
  const id = uniqueTopicPrefix('webhooks');
  const closers: (() => Promise<void>)[] = [];
  const log = { level: 'silent' as const };
  const redis = { url: testInfra.redisUrl, keyPrefix: `${id}:` };
  try {
    // A database of this platform's own: its dispatcher claims every due delivery of the database
    // it reads, and other test files' dispatchers (their own settings) would claim this one's.
    const database = await createTestDatabase(id);
    closers.push(() => database.drop());
    const databaseUrl = database.url;
    const smtp: TestSmtpServer = await startTestSmtpServer();
    closers.push(() => smtp.close());
    const users = await createUsersDeps(
      loadUsersConfig(
        {
          log,
          database: { url: databaseUrl },
          redis,
          bcryptRounds: 4,
          kafka: { brokers: testInfra.kafkaBrokers, clientId: id, accountEmailsTopic: `${id}.account-emails` },
        },
        {},
      ),
    );
    const usersApp = await buildUsersApp(users);
    const usersUrl = await listen(usersApp);
    closers.push(async () => {
      await usersApp.close();
      await users.close();
    });
    const events = await createEventsDeps(loadEventsConfig({ log, database: { url: databaseUrl }, redis, kafka: { enabled: false } }, {}));
    const eventsApp = await buildEventsApp(events);
    const eventsUrl = await listen(eventsApp);
    closers.push(async () => {
      await eventsApp.close();
      await events.close();
    });
    const topic = `${id}.notification-requests`;
    const topics = {
      notificationRequests: topic,
      accountEmails: `${id}.account-emails`,
      eventChanges: `${id}.event-changes`,
      eventCancellations: `${id}.event-cancellations`,
      bookingCancellations: `${id}.booking-cancellations`,
      ticketCheckIns: `${id}.ticket-check-ins`,
    };
    let bookings: { deps: BookingsDeps; url: string } | undefined;
    if (opts.bookings) {
      const bookingsDeps = await createBookingsDeps(
        loadBookingsConfig(
          {
            log,
            database: { url: databaseUrl },
            redis,
            events: { url: eventsUrl },
            kafka: {
              brokers: testInfra.kafkaBrokers,
              clientId: id,
              topics: {
                bookingRequests: `${id}.booking-requests`,
                notificationRequests: topic,
                ticketCheckIns: topics.ticketCheckIns,
                eventCancellations: topics.eventCancellations,
                eventChanges: topics.eventChanges,
                bookingCancellations: topics.bookingCancellations,
              },
              workerGroup: `${id}-booking-workers`,
              cancellationGroup: `${id}-cancellation-workers`,
              rescheduleGroup: `${id}-reschedule-notifiers`,
            },
            payments: { latencyMs: 20 },
            worker: { retryBaseMs: 50, retryMaxMs: 400 },
            outbox: { intervalMs: 100, maxBackoffMs: 500 },
            reconciler: { enabled: false },
          },
          {},
        ),
      );
      const bookingsApp = await buildBookingsApp(bookingsDeps);
      const relay = startOutboxRelay(bookingsDeps);
      const bookingWorker = await startBookingsWorker(bookingsDeps);
      const url = await listen(bookingsApp);
      bookings = { deps: bookingsDeps, url };
      closers.push(async () => {
        await bookingsApp.close();
        await bookingWorker.close();
        await relay.close();
        await bookingsDeps.close();
      });
    }
    const config = loadNotificationsConfig(
      merge<DeepPartial<NotificationsConfig>>(
        {
          log,
          database: { url: databaseUrl },
          redis,
          events: { url: eventsUrl },
          users: { url: usersUrl },
          kafka: {
            brokers: testInfra.kafkaBrokers,
            topics,
          },
          consumer: { groupId: `${id}-notifications`, retryBaseMs: 50, retryMaxMs: 300 },
          smtp: { host: smtp.host, port: smtp.port },
          reminders: { enabled: false },
          webhooks: {
            groupId: `${id}-webhooks`,
            allowInsecureTargets: true,
            pollIntervalMs: 100,
            retryBaseMs: 50,
            retryMaxMs: 200,
            leaseMs: 3000,
            timeoutMs: 2000,
          },
        },
        overrides,
      ),
      {},
    );
    const deps = await createNotificationsDeps(config);
    const app = await buildNotificationsApp(deps);
    const notificationsUrl = await listen(app);
    let worker: NotificationsWorker | undefined = opts.worker === false ? undefined : await startNotificationsWorker(deps);
    closers.push(async () => {
      await app.close();
      await worker?.close();
      await deps.close();
    });
    const usersApi = apiClient(usersUrl);
    const eventsApi = apiClient(eventsUrl);

    /** A registered organizer with a token (their personal organization has their user id). */
    async function organizer(first = 'Olga') {
      const email = uniqueEmail(first.toLowerCase());
      const password = 'correct horse battery';
      const reg = await usersApi('POST', '/api/users/register', { body: { email, password, first_name: first, last_name: 'Owner' } });
      if (reg.status !== 201) throw new Error(`register: ${reg.text}`);
      const login = await usersApi('POST', '/api/users/login', { body: { email, password } });
      return { email, token: login.body.access_token as string, userId: login.body.user.user_id as string };
    }

    async function event(token: string, patch: Record<string, unknown> = {}) {
      const res = await eventsApi('POST', '/api/events', {
        token,
        body: {
          name: uniqueId('Webhook Night'),
          description: 'An evening of webhooks.',
          venue: 'Hook Hall',
          city: 'Lyon',
          category: 'concert',
          event_date: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          total_seats: 10,
          seats_per_row: 5,
          price_per_seat: 25,
          ...patch,
        },
      });
      if (res.status !== 201) throw new Error(`event: ${res.text}`);
      return res.body as { event_id: string; organization_id: string };
    }

    return {
      id,
      /** This platform's database (a worker started beside it must use it too). */
      databaseUrl,
      smtp,
      topic,
      topics,
      /** The booking service (with `bookings`). */
      bookings,
      bookingsApi: bookings ? apiClient(bookings.url) : undefined,
      eventsApi,
      eventsUrl,
      usersUrl,
      config,
      deps,
      notificationsUrl,
      api: apiClient(notificationsUrl),
      get worker() {
        return worker;
      },
      async stopWorker() {
        await worker?.close();
        worker = undefined;
      },
      usersApi,
      organizer,
      event,
      async close() {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close();
    throw err;
  }
}

export type WebhookPlatform = Awaited<ReturnType<typeof startWebhookPlatform>>;
