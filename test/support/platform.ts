// The four HTTP APIs in this process, with production adapters on the real PostgreSQL, Redis
// and Kafka, each listening on its own ephemeral port: what the repository-wide sweeps
// (bad input, schemathesis) throw their requests at; and the web edge in front of them, so the
// same requests can be sent through :8080's path prefixes too.
import { randomUUID } from 'node:crypto';
import { issueInternalToken, issueUserToken } from '@ticketing/auth';
import { listen, testInfra, uniqueTopicPrefix } from '@ticketing/testing';
import { createLogger, type App } from '@ticketing/http';
import { buildUsersApp, createUsersDeps, loadUsersConfig } from '@ticketing/users-service';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import { buildBookingsApp, createBookingsDeps, loadBookingsConfig } from '@ticketing/bookings-service';
import { buildNotificationsApp, createNotificationsDeps, loadNotificationsConfig } from '@ticketing/notifications-service';
import { buildWebApp, loadWebConfig } from '@ticketing/web-service';

export type ServiceName = 'users' | 'events' | 'bookings' | 'notifications';
export const serviceNames: readonly ServiceName[] = ['users', 'events', 'bookings', 'notifications'];

export interface RunningService {
  name: ServiceName;
  baseUrl: string;
  app: App;
  close: () => Promise<void>;
}

export interface Platform {
  services: RunningService[];
  service: (name: ServiceName) => RunningService;
  /** The web edge forwarding /api/... to the four services (no web app: only the API routes). */
  edgeUrl: string;
  /** Tokens signed with the platform's secrets: a user's, an admin's and another service's. */
  tokens: { user: string; userId: string; admin: string; internal: string };
  /** Another token of the same user: for routes that revoke the token they get (log out). */
  freshUserToken: () => string;
  close: () => Promise<void>;
}

export async function startPlatform(): Promise<Platform> {
  const infra = {
    log: { level: 'silent' as const },
    database: { url: testInfra.databaseUrl },
    redis: { url: testInfra.redisUrl },
  };
  const id = uniqueTopicPrefix('sweep');
  const services: RunningService[] = [];

  const users = await createUsersDeps(
    loadUsersConfig({ ...infra, bcryptRounds: 4, kafka: { brokers: testInfra.kafkaBrokers, accountEmailsTopic: `${id}.ae` } }, {}),
  );
  const usersApp = await buildUsersApp(users);
  services.push({ name: 'users', app: usersApp, baseUrl: await listen(usersApp), close: () => users.close() });

  const events = await createEventsDeps(loadEventsConfig({ ...infra, kafka: { enabled: false }, sweeperIntervalMs: 0 }, {}));
  const eventsApp = await buildEventsApp(events);
  const eventsUrl = await listen(eventsApp);
  services.push({ name: 'events', app: eventsApp, baseUrl: eventsUrl, close: () => events.close() });

  const bookings = await createBookingsDeps(
    loadBookingsConfig(
      {
        ...infra,
        events: { url: eventsUrl },
        kafka: {
          brokers: testInfra.kafkaBrokers,
          topics: { bookingRequests: `${id}.br`, notificationRequests: `${id}.nr`, ticketCheckIns: `${id}.tc` },
        },
        reconciler: { enabled: false },
        // The payment webhook endpoint answers (and refuses unsigned input) only with a signing secret.
        payments: { stripe: { webhookSecret: 'whsec_platform_test' } },
      },
      {},
    ),
  );
  const bookingsApp = await buildBookingsApp(bookings);
  services.push({ name: 'bookings', app: bookingsApp, baseUrl: await listen(bookingsApp), close: () => bookings.close() });

  const notifications = await createNotificationsDeps(
    loadNotificationsConfig(
      { ...infra, kafka: { brokers: testInfra.kafkaBrokers, topics: { notificationRequests: `${id}.nr`, accountEmails: `${id}.ae` } } },
      {},
    ),
  );
  const notificationsApp = await buildNotificationsApp(notifications);
  services.push({
    name: 'notifications',
    app: notificationsApp,
    baseUrl: await listen(notificationsApp),
    close: () => notifications.close(),
  });

  const url = (name: ServiceName) => services.find((s) => s.name === name)!.baseUrl;
  const edge = await buildWebApp({
    config: loadWebConfig(
      {
        log: { level: 'silent' },
        staticDir: '/nonexistent-web-build',
        upstreams: { users: url('users'), events: url('events'), bookings: url('bookings'), notifications: url('notifications') },
      },
      {},
    ),
    logger: createLogger('web', 'silent'),
  });
  const edgeUrl = await listen(edge);

  const jwt = loadUsersConfig({}, {}).jwt;
  const userId = randomUUID();
  return {
    services,
    edgeUrl,
    service: (name) => services.find((s) => s.name === name)!,
    freshUserToken: () => issueUserToken({ userId, email: 'sweep@example.test', role: 'user' }, jwt).token,
    tokens: {
      user: issueUserToken({ userId, email: 'sweep@example.test', role: 'user' }, jwt).token,
      userId,
      admin: issueUserToken({ userId: randomUUID(), email: 'sweep-admin@example.test', role: 'admin' }, jwt).token,
      internal: issueInternalToken('sweep', { secret: jwt.internalSecret, issuer: jwt.issuer, ttlSeconds: 3600 }),
    },
    close: async () => {
      await edge.close();
      for (const s of services) {
        await s.app.close();
        await s.close();
      }
    },
  };
}
