// Throws bad input at every route of every service, found from each service's own OpenAPI
// document, and checks the answer is a clear 4xx `{error, message}` (or a 2xx where the input
// happens to be acceptable): never a 5xx, a hang or a non-JSON error. Production adapters,
// real PostgreSQL, Redis and Kafka.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { issueInternalToken, issueUserToken } from '@ticketing/auth';
import { listen, testInfra, uniqueId } from '@ticketing/testing';
import type { App } from '@ticketing/http';
import { buildUsersApp, createUsersDeps, loadUsersConfig } from '@ticketing/users-service';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import { buildBookingsApp, createBookingsDeps, loadBookingsConfig } from '@ticketing/bookings-service';
import { buildNotificationsApp, createNotificationsDeps, loadNotificationsConfig } from '@ticketing/notifications-service';

interface Service {
  name: string;
  baseUrl: string;
  app: App;
  close: () => Promise<void>;
}

const services: Service[] = [];
const infra = {
  log: { level: 'silent' as const },
  database: { url: testInfra.databaseUrl },
  redis: { url: testInfra.redisUrl },
};
const id = uniqueId('bad');

before(async () => {
  const users = await createUsersDeps(loadUsersConfig({ ...infra, bcryptRounds: 4 }, {}));
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
        kafka: { brokers: testInfra.kafkaBrokers, topics: { bookingRequests: `${id}.br`, notificationRequests: `${id}.nr` } },
        reconciler: { enabled: false },
      },
      {},
    ),
  );
  const bookingsApp = await buildBookingsApp(bookings);
  services.push({ name: 'bookings', app: bookingsApp, baseUrl: await listen(bookingsApp), close: () => bookings.close() });

  const notifications = await createNotificationsDeps(
    loadNotificationsConfig({ ...infra, kafka: { brokers: testInfra.kafkaBrokers } }, {}),
  );
  const notificationsApp = await buildNotificationsApp(notifications);
  services.push({
    name: 'notifications',
    app: notificationsApp,
    baseUrl: await listen(notificationsApp),
    close: () => notifications.close(),
  });
});

after(async () => {
  for (const s of services) {
    await s.app.close();
    await s.close();
  }
});

const jwt = loadUsersConfig({}, {}).jwt;
const userToken = issueUserToken({ userId: randomUUID(), email: 'fuzz@example.test', role: 'user' }, jwt).token;
const internalToken = issueInternalToken('fuzz', { secret: jwt.internalSecret, issuer: jwt.issuer, ttlSeconds: 300 });

const badIds = ['not-a-uuid', randomUUID(), '00000000-0000-0000-0000-000000000000', 'x'.repeat(150), '%27%20OR%201%3D1--', '..%2F..%2Fetc'];
const badBodies: (string | undefined)[] = [
  '{"a":',
  '[]',
  '"text"',
  'null',
  '{}',
  '{"seat_numbers":[1,2],"hold_id":42,"email":7,"payment_info":"card","name":{"x":1},"total_seats":"ten","price_per_seat":-1}',
  JSON.stringify({ seat_numbers: Array.from({ length: 5000 }, (_, i) => `A${i}`), name: 'n'.repeat(100_000), hold_id: randomUUID() }),
  JSON.stringify({ event_date: 'yesterday', total_seats: 1e12, price_per_seat: 1.005, limit: -1 }),
];
const badQueries = ['?limit=abc', '?limit=-5&offset=-1', '?limit=100000', '?date_from=31-12-2020', '?status=weird', '?city=%25%5F'];

interface Route {
  method: string;
  path: string;
}

async function routesOf(service: Service): Promise<Route[]> {
  const spec = (await (await fetch(`${service.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const routes: Route[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const method of Object.keys(methods)) {
      if (['get', 'post', 'put', 'delete', 'patch'].includes(method)) routes.push({ method: method.toUpperCase(), path });
    }
  }
  return routes;
}

async function send(
  url: string,
  method: string,
  body: string | undefined,
  token: string | undefined,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const res = await fetch(url, { method, headers, body, signal: controller.signal });
    // Streams (SSE) answer 200 and stay open: the status is what matters here.
    const text = (res.headers.get('content-type') ?? '').includes('event-stream') ? '' : await res.text();
    if ((res.headers.get('content-type') ?? '').includes('event-stream')) controller.abort();
    return { status: res.status, text };
  } finally {
    clearTimeout(timer);
  }
}

describe('bad input on every route (from each service’s OpenAPI document)', () => {
  for (const name of ['users', 'events', 'bookings', 'notifications']) {
    it(`${name}: never answers 5xx, and every 4xx is a JSON error body`, async (t) => {
      const service = services.find((s) => s.name === name)!;
      const routes = await routesOf(service);
      assert.ok(routes.length > 0, 'the service documents its routes');
      const failures: string[] = [];
      let requests = 0;
      for (const route of routes) {
        const paths = route.path.includes('{') ? badIds.map((bad) => route.path.replace(/\{[^}]+\}/g, bad)) : [route.path];
        const tokens = route.path.startsWith('/internal')
          ? [undefined, userToken, internalToken]
          : [undefined, 'forged.token.here', userToken];
        const bodies = route.method === 'GET' || route.method === 'DELETE' ? [undefined] : badBodies;
        const queries = route.method === 'GET' ? ['', ...badQueries] : [''];
        for (const path of paths) {
          for (const token of tokens) {
            for (const body of bodies) {
              for (const query of queries) {
                requests++;
                const res = await send(`${service.baseUrl}${path}${query}`, route.method, body, token);
                const where = `${route.method} ${path}${query} token=${token === undefined ? 'none' : token === internalToken ? 'internal' : token === userToken ? 'user' : 'forged'} body=${(body ?? '').slice(0, 40)}`;
                if (res.status >= 500) failures.push(`${res.status} ${where}: ${res.text.slice(0, 200)}`);
                if (res.status >= 400 && res.status < 500) {
                  let parsed: { error?: unknown; message?: unknown } | undefined;
                  try {
                    parsed = JSON.parse(res.text) as typeof parsed;
                  } catch {
                    parsed = undefined;
                  }
                  if (typeof parsed?.error !== 'string' || typeof parsed.message !== 'string')
                    failures.push(`${res.status} without an error body: ${where}`);
                }
              }
            }
          }
        }
      }
      t.diagnostic(`${requests} requests over ${routes.length} routes`);
      assert.ok(requests >= routes.length * 3, `${requests} requests for ${routes.length} routes`);
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers out of ${requests}`);
    });
  }
});
