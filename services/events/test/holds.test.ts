import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueUserToken } from '@ticketing/auth';
import { craftJwt, type ApiRequest } from '@ticketing/testing';
import { assertError, createEvent, expireHold, PROFILES, startEvents, type EventsServer } from './helpers.ts';

let server: EventsServer;
let api: ApiRequest;
let sql: EventsServer['sql'];

for (const profile of PROFILES) {
  describe(`event service (${profile} adapters)`, () => {
    before(async () => {
      server = await startEvents({}, {}, profile);
      sql = server.sql;
      api = server.api;
    });
    after(async () => server.close());

    /** A fresh 100-seat event (rows A–J of 10 seats, 49.99 each) and a buyer. */
    async function setup(overrides: Record<string, unknown> = {}) {
      const owner = server.user();
      const event = await createEvent(api, owner.token, overrides);
      return { event, eventId: event.event_id, buyer: server.user(), owner };
    }

    function hold(eventId: string, token: string, seats: unknown) {
      return api('POST', `/api/events/${eventId}/hold`, { token, body: { seat_numbers: seats } });
    }

    async function seatRows(eventId: string, labels: string[]) {
      const { rows } = await sql.query<{ label: string; status: string; hold_id: string | null }>(
        `SELECT label, status, hold_id FROM seats WHERE event_id = $1 AND label = ANY($2) ORDER BY seat_no`,
        [eventId, labels],
      );
      return rows;
    }

    async function available(eventId: string): Promise<number> {
      return (await api('GET', `/api/events/${eventId}`)).body.available_seats;
    }

    describe('POST /api/events/:id/hold', () => {
      it('holds the seats and prices them exactly', async () => {
        const { eventId, buyer } = await setup({ price_per_seat: 33.33 });
        const before = Date.now();
        const res = await hold(eventId, buyer.token, ['B2', 'A1', 'A2']);
        assert.equal(res.status, 201, res.text);
        assert.deepEqual(Object.keys(res.body).sort(), ['event_id', 'expires_at', 'held_seats', 'hold_id', 'total_price']);
        assert.equal(res.body.event_id, eventId);
        assert.deepEqual(res.body.held_seats, ['A1', 'A2', 'B2']);
        assert.equal(res.body.total_price, 99.99);
        const ttl = Date.parse(res.body.expires_at) - before;
        assert.ok(ttl > 890_000 && ttl < 910_000, `expires in ${ttl} ms`);
        const rows = await seatRows(eventId, ['A1', 'A2', 'B2']);
        assert.ok(rows.every((r) => r.status === 'held' && r.hold_id === res.body.hold_id));
        assert.equal(await available(eventId), 97);
      });

      it('uses the event’s hold_ttl_seconds', async () => {
        const { eventId, buyer } = await setup({ hold_ttl_seconds: 60 });
        const res = await hold(eventId, buyer.token, ['A1']);
        const ttl = Date.parse(res.body.expires_at) - Date.now();
        assert.ok(ttl > 50_000 && ttl <= 61_000, `expires in ${ttl} ms`);
      });

      it('rejects a seat already held by another user, naming it and offering nearby seats', async () => {
        const { eventId, buyer } = await setup();
        assert.equal((await hold(eventId, buyer.token, ['C5', 'C6'])).status, 201);
        const other = server.user();
        const res = await hold(eventId, other.token, ['C6', 'C7']);
        assertError(res, 409, 'seats_unavailable');
        assert.equal(res.body.message, 'Some requested seats are not available');
        assert.deepEqual(res.body.details.unavailable_seats, ['C6']);
        // Same row first, closest numbers: C8 (next to C7) and C4 (next to C5… but C5 is held), so C8 and C4 or C3.
        const alternatives: string[] = res.body.details.available_alternatives;
        assert.equal(alternatives.length, 2);
        assert.ok(
          alternatives.every((s) => s.startsWith('C') && !['C5', 'C6', 'C7'].includes(s)),
          String(alternatives),
        );
        assert.ok(alternatives.includes('C8'), String(alternatives));
        // All or nothing: C7 stayed free.
        assert.deepEqual(
          (await seatRows(eventId, ['C7'])).map((r) => r.status),
          ['available'],
        );
      });

      it('offers seats of neighbouring rows when a row is full', async () => {
        const { eventId, buyer } = await setup();
        const row = Array.from({ length: 10 }, (_, i) => `E${i + 1}`);
        assert.equal((await hold(eventId, buyer.token, row)).status, 201);
        const res = await hold(eventId, server.user().token, ['E5']);
        assertError(res, 409, 'seats_unavailable');
        assert.equal(res.body.details.available_alternatives.length, 1);
        assert.match(res.body.details.available_alternatives[0], /^[DF]5$/);
      });

      it('rejects seats that do not exist, listing them', async () => {
        const { eventId, buyer } = await setup();
        const res = await hold(eventId, buyer.token, ['A1', 'Z99', 'Z100', 'a2', 'A11', 'K1', 'A0']);
        assertError(res, 400, 'invalid_seats');
        assert.equal(res.body.message, 'seat numbers do not exist: Z99, Z100, a2, A11, K1, A0');
        assert.deepEqual(res.body.details.invalid_seats, ['Z99', 'Z100', 'a2', 'A11', 'K1', 'A0']);
        assert.deepEqual(
          (await seatRows(eventId, ['A1'])).map((r) => r.status),
          ['available'],
        );
      });

      const invalidBodies: [string, unknown][] = [
        ['an empty list', []],
        ['a duplicate seat', ['A1', 'A1']],
        ['11 seats (the limit is 10)', [...Array.from({ length: 10 }, (_, i) => `B${i + 1}`), 'C1']],
        ['a number', ['A1', 2]],
        ['a list of lists', [['A1']]],
        ['a string instead of a list', 'A1'],
        ['null', null],
      ];
      for (const [label, seats] of invalidBodies) {
        it(`rejects ${label} with validation_failed`, async () => {
          const { eventId, buyer } = await setup();
          const res = await hold(eventId, buyer.token, seats);
          assertError(res, 400, 'validation_failed');
          assert.ok(
            'seat_numbers' in res.body.details.fields || Object.keys(res.body.details.fields).some((k) => k.startsWith('seat_numbers')),
            res.text,
          );
        });
      }

      it('rejects a missing seat_numbers, malformed JSON and a body over 1 MiB', async () => {
        const { eventId, buyer } = await setup();
        assertError(await api('POST', `/api/events/${eventId}/hold`, { token: buyer.token, body: {} }), 400, 'validation_failed');
        assertError(
          await api('POST', `/api/events/${eventId}/hold`, { token: buyer.token, rawBody: '{"seat_numbers": [' }),
          400,
          'invalid_json',
        );
        assertError(
          await api('POST', `/api/events/${eventId}/hold`, {
            token: buyer.token,
            body: { seat_numbers: ['A1'], pad: 'x'.repeat(1_100_000) },
          }),
          413,
          'payload_too_large',
        );
      });

      it('answers an unknown or malformed event id with 404 event_not_found', async () => {
        const { buyer } = await setup();
        assertError(await hold(crypto.randomUUID(), buyer.token, ['A1']), 404, 'event_not_found');
        assertError(await hold('12345', buyer.token, ['A1']), 404, 'event_not_found');
      });

      it('decides sales_closed on the database clock, before invalid_seats, whatever the cached event says', async () => {
        const { eventId, buyer } = await setup();
        await hold(eventId, buyer.token, ['A1']); // the event is cached with its (future) date
        await sql.query(`UPDATE events SET event_date = now() - interval '1 minute' WHERE id = $1`, [eventId]);
        assertError(await hold(eventId, buyer.token, ['Z999']), 409, 'sales_closed');
        assertError(await hold(eventId, buyer.token, ['A2']), 409, 'sales_closed');
      });

      it('refuses holds once the event has started with 409 sales_closed', async () => {
        const { eventId, buyer } = await setup();
        await sql.query(`UPDATE events SET event_date = now() - interval '1 minute' WHERE id = $1`, [eventId]);
        assertError(await hold(eventId, buyer.token, ['A1']), 409, 'sales_closed');
        assert.deepEqual(
          (await seatRows(eventId, ['A1'])).map((r) => r.status),
          ['available'],
        );
      });

      it('limits live holds per user per event with 429 hold_limit_reached and Retry-After', async () => {
        const { eventId, buyer } = await setup();
        for (const seat of ['A1', 'A2', 'A3']) assert.equal((await hold(eventId, buyer.token, [seat])).status, 201);
        const res = await hold(eventId, buyer.token, ['A4']);
        assertError(res, 429, 'hold_limit_reached');
        assert.equal(res.body.details.max_active_holds, 3);
        const retryAfter = Number(res.headers.get('retry-after'));
        assert.ok(retryAfter > 800 && retryAfter <= 900, `Retry-After ${retryAfter}`);
        // Other users and other events are not affected.
        assert.equal((await hold(eventId, server.user().token, ['A4'])).status, 201);
        const other = await createEvent(api, server.user().token);
        assert.equal((await hold(other.event_id, buyer.token, ['A1'])).status, 201);
      });

      it('frees a slot under the limit when a hold is released or expires', async () => {
        const { eventId, buyer } = await setup();
        const ids: string[] = [];
        for (const seat of ['A1', 'A2', 'A3']) ids.push((await hold(eventId, buyer.token, [seat])).body.hold_id);
        assert.equal((await api('DELETE', `/api/events/holds/${ids[0]}`, { token: buyer.token })).status, 200);
        assert.equal((await hold(eventId, buyer.token, ['A4'])).status, 201);
        await expireHold(sql, ids[1]!, [server]);
        assert.equal((await hold(eventId, buyer.token, ['A5'])).status, 201);
        assertError(await hold(eventId, buyer.token, ['A6']), 429, 'hold_limit_reached');
      });

      it('never lets one user exceed the limit with concurrent requests', async () => {
        const { eventId, buyer } = await setup();
        const seats = [...Array.from({ length: 10 }, (_, i) => `D${i + 1}`), 'F1', 'F2'];
        const results = await Promise.all(seats.map((seat) => hold(eventId, buyer.token, [seat])));
        const statuses = results.map((r) => r.status);
        assert.equal(statuses.filter((s) => s === 201).length, 3, String(statuses));
        assert.ok(
          statuses.every((s) => s === 201 || s === 429),
          String(statuses),
        );
        const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM holds WHERE event_id = $1 AND user_id = $2`, [
          eventId,
          buyer.userId,
        ]);
        assert.equal(rows[0]!.n, 3);
      });

      it('lets anyone hold the seats of an expired hold at once, before any sweep', async () => {
        const { eventId, buyer } = await setup();
        const first = await hold(eventId, buyer.token, ['G1', 'G2']);
        assert.equal(first.status, 201);
        assert.equal(await available(eventId), 98);
        await expireHold(sql, first.body.hold_id, [server]);
        assert.equal(await available(eventId), 100);
        const map = await api('GET', `/api/events/${eventId}/seats`);
        assert.equal(map.body.rows[6].seats[0].status, 'available');
        const second = await hold(eventId, server.user().token, ['G2', 'G3']);
        assert.equal(second.status, 201, second.text);
        // G1 still points at the stale hold, unless a sweeper (of any test running alongside) freed it.
        const g1 = (rows: { hold_id: string | null }[]) => [first.body.hold_id, null].includes(rows[0]!.hold_id);
        const rows = await seatRows(eventId, ['G1', 'G2', 'G3']);
        assert.ok(g1(rows));
        assert.deepEqual(
          rows.slice(1).map((r) => r.hold_id),
          [second.body.hold_id, second.body.hold_id],
        );
        assert.equal(await available(eventId), 98);
        // The stale hold reads as expired and can no longer be released into someone else's seats.
        const stale = await api('GET', `/api/events/holds/${first.body.hold_id}`, { token: buyer.token });
        assert.equal(stale.body.status, 'expired');
        assert.equal((await api('DELETE', `/api/events/holds/${first.body.hold_id}`, { token: buyer.token })).status, 200);
        const after = await seatRows(eventId, ['G1', 'G2', 'G3']);
        assert.ok(g1(after));
        assert.deepEqual(
          after.slice(1).map((r) => [r.status, r.hold_id]),
          [
            ['held', second.body.hold_id],
            ['held', second.body.hold_id],
          ],
        );
      });

      it('needs a valid user token', async () => {
        const { eventId } = await setup();
        assertError(await api('POST', `/api/events/${eventId}/hold`, { body: { seat_numbers: ['A1'] } }), 401, 'unauthorized');
        const { secret, issuer } = server.config.jwt;
        const expired = issueUserToken(
          { userId: crypto.randomUUID(), email: 'a@b.c', role: 'user' },
          { secret, issuer, ttlSeconds: 60, now: Date.now() - 7_200_000 },
        ).token;
        const wrongKey = issueUserToken(
          { userId: crypto.randomUUID(), email: 'a@b.c', role: 'user' },
          { secret: 'x'.repeat(40), issuer, ttlSeconds: 60 },
        ).token;
        const none = craftJwt({ alg: 'none' }, { sub: 'a', user_id: 'a', role: 'user', email: 'a@b.c', exp: 9999999999 }, '');
        for (const token of [expired, wrongKey, none, server.internalToken]) {
          assertError(await api('POST', `/api/events/${eventId}/hold`, { token, body: { seat_numbers: ['A1'] } }), 401, 'invalid_token');
        }
        assertError(
          await api('POST', `/api/events/${eventId}/hold`, { headers: { authorization: 'Basic abc' }, body: { seat_numbers: ['A1'] } }),
          401,
          'invalid_token',
        );
      });
    });

    describe('GET /api/events/holds/:holdId', () => {
      it('returns the owner’s hold with its event', async () => {
        const { event, eventId, buyer } = await setup({ price_per_seat: 10.1 });
        const created = await hold(eventId, buyer.token, ['A1', 'A2']);
        const res = await api('GET', `/api/events/holds/${created.body.hold_id}`, { token: buyer.token });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, {
          hold_id: created.body.hold_id,
          user_id: buyer.userId,
          event_id: eventId,
          event_name: event.name,
          venue: event.venue,
          event_date: event.event_date,
          seats: ['A1', 'A2'],
          total_price: 20.2,
          currency: 'USD',
          expires_at: created.body.expires_at,
          status: 'active',
        });
      });

      it('hides another user’s hold (404) but shows it to an admin', async () => {
        const { eventId, buyer } = await setup();
        const created = await hold(eventId, buyer.token, ['A1']);
        assertError(await api('GET', `/api/events/holds/${created.body.hold_id}`, { token: server.user().token }), 404, 'hold_not_found');
        const admin = await api('GET', `/api/events/holds/${created.body.hold_id}`, { token: server.user('admin').token });
        assert.equal(admin.status, 200);
        assert.equal(admin.body.user_id, buyer.userId);
      });

      it('answers unknown and malformed ids with 404, and no token with 401', async () => {
        const { buyer } = await setup();
        assertError(await api('GET', `/api/events/holds/${crypto.randomUUID()}`, { token: buyer.token }), 404, 'hold_not_found');
        assertError(await api('GET', '/api/events/holds/xyz', { token: buyer.token }), 404, 'hold_not_found');
        assertError(await api('GET', `/api/events/holds/${crypto.randomUUID()}`), 401, 'unauthorized');
      });
    });

    describe('DELETE /api/events/holds/:holdId and /api/events/:id/hold/:holdId', () => {
      it('releases the hold and frees exactly its seats', async () => {
        const { eventId, buyer } = await setup();
        const mine = await hold(eventId, buyer.token, ['H1', 'H2']);
        const theirs = await hold(eventId, server.user().token, ['H3']);
        const res = await api('DELETE', `/api/events/holds/${mine.body.hold_id}`, { token: buyer.token });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { message: 'Hold released successfully' });
        const rows = await seatRows(eventId, ['H1', 'H2', 'H3']);
        assert.deepEqual(
          rows.map((r) => [r.status, r.hold_id]),
          [
            ['available', null],
            ['available', null],
            ['held', theirs.body.hold_id],
          ],
        );
        assert.equal((await api('GET', `/api/events/holds/${mine.body.hold_id}`, { token: buyer.token })).body.status, 'released');
        assert.equal(await available(eventId), 99);
        // Idempotent: a second release changes nothing.
        assert.equal((await api('DELETE', `/api/events/holds/${mine.body.hold_id}`, { token: buyer.token })).status, 200);
        assert.equal((await hold(eventId, server.user().token, ['H1'])).status, 201);
      });

      it('releases through the event path, which must name the hold’s event', async () => {
        const { eventId, buyer } = await setup();
        const other = await setup();
        const created = await hold(eventId, buyer.token, ['A1']);
        assertError(
          await api('DELETE', `/api/events/${other.eventId}/hold/${created.body.hold_id}`, { token: buyer.token }),
          404,
          'hold_not_found',
        );
        assertError(await api('DELETE', `/api/events/bad/hold/${created.body.hold_id}`, { token: buyer.token }), 404, 'hold_not_found');
        const res = await api('DELETE', `/api/events/${eventId}/hold/${created.body.hold_id}`, { token: buyer.token });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { message: 'Hold released successfully' });
        assert.deepEqual(
          (await seatRows(eventId, ['A1'])).map((r) => r.status),
          ['available'],
        );
      });

      it('does not let another user (or an admin) release a hold', async () => {
        const { eventId, buyer } = await setup();
        const created = await hold(eventId, buyer.token, ['A1']);
        assertError(
          await api('DELETE', `/api/events/holds/${created.body.hold_id}`, { token: server.user().token }),
          404,
          'hold_not_found',
        );
        assertError(
          await api('DELETE', `/api/events/holds/${created.body.hold_id}`, { token: server.user('admin').token }),
          404,
          'hold_not_found',
        );
        assertError(await api('DELETE', `/api/events/holds/not-a-uuid`, { token: buyer.token }), 404, 'hold_not_found');
        assertError(await api('DELETE', `/api/events/holds/${created.body.hold_id}`), 401, 'unauthorized');
        assert.deepEqual(
          (await seatRows(eventId, ['A1'])).map((r) => r.status),
          ['held'],
        );
      });

      it('refuses to release a hold locked for payment or confirmed (409 hold_not_active)', async () => {
        const { eventId, buyer } = await setup();
        const created = await hold(eventId, buyer.token, ['A1', 'A2']);
        const holdId = created.body.hold_id;
        const bookingId = crypto.randomUUID();
        const internal = { token: server.internalToken };
        assert.equal(
          (await api('POST', `/internal/holds/${holdId}/lock`, { ...internal, body: { user_id: buyer.userId, booking_id: bookingId } }))
            .status,
          200,
        );
        assertError(await api('DELETE', `/api/events/holds/${holdId}`, { token: buyer.token }), 409, 'hold_not_active');
        assert.equal(
          (await api('POST', `/internal/holds/${holdId}/confirm`, { ...internal, body: { booking_id: bookingId } })).status,
          200,
        );
        assertError(await api('DELETE', `/api/events/holds/${holdId}`, { token: buyer.token }), 409, 'hold_not_active');
        assertError(await api('DELETE', `/api/events/${eventId}/hold/${holdId}`, { token: buyer.token }), 409, 'hold_not_active');
        assert.deepEqual(
          (await seatRows(eventId, ['A1', 'A2'])).map((r) => r.status),
          ['booked', 'booked'],
        );
      });
    });

    describe('hold sweeper', () => {
      it('marks expired holds expired, frees only their own seats, and leaves live holds alone', async () => {
        const { eventId, buyer } = await setup();
        const stale = await hold(eventId, buyer.token, ['J1', 'J2']);
        const live = await hold(eventId, server.user().token, ['J5']);
        await expireHold(sql, stale.body.hold_id, [server], 365 * 86400);
        // Someone takes J2 after the expiry, before the sweep.
        const taker = await hold(eventId, server.user().token, ['J2']);
        assert.equal(taker.status, 201);
        await server.deps.sweeper.sweepOnce(1);
        const { rows } = await sql.query<{ id: string; status: string }>(
          `SELECT id, status FROM holds WHERE id = ANY($1) ORDER BY created_at`,
          [[stale.body.hold_id, live.body.hold_id, taker.body.hold_id]],
        );
        assert.deepEqual(
          rows.map((r) => r.status),
          ['expired', 'active', 'active'],
        );
        const seats = await seatRows(eventId, ['J1', 'J2', 'J5']);
        assert.deepEqual(
          seats.map((r) => [r.status, r.hold_id]),
          [
            ['available', null],
            ['held', taker.body.hold_id],
            ['held', live.body.hold_id],
          ],
        );
        assert.equal(await available(eventId), 98);
      });

      it('runs on its configured interval', async () => {
        const timed = await startEvents({ sweeperIntervalMs: 50 }, {}, profile);
        try {
          const owner = timed.user();
          const ev = await createEvent(timed.api, owner.token);
          const res = await timed.api('POST', `/api/events/${ev.event_id}/hold`, { token: owner.token, body: { seat_numbers: ['A1'] } });
          await expireHold(timed.sql, res.body.hold_id, [timed]);
          let status = '';
          for (let i = 0; i < 100 && status !== 'expired'; i++) {
            await new Promise((r) => setTimeout(r, 50));
            status = (await timed.sql.query<{ status: string }>(`SELECT status FROM holds WHERE id = $1`, [res.body.hold_id])).rows[0]!
              .status;
          }
          assert.equal(status, 'expired');
          const { rows } = await timed.sql.query<{ status: string; hold_id: string | null }>(
            `SELECT status, hold_id FROM seats WHERE event_id = $1 AND label = 'A1'`,
            [ev.event_id],
          );
          assert.deepEqual(rows, [{ status: 'available', hold_id: null }]);
        } finally {
          await timed.close();
        }
      });
    });
  });
}
