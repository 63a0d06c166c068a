// `npm start`: the whole platform in one process, on the usual ports, with no servers to install.
// Same service code as distributed mode; only the adapters differ (docs/architecture.md):
// PGlite per service under DATA_DIR, a durable in-process bus on its own PGlite database, an
// in-memory cache shared by the services (pub/sub included), and mail written to files.
import path from 'node:path';
import { createMemoryCache } from '@ticketing/cache';
import { createLocalBus } from '@ticketing/bus';
import { createPgliteDatabase, type Database } from '@ticketing/db';
import { withPersistedSecrets } from '@ticketing/config';
import { createLogger, drainAndClose, onShutdown, type App } from '@ticketing/http';
import { buildUsersApp, createUsersDeps, loadUsersConfig } from '@ticketing/users-service';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import {
  buildBookingsApp,
  createBookingsDeps,
  drainTimeoutMs,
  loadBookingsConfig,
  startBookingsWorker,
  startOutboxRelay,
} from '@ticketing/bookings-service';
import {
  buildNotificationsApp,
  createNotificationsDeps,
  loadNotificationsConfig,
  startNotificationsWorker,
} from '@ticketing/notifications-service';
import { buildWebApp, ensureWebBuild, loadWebConfig } from '@ticketing/web-service';

const env = process.env;
const dataDir = path.resolve(env.DATA_DIR ?? 'data');
const mailDir = path.join(dataDir, 'mail');
const logger = createLogger('platform', env.LOG_LEVEL ?? 'info');
const started = Date.now();
// JWT secrets not given in the environment are generated on first start and kept with the data
// (DATA_DIR/secrets.json, mode 0600), so tokens survive restarts and `npm run reset` renews them.
const secrets = withPersistedSecrets(env, path.join(dataDir, 'secrets.json'));
if (secrets.created) logger.warn({ file: secrets.file }, 'JWT secrets were not set: generated new ones and kept them with the data');

const databases: Database[] = [];
async function database(schema: string): Promise<Database> {
  const db = await createPgliteDatabase({ dataDir: path.join(dataDir, 'pglite', schema), schema });
  databases.push(db);
  return db;
}

const cache = createMemoryCache();
const bus = await createLocalBus(await database('bus'), { logger });
const embedded = { redis: { enabled: false } } as const;
const ports = {
  users: Number(env.USERS_PORT ?? 8081),
  events: Number(env.EVENTS_PORT ?? 8082),
  bookings: Number(env.BOOKINGS_PORT ?? 8083),
  notifications: Number(env.NOTIFICATIONS_PORT ?? 8084),
  web: Number(env.WEB_PORT ?? 8080),
};
const host = env.HOST ?? '127.0.0.1';

const usersConfig = loadUsersConfig({ ...embedded, http: { port: ports.users, host } }, secrets.env);
const users = await createUsersDeps(usersConfig, {
  db: await database('users'),
  cache,
  bus,
  logger: logger.child({ service: 'users' }),
});

const eventsConfig = loadEventsConfig({ ...embedded, http: { port: ports.events, host } }, secrets.env);
// The event service publishes on the same bus: its event changes and cancellations feed the
// bookings worker (refunds of a cancelled event) and outgoing webhooks, its waiting-list offers the
// emails. Its seat events have no consumer here; the bus's retention deletes them after a day.
const events = await createEventsDeps(eventsConfig, {
  db: await database('events'),
  cache,
  bus,
  logger: logger.child({ service: 'events' }),
});

const bookingsConfig = loadBookingsConfig(
  {
    ...embedded,
    http: { port: ports.bookings, host },
    events: { url: `http://127.0.0.1:${ports.events}` },
  },
  secrets.env,
);
const bookings = await createBookingsDeps(bookingsConfig, {
  db: await database('bookings'),
  cache,
  bus,
  logger: logger.child({ service: 'bookings' }),
});

