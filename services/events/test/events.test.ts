import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueUserToken } from '@ticketing/auth';
import { craftJwt, uniqueId, type ApiRequest } from '@ticketing/testing';
import { assertError, createEvent, futureDate, newEvent, PROFILES, startEvents, type EventsServer } from './helpers.ts';

let server: EventsServer;
let api: ApiRequest;
let sql: EventsServer['sql'];
let token: string;

for (const profile of PROFILES) {
  describe(`event service (${profile} adapters)`, () => {
    before(async () => {
      server = await startEvents({}, {}, profile);
      sql = server.sql;
      api = server.api;
      token = server.user().token;
    });
    after(async () => server.close());

    describe('POST /api/events', () => {
      it('creates an event owned by the caller, with every seat available', async () => {
        const owner = server.user();
        const body = newEvent({
          name: '  Jazz Night ',
          description: 'Late set',
          total_seats: 1000,
          seats_per_row: undefined,
          price_per_seat: 99.99,
        });
        const res = await api('POST', '/api/events', { token: owner.token, body });
        assert.equal(res.status, 201, res.text);
        assert.deepEqual(Object.keys(res.body).sort(), [
          'available_seats',
          'cancellation_policy',
          'cancelled_at',
          'category',
          'city',
          'created_at',
          'created_by',
          'currency',
          'description',
          'event_date',
          'event_id',
          'name',
          'organization_id',
          'price_per_seat',
          'sales_end',
          'sales_start',
          'sections',
          'status',
          'total_seats',
          'venue',
          'waitlist_offer_ttl_seconds',
        ]);
        assert.match(res.body.event_id, /^[0-9a-f-]{36}$/);
        // Buyers cannot cancel unless the organizer sets a policy (docs/refunds.md).
        assert.equal(res.body.cancellation_policy, null);
        // Waiting-list offers hold for the platform's default time unless the organizer sets one.
        assert.equal(res.body.waitlist_offer_ttl_seconds, null);
        // Without an organization, the event belongs to the caller's personal one, published and on sale.
        assert.equal(res.body.organization_id, owner.userId);
        assert.equal(res.body.status, 'on_sale');
        assert.equal(res.body.name, 'Jazz Night');
        assert.equal(res.body.created_by, owner.userId);
        assert.equal(res.body.total_seats, 1000);
        assert.equal(res.body.available_seats, 1000);
        assert.equal(res.body.price_per_seat, 99.99);
        assert.equal(res.body.currency, 'USD', 'the default currency');
        assert.equal(res.body.event_date, new Date(body.event_date).toISOString());
        assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
        // Default layout: 500 seats per row, A1–A500 then B1–B500.
        const { rows } = await sql.query<{ label: string; seat_no: number }>(
          `SELECT label, seat_no FROM seats WHERE event_id = $1 AND seat_no IN (1, 500, 501, 1000) ORDER BY seat_no`,
          [res.body.event_id],
        );
        assert.deepEqual(
          rows.map((r) => r.label),
          ['A1', 'A500', 'B1', 'B500'],
        );
        const count = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM seats WHERE event_id = $1 AND status = 'available'`, [
          res.body.event_id,
        ]);
        assert.equal(count.rows[0]!.n, 1000);
      });

      it('labels rows Excel-style past Z (AA, AB, …)', async () => {
        const ev = await createEvent(api, token, { total_seats: 60, seats_per_row: 2 });
        const { rows } = await sql.query<{ label: string }>(`SELECT label FROM seats WHERE event_id = $1 ORDER BY seat_no`, [ev.event_id]);
        const labels = rows.map((r) => r.label);
        assert.equal(labels.length, 60);
        assert.deepEqual(labels.slice(0, 4), ['A1', 'A2', 'B1', 'B2']);
        assert.deepEqual(labels.slice(50, 54), ['Z1', 'Z2', 'AA1', 'AA2']);
        assert.deepEqual(labels.slice(-2), ['AD1', 'AD2']);
      });

      it('creates 2 seats as A1 and A2', async () => {
        const ev = await createEvent(api, token, { total_seats: 2, seats_per_row: undefined });
        const map = await api('GET', `/api/events/${ev.event_id}/seats`);
        assert.deepEqual(map.body, {
          event_id: ev.event_id,
          sections: [{ name: 'General', price: 49.99, first_seat_no: 1, seat_count: 2, first_row: 0, rows: 1, seats_per_row: 500 }],
          rows: [
            {
              row: 'A',
              section: 'General',
              seats: [
                { seat_number: 'A1', status: 'available' },
                { seat_number: 'A2', status: 'available' },
              ],
            },
          ],
        });
      });

      it('creates a 100,000-seat event and serves its seat map', async () => {
        const ev = await createEvent(api, token, { total_seats: 100000, seats_per_row: undefined });
        assert.equal(ev.available_seats, 100000);
        const map = await api('GET', `/api/events/${ev.event_id}/seats`);
        assert.equal(map.status, 200);
        assert.match(map.headers.get('content-type') ?? '', /application\/json/);
        assert.equal(map.body.rows.length, 200);
        assert.equal(map.body.rows[0].row, 'A');
        assert.equal(map.body.rows[199].row, 'GR');
        assert.equal(map.body.rows[199].seats.at(-1).seat_number, 'GR500');
        const seats = map.body.rows.reduce((n: number, r: { seats: unknown[] }) => n + r.seats.length, 0);
        assert.equal(seats, 100000);
        // 100,000 rows per run add up in the shared test database: remove them.
        await sql.query('DELETE FROM seats WHERE event_id = $1', [ev.event_id]);
        await sql.query('DELETE FROM events WHERE id = $1', [ev.event_id]);
      });

      it('accepts prices with up to two decimals and keeps them exact', async () => {
        for (const price of [0.01, 0.1, 19.9, 1234567.89]) {
          const ev = await createEvent(api, token, { price_per_seat: price, total_seats: 1 });
          assert.equal(ev.price_per_seat, price);
          const { rows } = await sql.query<{ p: string }>(`SELECT price_per_seat::text AS p FROM events WHERE id = $1`, [ev.event_id]);
          assert.equal(Number(rows[0]!.p), price);
        }
      });

      it('prices an event in the currency it is created with, and its holds carry it', async () => {
        const ev = await createEvent(api, token, { currency: 'EUR', total_seats: 4 });
        assert.equal(ev.currency, 'EUR');
        assert.equal((await api('GET', `/api/events/${ev.event_id}`)).body.currency, 'EUR');
        const hold = await api('POST', `/api/events/${ev.event_id}/hold`, { token, body: { seat_numbers: ['A1'] } });
        assert.equal(hold.status, 201, hold.text);
        const details = await api('GET', `/api/events/holds/${hold.body.hold_id}`, { token });
        assert.equal(details.body.currency, 'EUR');
      });

      const invalid: [string, Record<string, unknown>, string][] = [
        ['a lower-case currency', { currency: 'eur' }, 'currency'],
        ['an unknown currency', { currency: 'ABC' }, 'currency'],
        ['a zero-decimal currency (JPY)', { currency: 'JPY' }, 'currency'],
        ['a price with three decimals (10.005)', { price_per_seat: 10.005 }, 'price_per_seat'],
        ['a zero price', { price_per_seat: 0 }, 'price_per_seat'],
        ['a negative price', { price_per_seat: -5 }, 'price_per_seat'],
        ['a price given as a string', { price_per_seat: '10.00' }, 'price_per_seat'],
        ['a past event_date', { event_date: '2020-01-01T20:00:00Z' }, 'event_date'],
        ['an event_date without a time zone', { event_date: '2030-01-01T20:00:00' }, 'event_date'],
        ['a date that is not a date', { event_date: 'tomorrow' }, 'event_date'],
        ['0 seats', { total_seats: 0 }, 'total_seats'],
        ['100,001 seats', { total_seats: 100001 }, 'total_seats'],
        ['a fractional seat count', { total_seats: 10.5 }, 'total_seats'],
        ['seats as a string', { total_seats: '100' }, 'total_seats'],
        ['a blank name', { name: '   ' }, 'name'],
        ['a 201-character venue', { venue: 'v'.repeat(201) }, 'venue'],
        ['a missing city', { city: undefined }, 'city'],
        ['a number as category', { category: 7 }, 'category'],
        ['1001 seats per row', { seats_per_row: 1001 }, 'seats_per_row'],
        ['a hold TTL of 10 seconds', { hold_ttl_seconds: 10 }, 'hold_ttl_seconds'],
      ];
      for (const [label, patch, field] of invalid) {
        it(`rejects ${label} with validation_failed naming ${field}`, async () => {
          const res = await api('POST', '/api/events', { token, body: newEvent(patch) });
          assertError(res, 400, 'validation_failed');
          assert.ok(field in res.body.details.fields, JSON.stringify(res.body.details));
        });
      }

      it('trims a 200-character name padded with spaces and accepts it', async () => {
        const ev = await createEvent(api, token, { name: `  ${'n'.repeat(200)}  `, total_seats: 1 });
        assert.equal(ev.name, 'n'.repeat(200));
      });

      it('answers malformed JSON with 400 invalid_json and other bodies with 400/413/415', async () => {
        assertError(await api('POST', '/api/events', { token, rawBody: '{"name": "x",' }), 400, 'invalid_json');
        assertError(await api('POST', '/api/events', { token, rawBody: '[1]' }), 400, 'validation_failed');
        assertError(
          await api('POST', '/api/events', { token, body: newEvent({ description: 'x'.repeat(2 * 1024 * 1024) }) }),
          413,
          'payload_too_large',
        );
        assertError(
          await api('POST', '/api/events', { token, rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
          415,
          'unsupported_media_type',
        );
      });

      it('needs a valid user token', async () => {
        assertError(await api('POST', '/api/events', { body: newEvent() }), 401, 'unauthorized');
        const { secret, issuer } = server.config.jwt;
        const now = Math.floor(Date.now() / 1000);
        const forged = craftJwt(
          { alg: 'HS256', typ: 'JWT' },
          { sub: 'x', user_id: 'x', email: 'a@b.c', role: 'user', iat: now, exp: now + 60, iss: issuer },
        );
        const none = craftJwt(
          { alg: 'none' },
          { sub: 'x', user_id: 'x', email: 'a@b.c', role: 'admin', iat: now, exp: now + 60, iss: issuer },
          '',
        );
        const expired = issueUserToken(
          { userId: crypto.randomUUID(), email: 'a@b.c', role: 'user' },
          { secret, issuer, ttlSeconds: 60, now: Date.now() - 3_600_000 },
        ).token;
        for (const bad of [forged, none, expired, 'garbage', server.internalToken]) {
          assertError(await api('POST', '/api/events', { token: bad, body: newEvent() }), 401, 'invalid_token');
        }
      });
    });

    describe('GET /api/events', () => {
      // Events of this block share a unique category, so other tests' events never interfere.
      const category = uniqueId('cat');
      const base = Date.parse('2031-06-10T00:00:00Z');
      const at = (days: number, hours = 20) => new Date(base + days * 86_400_000 + hours * 3_600_000).toISOString();
      let ids: string[] = [];

      before(async () => {
        const specs = [
          { name: 'Rock 100% Live', city: 'New York', event_date: at(0) },
          { name: 'Jazz_Club', city: 'new york city', event_date: at(1) },
          { name: 'Opera Gala', city: 'Paris', event_date: at(1, 23) },
          { name: 'Rock Classics', city: 'Berlin', event_date: at(2, 0) },
          { name: 'Folk Evening', city: 'Berlin', event_date: at(3) },
        ];
        ids = [];
        for (const s of specs) ids.push((await createEvent(api, token, { ...s, category, total_seats: 5 })).event_id);
      });

      const list = (query: string) => api('GET', `/api/events?category=${category}&${query}`);
      const names = (res: { body: { events: { name: string }[] } }) => res.body.events.map((e) => e.name);

      it('lists by event date with pagination', async () => {
        const page1 = await list('limit=2');
        assert.equal(page1.status, 200, page1.text);
        assert.deepEqual(names(page1), ['Rock 100% Live', 'Jazz_Club']);
        assert.deepEqual(page1.body.pagination, { total: 5, limit: 2, offset: 0, has_more: true });
        const page3 = await list('limit=2&offset=4');
        assert.deepEqual(names(page3), ['Folk Evening']);
        assert.deepEqual(page3.body.pagination, { total: 5, limit: 2, offset: 4, has_more: false });
        const beyond = await list('offset=50');
        assert.deepEqual(beyond.body.events, []);
        assert.equal(beyond.body.pagination.total, 5);
      });

      it('uses limit 20 and offset 0 by default', async () => {
        const res = await list('');
        assert.equal(res.body.pagination.limit, 20);
        assert.equal(res.body.pagination.offset, 0);
        assert.equal(res.body.events.length, 5);
        assert.equal(res.body.events[0].available_seats, 5);
      });

      it('filters city and name as case-insensitive substrings', async () => {
        assert.deepEqual(names(await list('city=NEW%20YORK')), ['Rock 100% Live', 'Jazz_Club']);
        assert.deepEqual(names(await list('name=rock')), ['Rock 100% Live', 'Rock Classics']);
      });

      it('takes % and _ literally', async () => {
        assert.deepEqual(names(await list('name=100%25')), ['Rock 100% Live']);
        assert.deepEqual(names(await list('name=%25')), ['Rock 100% Live']);
        assert.deepEqual(names(await list('name=z_c')), ['Jazz_Club']);
        assert.deepEqual(names(await list('name=_')), ['Jazz_Club']);
      });

      it("lists an organizer's own events with created_by", async () => {
        const { token: organizer, userId: organizerId } = server.user();
        const own = await createEvent(api, organizer, { category: uniqueId('cat'), name: 'Own Show', total_seats: 2, event_date: at(5) });
        const res = await api('GET', `/api/events?created_by=${organizerId}`);
        assert.equal(res.status, 200);
        assert.deepEqual(
          res.body.events.map((e: { event_id: string }) => e.event_id),
          [own.event_id],
        );
        assert.equal(res.body.events[0].created_by, organizerId);
        assert.deepEqual(names(await list(`created_by=${organizerId}`)), [], 'combined with the other filters');
      });

      it('matches category exactly', async () => {
        assert.equal((await api('GET', `/api/events?category=${category.toUpperCase()}`)).body.events.length, 0);
        assert.equal((await api('GET', `/api/events?category=${category.slice(0, -1)}`)).body.events.length, 0);
      });

      it('treats YYYY-MM-DD bounds as whole days, inclusive', async () => {
        const day = (d: number) => at(d, 0).slice(0, 10);
        assert.deepEqual(names(await list(`date_from=${day(1)}&date_to=${day(1)}`)), ['Jazz_Club', 'Opera Gala']);
        assert.deepEqual(names(await list(`date_from=${day(2)}`)), ['Rock Classics', 'Folk Evening']);
        assert.deepEqual(names(await list(`date_to=${day(0)}`)), ['Rock 100% Live']);
      });

      it('treats RFC 3339 bounds as exact instants', async () => {
        const q = `date_from=${encodeURIComponent(at(1, 20))}&date_to=${encodeURIComponent(at(2, 0))}`;
        assert.deepEqual(names(await list(q)), ['Jazz_Club', 'Opera Gala', 'Rock Classics']);
        const offset = encodeURIComponent('2031-06-11T22:00:00+02:00');
        assert.deepEqual(names(await list(`date_from=${offset}&date_to=${offset}`)), ['Jazz_Club']);
      });

      const bad: [string, string][] = [
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=1.5', 'limit'],
        ['offset=-1', 'offset'],
        ['date_from=2031-02-30', 'date_from'],
        ['date_from=yesterday', 'date_from'],
        ['date_to=2031-06-10T20:00:00', 'date_to'],
        ['date_from=2031-06-12&date_to=2031-06-11', 'date_to'],
        ['city=', 'city'],
        ['created_by=not-a-uuid', 'created_by'],
        ['colour=red', 'colour'],
      ];
      for (const [query, field] of bad) {
        it(`answers ${query} with 400 naming ${field}`, async () => {
          const res = await api('GET', `/api/events?${query}`);
          assertError(res, 400, 'validation_failed');
          assert.ok(field in res.body.details.fields, JSON.stringify(res.body.details));
        });
      }

      it('shows a new event on the next read of a cached page', async () => {
        const cat = uniqueId('cat');
        await createEvent(api, token, { category: cat, total_seats: 1 });
        assert.equal((await api('GET', `/api/events?category=${cat}`)).body.pagination.total, 1);
        await createEvent(api, token, { category: cat, total_seats: 1 });
        assert.equal((await api('GET', `/api/events?category=${cat}`)).body.pagination.total, 2);
      });
    });

    describe('GET /api/events/:id', () => {
      it('returns the event', async () => {
        const ev = await createEvent(api, token);
        const res = await api('GET', `/api/events/${ev.event_id}`);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, ev);
      });

      it('answers an unknown or malformed id with 404 event_not_found', async () => {
        assertError(await api('GET', `/api/events/${crypto.randomUUID()}`), 404, 'event_not_found');
        assertError(await api('GET', '/api/events/not-a-uuid'), 404, 'event_not_found');
        assertError(await api('GET', `/api/events/${'9'.repeat(150)}`), 404, 'event_not_found');
        assertError(await api('GET', `/api/events/${crypto.randomUUID()}/seats`), 404, 'event_not_found');
        assertError(await api('GET', '/api/events/nope/seats'), 404, 'event_not_found');
      });
    });

    describe('GET /api/events/:id/seats', () => {
      it('groups seats by row in seat order', async () => {
        const ev = await createEvent(api, token, { total_seats: 25, seats_per_row: 10 });
        const res = await api('GET', `/api/events/${ev.event_id}/seats`);
        assert.equal(res.status, 200);
        assert.deepEqual(
          res.body.rows.map((r: { row: string }) => r.row),
          ['A', 'B', 'C'],
        );
        assert.deepEqual(
          res.body.rows[2].seats.map((s: { seat_number: string }) => s.seat_number),
          ['C1', 'C2', 'C3', 'C4', 'C5'],
        );
        assert.ok(res.body.rows.every((r: { seats: { status: string }[] }) => r.seats.every((s) => s.status === 'available')));
      });

      it('serves the same map compactly, one status character per seat, and follows holds', async () => {
        const ev = await createEvent(api, token, { total_seats: 25, seats_per_row: 10 });
        const empty = await api('GET', `/api/events/${ev.event_id}/seats/compact`);
        assert.equal(empty.status, 200);
        assert.deepEqual(empty.body, {
          event_id: ev.event_id,
          total_seats: 25,
          seats_per_row: 10,
          sections: [
            { name: 'General', price: ev.price_per_seat, first_seat_no: 1, seat_count: 25, first_row: 0, rows: 3, seats_per_row: 10 },
          ],
          status: '0'.repeat(25),
        });
        const buyer = server.user();
        const hold = await api('POST', `/api/events/${ev.event_id}/hold`, { token: buyer.token, body: { seat_numbers: ['B2', 'C5'] } });
        assert.equal(hold.status, 201, hold.text);
        const compact = (await api('GET', `/api/events/${ev.event_id}/seats/compact`)).body.status as string;
        assert.equal(compact, `${'0'.repeat(11)}1${'0'.repeat(12)}1`);
        // Seat for seat the same as the full map.
        const full = (await api('GET', `/api/events/${ev.event_id}/seats`)).body.rows.flatMap(
          (r: { seats: { status: string }[] }) => r.seats,
        );
        assert.equal(full.map((seat: { status: string }) => ({ available: '0', held: '1', booked: '2' })[seat.status]).join(''), compact);
        assertError(await api('GET', `/api/events/${crypto.randomUUID()}/seats/compact`), 404, 'event_not_found');
      });
    });

    describe('service conventions', () => {
      it('answers unknown routes with JSON 404 and wrong methods with JSON 405', async () => {
        assertError(await api('GET', '/api/nope'), 404, 'not_found');
        assertError(await api('PUT', '/api/events'), 405, 'method_not_allowed');
      });

      it('reports health with each dependency', async () => {
        const res = await api('GET', '/health');
        assert.equal(res.status, 200);
        assert.equal(res.body.status, 'healthy');
        assert.equal(res.body.service, 'events');
        assert.deepEqual(res.body.checks, { postgres: 'up', redis: 'up' });
      });

      it('serves metrics and an OpenAPI document with every route', async () => {
        const metrics = await api('GET', '/metrics');
        assert.equal(metrics.status, 200);
        assert.match(metrics.text, /http_request_duration_seconds/);
        const spec = await api('GET', '/openapi.json');
        for (const path of [
          '/api/events',
          '/api/events/{id}',
          '/api/events/{id}/seats',
          '/api/events/{id}/hold',
          '/api/events/holds/{holdId}',
          '/internal/holds/{holdId}/lock',
        ]) {
          assert.ok(spec.body.paths[path], path);
        }
        assert.ok(spec.body.paths['/api/events/{id}/hold'].post.responses['429']);
      });

      it('reads event_date far in the future correctly', async () => {
        const ev = await createEvent(api, token, { event_date: futureDate(3650), total_seats: 1 });
        assert.equal((await api('GET', `/api/events/${ev.event_id}`)).body.event_date, ev.event_date);
      });
    });
  });
}
