// A database outage, as an operator's restart makes it: every service answers 503
// service_unavailable with Retry-After while PostgreSQL is down (never a 500, never a crash), and
// the same running servers answer 2xx again once it is back. The database is a private cluster
// of this test (the shared server is never stopped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { issueUserToken } from '@ticketing/auth';
import { startPrivatePostgres, type ApiResponse, type PrivatePostgres } from '@ticketing/testing';
import { newUser, startUsers } from '../services/users/test/helpers.ts';
import { createEvent, startEvents, type EventsServer } from '../services/events/test/helpers.ts';
import { bookingsConfig, startBookings, type StartedBookings } from '../services/bookings/test/helpers.ts';

const PORT = Number(process.env.OUTAGE_PG_PORT ?? 15410);

let pg: PrivatePostgres;
let users: Awaited<ReturnType<typeof startUsers>>;
let events: EventsServer;
let bookings: StartedBookings;

before(async () => {
  pg = await startPrivatePostgres(PORT);
  events = await startEvents({ database: { url: pg.url } });
  users = await startUsers({ database: { url: pg.url }, jwt: events.config.jwt });
  bookings = await startBookings(bookingsConfig({ database: { url: pg.url }, jwt: events.config.jwt }), { relay: false, worker: false });
});

after(async () => {
  await bookings?.close();
  await users?.close();
  await events?.close();
  await pg?.destroy();
});

function assertUnavailable(res: ApiResponse, what: string): void {
  assert.equal(res.status, 503, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.body.error, 'service_unavailable', what);
  assert.ok(Number(res.headers.get('retry-after')) >= 1, `${what}: Retry-After ${res.headers.get('retry-after')}`);
}

/** Retries `call` until it answers 2xx (the pool reconnects on its own), at most `timeoutMs`. */
async function until2xx(what: string, call: () => Promise<ApiResponse>, timeoutMs = 20_000): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call();
    if (res.status >= 200 && res.status < 300) return res;
    assert.equal(res.status, 503, `${what} while recovering: ${res.status} ${res.text}`);
    if (Date.now() > deadline) assert.fail(`${what} still answers ${res.status} ${timeoutMs} ms after the database came back`);
    await sleep(200);
  }
}

describe('a PostgreSQL outage', () => {
  it('answers 503 + Retry-After while the database is down, and 2xx from the same processes once it is back', async () => {
    const organizer = events.user();
    const buyer = issueUserToken(
      { userId: randomUUID(), email: 'buyer@example.test', role: 'user' },
      { secret: events.config.jwt.secret, issuer: events.config.jwt.issuer, ttlSeconds: 3600 },
    ).token;
    const event = await createEvent(events.api, organizer.token, { total_seats: 20, seats_per_row: 10 });
    const registered = newUser();
    assert.equal((await users.api('POST', '/api/users/register', { body: registered })).status, 201);

    const hold = (seat: string) =>
      events.api('POST', `/api/events/${event.event_id}/hold`, { token: buyer, body: { seat_numbers: [seat] } });
    const register = () => users.api('POST', '/api/users/register', { body: newUser() });
    const login = () => users.api('POST', '/api/users/login', { body: { email: registered.email, password: registered.password } });
    const myBookings = () => bookings.api('GET', '/api/bookings', { token: buyer });
    assert.equal((await hold('A1')).status, 201);

    await pg.stop();
    assertUnavailable(await hold('A2'), 'hold');
    assertUnavailable(await register(), 'register');
    assertUnavailable(await login(), 'login');
    assertUnavailable(await myBookings(), 'bookings list');
    assertUnavailable(await events.api('GET', `/api/events/${randomUUID()}`), 'event read');
    // Twice, so that a pool whose connections died is seen answering again, not just once.
    assertUnavailable(await hold('A3'), 'hold again');

    await pg.start();
    await until2xx('hold', () => hold('A4'));
    assert.equal((await register()).status, 201);
    assert.equal((await login()).status, 200);
    assert.equal((await myBookings()).status, 200);
    // The contract says so: each of these routes documents its 503.
    const documented = async (server: { baseUrl: string }, route: string, method: string) => {
      const doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      return Object.keys(doc.paths[route]?.[method]?.responses ?? {}).includes('503');
    };
    assert.ok(await documented(events, '/api/events/{id}/hold', 'post'), 'hold documents 503');
    assert.ok(await documented(users, '/api/users/register', 'post'), 'register documents 503');
    assert.ok(await documented(users, '/api/users/login', 'post'), 'login documents 503');
    assert.ok(await documented(bookings, '/api/bookings', 'get'), 'bookings list documents 503');
    const health = await Promise.all([users, events, bookings].map((s) => fetch(`${s.baseUrl}/health`)));
    assert.deepEqual(
      health.map((r) => r.status),
      [200, 200, 200],
    );
  });
});