const notificationsConfig = loadNotificationsConfig(
  {
    ...embedded,
    http: { port: ports.notifications, host },
    mail: { transport: 'file', fileDir: mailDir },
    // Webhooks ask the event service for an event's organization and the users service for its owners.
    events: { url: `http://127.0.0.1:${ports.events}` },
    users: { url: `http://127.0.0.1:${ports.users}` },
  },
  secrets.env,
);
const notifications = await createNotificationsDeps(notificationsConfig, {
  db: await database('notifications'),
  bus,
  cache,
  logger: logger.child({ service: 'notifications' }),
});

const apps: [string, App, number][] = [
  ['users', await buildUsersApp(users), ports.users],
  ['events', await buildEventsApp(events), ports.events],
  ['bookings', await buildBookingsApp(bookings), ports.bookings],
  ['notifications', await buildNotificationsApp(notifications), ports.notifications],
];
// The web app and its edge: one origin for the browser, forwarding /api/... to the four ports.
const webConfig = loadWebConfig({
  http: { port: ports.web, host },
  upstreams: {
    users: `http://127.0.0.1:${ports.users}`,
    events: `http://127.0.0.1:${ports.events}`,
    bookings: `http://127.0.0.1:${ports.bookings}`,
    notifications: `http://127.0.0.1:${ports.notifications}`,
  },
});
if (webConfig.staticDir === '') await ensureWebBuild((line) => logger.info(line));
apps.push(['web', await buildWebApp({ config: webConfig, logger: logger.child({ service: 'web' }) }), ports.web]);
// The drain is in place before anything listens or consumes: a SIGTERM during start-up drains
// what has started so far instead of killing a payment in flight.
const running: {
  relay?: ReturnType<typeof startOutboxRelay>;
  bookingWorker?: ReturnType<typeof startBookingsWorker>;
  notificationWorker?: ReturnType<typeof startNotificationsWorker>;
} = {};
onShutdown(
  logger,
  async () => {
    // Every port drains at once, as each service does on its own (a request the edge forwards to a
    // service that is already draining gets that service's 503 + Retry-After, which it passes on).
    await Promise.all(apps.map(([, app]) => drainAndClose(app)));
    await (await running.bookingWorker)?.close();
    await running.relay?.close();
    await users.relay?.close();
    await events.relay?.close();
    await (await running.notificationWorker)?.close();
    await bus.close();
    await Promise.all([users.close(), events.close(), bookings.close(), notifications.close()]);
    await Promise.all(databases.map((db) => db.close()));
  },
  // The HTTP drain (keep-alive + 1 s at most) comes first, then the booking worker's.
  10_000 + drainTimeoutMs(bookingsConfig),
);
// HTTP_BACKLOG is a common variable: every service's config has the same value.
for (const [, app, port] of apps) await app.listen({ host, port, backlog: usersConfig.http.backlog });

events.sweeper.start();
events.admissions.start();
events.waitlist.start();
events.relay?.start();
users.relay?.start();
users.announcer.start();
running.relay = startOutboxRelay(bookings);
running.bookingWorker = startBookingsWorker(bookings);
await running.bookingWorker;
running.notificationWorker = startNotificationsWorker(notifications);
await running.notificationWorker;

logger.info({ ms: Date.now() - started }, 'platform ready');
const lines = [
  '',
  'Ticketing platform (embedded profile) is running:',
  '',
  `  Open the shop:  http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${ports.web}/`,
  '',
  ...apps
    .filter(([name]) => name !== 'web')
    .map(([name, , port]) => `  ${name.padEnd(14)} http://${host}:${port}   docs: http://${host}:${port}/docs`),
  `  data           ${path.join(dataDir, 'pglite')} (PGlite; npm run reset clears it)`,
  `  mail           ${mailDir}`,
  '',
  'Try ./test-successful-booking.sh, or see README.md. Ctrl-C stops.',
  '',
];
process.stdout.write(lines.join('\n'));
