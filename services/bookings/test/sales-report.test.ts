// The organizer's sales report over real HTTP: a mix of confirmed, failed and open bookings and a
// live hold on a two-section event, bought through the real path (hold → booking → worker →
// simulated gateway). Every number is checked against SQL on both services' tables; the CSV is
// parsed strictly; the roles decide who may read it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { issueUserToken, type OrgRole } from '@ticketing/auth';
import { parseCsv } from '@ticketing/testing';
import type { BookingsConfig } from '../src/index.ts';
import { createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, startBookings, type StartedBookings, type TestUser } from './helpers.ts';

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;
let eventId: string;
const orgId = randomUUID();
const tokens = {} as Record<'owner' | 'manager' | 'viewer' | 'staff' | 'outsider' | 'buyer', string>;
const bookingIds: Record<string, string> = {};

function user(name: string, email: string, orgs: Record<string, OrgRole> = {}): TestUser {
  const userId = randomUUID();
  const { token } = issueUserToken({ userId, email, role: 'user', name, orgs }, config.jwt);
  return { userId, email, token };
}

/** Holds the seats and books them with `method`; returns the booking id. */
async function buy(buyer: TestUser, seats: string[], method = 'credit_card'): Promise<string> {
  const hold = await holdSeats(events, buyer, eventId, seats);
  const res = await svc.api('POST', '/api/booking', {
    token: buyer.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  return res.body.booking_id;
}

const get = (path: string, token = tokens.owner) => svc.api('GET', `/api/events/${eventId}/sales${path}`, { token });

before(async () => {
  const jwt = bookingsConfig().jwt;
  events = await startEvents(jwt);
  config = bookingsConfig({ jwt, events: { url: events.baseUrl }, payments: { latencyMs: 0 } });
  svc = await startBookings(config);
  const owner = user('Olga Owner', `owner.${randomUUID()}@example.test`, { [orgId]: 'owner' });
  tokens.owner = owner.token;
  tokens.manager = user('Max', 'max@example.test', { [orgId]: 'manager' }).token;
  tokens.viewer = user('Vera', 'vera@example.test', { [orgId]: 'viewer' }).token;
  tokens.staff = user('Stan', 'stan@example.test', { [orgId]: 'staff' }).token;
  tokens.outsider = user('Otto', 'otto@example.test', { [randomUUID()]: 'owner' }).token;
  tokens.buyer = user('Bea', 'bea@example.test').token;
  // Floor rows A–B (5 seats each, 50.00), Balcony rows C–E (4 seats each, 20.00); undefined drops
  // the helper's single-price fields from the body.
  const event = {
    total_seats: undefined,
    price_per_seat: undefined,
    seats_per_row: undefined,
    organization_id: orgId,
    sections: [
      { name: 'Floor', rows: 2, seats_per_row: 5, price: 50 },
      { name: 'Balcony', rows: 3, seats_per_row: 4, price: 20 },
    ],
  };
  eventId = (await createEvent(events, owner, event)).event_id;

  const ana = user('Ana Lima', `ana.${randomUUID()}@example.test`);
  const mallory = user('=HYPERLINK("http://evil.test","Mallory, Jr.")', `mallory.${randomUUID()}@example.test`);
  const dora = user('Dora 100%_sure', `dora.${randomUUID()}@example.test`);
  bookingIds.ana = await buy(ana, ['A1', 'A2']);
  bookingIds.mallory = await buy(mallory, ['B5', 'C1']);
  bookingIds.dora = await buy(dora, ['D1', 'D2'], 'card_declined');
  for (const id of Object.values(bookingIds)) await waitForFinal(svc.deps, id);
  // A live hold nobody has booked yet.
  await holdSeats(events, user('Hal', 'hal@example.test'), eventId, ['A5', 'E4']);
});
after(async () => {
  await svc?.close();
  await events?.close();
});

describe('GET /api/events/{id}/sales', () => {
  it('counts seats per section and money exactly as the tables say', async () => {
    const res = await get('');
    assert.equal(res.status, 200, res.text);
    const sql = await events.deps.db.query<{ name: string; sold: number; held: number; available: number; price_cents: string }>(
      `SELECT sc.name, (sc.price * 100)::bigint AS price_cents,
              count(*) FILTER (WHERE seat_status_now(s.status, s.hold_expires_at) = 'booked')::int AS sold,
              count(*) FILTER (WHERE seat_status_now(s.status, s.hold_expires_at) = 'held')::int AS held,
              count(*) FILTER (WHERE seat_status_now(s.status, s.hold_expires_at) = 'available')::int AS available
         FROM sections sc JOIN seats s ON s.event_id = sc.event_id AND s.seat_no BETWEEN sc.first_seat_no AND sc.first_seat_no + sc.seat_count - 1
        WHERE sc.event_id = $1 GROUP BY sc.section_no, sc.name, sc.price ORDER BY sc.section_no`,
      [eventId],
    );
    assert.deepEqual(
      res.body.sections.map((s: Record<string, unknown>) => [s.name, s.sold, s.held, s.available, s.price_cents]),
      sql.rows.map((r) => [r.name, r.sold, r.held, r.available, Number(r.price_cents)]),
    );
    // What the mix must have produced: A1 A2 B5 sold on the floor, C1 on the balcony; A5 and E4 held.
    assert.deepEqual(
      res.body.sections.map((s: Record<string, unknown>) => [s.name, s.seats, s.sold, s.held, s.available, s.sold_value_cents]),
      [
        ['Floor', 10, 3, 1, 6, 15000],
        ['Balcony', 12, 1, 1, 10, 2000],
      ],
    );
    assert.deepEqual(res.body.totals, { seats: 22, sold: 4, held: 2, available: 16, sold_value_cents: 17000 });

    const money = await svc.deps.db.query<{ status: string; n: number; cents: string; seats: number }>(
      `SELECT status, count(*)::int AS n, sum(total_cents) AS cents, sum(cardinality(seats))::int AS seats
         FROM bookings WHERE event_id = $1 GROUP BY status`,
      [eventId],
    );
    const by = Object.fromEntries(money.rows.map((r) => [r.status, r]));
    assert.equal(res.body.revenue_cents, Number(by.confirmed!.cents));
    assert.equal(res.body.revenue_cents, 17000);
    assert.equal(res.body.refunded_cents, 0);
    assert.equal(res.body.currency, 'USD');
    assert.deepEqual(res.body.bookings, { processing: 0, payment_action_required: 0, confirmed: 2, failed: 1, cancelled: 0 });
    // The two services agree: the seats sold are the seats of the confirmed bookings.
    assert.equal(res.body.totals.sold, by.confirmed!.seats);
    assert.equal(res.body.totals.sold_value_cents, res.body.revenue_cents);
  });
});

describe('GET /api/events/{id}/sales/bookings', () => {
  it('lists every booking with its buyer, seats, sections and status, newest first', async () => {
    const res = await get('/bookings');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.pagination, { total: 3, limit: 50, offset: 0, has_more: false });
    const rows = await svc.deps.db.query<{ id: string; user_name: string; user_email: string; status: string; total_cents: string }>(
      'SELECT id, user_name, user_email, status, total_cents FROM bookings WHERE event_id = $1 ORDER BY created_at DESC, id DESC',
      [eventId],
    );
    assert.deepEqual(
      res.body.bookings.map((b: Record<string, unknown>) => [b.booking_id, b.buyer_name, b.buyer_email, b.status, b.amount_cents]),
      rows.rows.map((r) => [r.id, r.user_name, r.user_email, r.status, Number(r.total_cents)]),
    );
    const mallory = res.body.bookings.find((b: { booking_id: string }) => b.booking_id === bookingIds.mallory);
    assert.deepEqual(mallory.seats, ['B5', 'C1']);
    assert.deepEqual(mallory.sections, ['Floor', 'Balcony']);
    assert.equal(mallory.amount_cents, 7000);
    assert.ok(mallory.confirmed_at);
  });

  it('filters by status, section, buyer and booking time, and pages', async () => {
    const ids = async (query: string) => {
      const res = await get(`/bookings?${query}`);
      assert.equal(res.status, 200, `${query}: ${res.text}`);
      return res.body.bookings.map((b: { booking_id: string }) => b.booking_id).sort();
    };
    const sorted = (...names: string[]) => names.map((n) => bookingIds[n]).sort();
    assert.deepEqual(await ids('status=confirmed'), sorted('ana', 'mallory'));
    assert.deepEqual(await ids('status=failed'), sorted('dora'));
    assert.deepEqual(await ids('status=cancelled'), []);
    assert.deepEqual(await ids('section=balcony'), sorted('mallory', 'dora'));
    assert.deepEqual(await ids('section=Floor&status=confirmed'), sorted('ana', 'mallory'));
    assert.deepEqual(await ids('q=ANA%20LI'), sorted('ana'));
    assert.deepEqual(await ids('q=mallory.'), sorted('mallory'));
    // % and _ are the buyer's characters, not patterns.
    assert.deepEqual(await ids('q=100%25_'), sorted('dora'));
    assert.deepEqual(await ids('q=%25'), sorted('dora'));
    assert.deepEqual(await ids(`from=${new Date(Date.now() - 3_600_000).toISOString()}`), sorted('ana', 'mallory', 'dora'));
    assert.deepEqual(await ids(`to=${new Date(Date.now() - 3_600_000).toISOString()}`), []);
    const page = await get('/bookings?limit=2&offset=1');
    assert.deepEqual(page.body.pagination, { total: 3, limit: 2, offset: 1, has_more: false });
    assert.equal(page.body.bookings.length, 2);
    const first = await get('/bookings?limit=1');
    assert.equal(first.body.pagination.has_more, true);
  });

  it('refuses filters it cannot apply with a 400 naming them', async () => {
    for (const [query, field] of [
      ['section=Gallery', 'section'],
      ['status=sold', 'status'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['from=yesterday', 'from'],
      [`from=${new Date().toISOString()}&to=${new Date(Date.now() - 1000).toISOString()}`, 'to'],
      ['sort=name', 'sort'],
    ] as const) {
      const res = await get(`/bookings?${query}`);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.equal(res.body.error, 'validation_failed');
      assert.ok(field in res.body.details.fields, `${query}: ${res.text}`);
    }
    const res = await get('/bookings?section=Gallery');
    assert.match(res.body.details.fields.section, /Floor, Balcony/);
  });
});

describe('GET /api/events/{id}/sales/bookings.csv', () => {
  it('streams the same bookings as CSV that parses, with formula cells neutralised', async () => {
    const res = await fetch(`${svc.baseUrl}/api/events/${eventId}/sales/bookings.csv`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="bookings-${eventId}.csv"`));
    const [header, ...records] = parseCsv(await res.text());
    assert.deepEqual(header, [
      'booking_id',
      'status',
      'payment_status',
      'buyer_name',
      'buyer_email',
      'seats',
      'sections',
      'seat_count',
      'amount',
      'currency',
      'booked_at',
      'confirmed_at',
      'cancelled_at',
    ]);
    const list = (await get('/bookings')).body.bookings as Record<string, unknown>[];
    assert.deepEqual(
      records.map((r) => r[0]),
      list.map((b) => b.booking_id),
    );
    const mallory = records.find((r) => r[0] === bookingIds.mallory)!;
    assert.equal(mallory[3], `'=HYPERLINK("http://evil.test","Mallory, Jr.")`, 'a leading = is neutralised, quotes and comma survive');
    assert.deepEqual(mallory.slice(5, 10), ['B5 C1', 'Floor; Balcony', '2', '70.00', 'USD']);
    const dora = records.find((r) => r[0] === bookingIds.dora)!;
    assert.deepEqual([dora[1], dora[11], dora[12]], ['failed', '', '']);

    const filtered = await fetch(`${svc.baseUrl}/api/events/${eventId}/sales/bookings.csv?status=failed`, {
      headers: { authorization: `Bearer ${tokens.owner}` },
    });
    assert.deepEqual(
      parseCsv(await filtered.text())
        .slice(1)
        .map((r) => r[0]),
      [bookingIds.dora],
    );
  });

  it('pages through a large export without losing or repeating a booking', async () => {
    // 1,234 more bookings written in one statement within a few milliseconds of each other: the
    // export reads them in pages of 500 by (created_at, id).
    const { rows } = await svc.deps.db.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO bookings (id, hold_id, user_id, user_email, user_name, event_id, event_name, venue, event_date, seats, total_cents,
                               currency, payment_method, status, payment_status)
         SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'bulk' || i || '@example.test', 'Bulk ' || i,
                $1::uuid, 'Bulk', 'Hall', now() + interval '30 days', ARRAY['E1'], 100, 'USD', 'credit_card', 'processing', 'pending'
           FROM generate_series(1, 1234) AS i RETURNING 1)
       SELECT count(*)::int AS n FROM ins`,
      [eventId],
    );
    assert.equal(rows[0]!.n, 1234);
    const res = await fetch(`${svc.baseUrl}/api/events/${eventId}/sales/bookings.csv?status=processing`, {
      headers: { authorization: `Bearer ${tokens.owner}` },
    });
    const records = parseCsv(await res.text()).slice(1);
    assert.equal(records.length, 1234);
    assert.equal(new Set(records.map((r) => r[0])).size, 1234);
    await svc.deps.db.query(`DELETE FROM bookings WHERE event_id = $1 AND status = 'processing'`, [eventId]);
  });
});

describe('who may read the sales report', () => {
  it('lets owners, managers and viewers read it; staff get 403, everyone else 404, no token 401', async () => {
    for (const path of ['', '/bookings', '/bookings.csv']) {
      for (const [who, status] of [
        ['owner', 200],
        ['manager', 200],
        ['viewer', 200],
        ['staff', 403],
        ['outsider', 404],
        ['buyer', 404],
      ] as const) {
        const res = await get(path, tokens[who]);
        assert.equal(res.status, status, `${path} as ${who}: ${res.text.slice(0, 200)}`);
        if (status === 403) assert.equal(res.body.error, 'forbidden');
        if (status === 404) assert.equal(res.body.error, 'event_not_found');
      }
      assert.equal((await svc.api('GET', `/api/events/${eventId}/sales${path}`)).status, 401, path);
      const unknown = await svc.api('GET', `/api/events/${randomUUID()}/sales${path}`, { token: tokens.owner });
      assert.equal(unknown.status, 404, path);
      assert.equal((await svc.api('GET', `/api/events/not-an-id/sales${path}`, { token: tokens.owner })).status, 404, path);
    }
  });
});
