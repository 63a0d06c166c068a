import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueInternalToken } from '@ticketing/auth';
import type { ApiRequest } from '@ticketing/testing';
import { assertError, createEvent, expireAndSweep, expireHold, PROFILES, startEvents, type EventsServer } from './helpers.ts';

let server: EventsServer;
let api: ApiRequest;
let sql: EventsServer['sql'];

for (const profile of PROFILES) {
  describe(`event service (${profile} adapters)`, () => {
    before(async () => {
      server = await startEvents({ lockedGraceSeconds: 0 }, {}, profile);
      sql = server.sql;
      api = server.api;
    });
    after(async () => server.close());

    const uuid = () => crypto.randomUUID();

    /** A buyer with an active hold on A1 and A2 of a fresh 100-seat event priced 25.50. */
    async function activeHold(seats = ['A1', 'A2']) {
      const owner = server.user();
      const event = await createEvent(api, owner.token, { price_per_seat: 25.5 });
      const buyer = server.user();
      const res = await api('POST', `/api/events/${event.event_id}/hold`, { token: buyer.token, body: { seat_numbers: seats } });
      assert.equal(res.status, 201, res.text);
      return { event, eventId: event.event_id, buyer, holdId: res.body.hold_id as string, expiresAt: res.body.expires_at as string };
    }

    const call = (method: string, path: string, body?: unknown) => api(method, path, { token: server.internalToken, body });
    const lock = (holdId: string, body: Record<string, unknown>) => call('POST', `/internal/holds/${holdId}/lock`, body);
    const confirm = (holdId: string, bookingId: string) => call('POST', `/internal/holds/${holdId}/confirm`, { booking_id: bookingId });
    const release = (holdId: string, body?: Record<string, unknown>) => call('POST', `/internal/holds/${holdId}/release`, body);

    async function seats(eventId: string, labels: string[]) {
      const { rows } = await sql.query<{ status: string; hold_id: string | null; hold_expires_at: Date | null }>(
        `SELECT status, hold_id, hold_expires_at FROM seats WHERE event_id = $1 AND label = ANY($2) ORDER BY seat_no`,
        [eventId, labels],
      );
      return rows;
    }

    describe('internal routes', () => {
      it('accept only internal tokens (user tokens, even an admin’s, get 401)', async () => {
        const { holdId, buyer } = await activeHold();
        const userSigned = issueInternalToken('bookings', {
          secret: server.config.jwt.secret,
          issuer: server.config.jwt.issuer,
          ttlSeconds: 60,
        });
        const expired = issueInternalToken('bookings', {
          secret: server.config.jwt.internalSecret,
          issuer: server.config.jwt.issuer,
          ttlSeconds: 60,
          now: Date.now() - 3_600_000,
        });
        const routes: [string, string, unknown][] = [
          ['GET', `/internal/holds/${holdId}`, undefined],
          ['POST', `/internal/holds/${holdId}/lock`, { user_id: buyer.userId, booking_id: uuid() }],
          ['POST', `/internal/holds/${holdId}/confirm`, { booking_id: uuid() }],
          ['POST', `/internal/holds/${holdId}/release`, {}],
        ];
        for (const [method, path, body] of routes) {
          for (const token of [buyer.token, server.user('admin').token, userSigned, expired, 'junk']) {
            assertError(await api(method, path, { token, body }), 401, 'invalid_token');
          }
          assertError(await api(method, path, { body }), 401, 'unauthorized');
          // Authentication comes first: even a bad body from a user is a 401.
          if (method === 'POST')
            assertError(await api(method, path, { token: buyer.token, body: { nonsense: true } }), 401, 'invalid_token');
        }
        assert.equal((await call('GET', `/internal/holds/${holdId}`)).body.status, 'active');
      });
    });

    describe('GET /internal/holds/:holdId', () => {
      it('returns the hold with its booking id', async () => {
        const { holdId, buyer, event, expiresAt } = await activeHold();
        const res = await call('GET', `/internal/holds/${holdId}`);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, {
          hold_id: holdId,
          user_id: buyer.userId,
          event_id: event.event_id,
          event_name: event.name,
          venue: event.venue,
          event_date: event.event_date,
          seats: ['A1', 'A2'],
          total_price: 51,
          currency: 'USD',
          expires_at: expiresAt,
          status: 'active',
          booking_id: null,
        });
      });

      it('answers unknown and malformed ids with 404 hold_not_found', async () => {
        assertError(await call('GET', `/internal/holds/${uuid()}`), 404, 'hold_not_found');
        assertError(await call('GET', '/internal/holds/nope'), 404, 'hold_not_found');
        assertError(await lock('nope', { user_id: uuid(), booking_id: uuid() }), 404, 'hold_not_found');
        assertError(await confirm(uuid(), uuid()), 404, 'hold_not_found');
        assertError(await release(uuid(), {}), 404, 'hold_not_found');
      });
    });

    describe('POST /internal/holds/:holdId/lock', () => {
      it('locks the hold for the payment window and moves its seats’ expiry with it', async () => {
        const { holdId, buyer, eventId } = await activeHold();
        const bookingId = uuid();
        const before = Date.now();
        const res = await lock(holdId, { user_id: buyer.userId, booking_id: bookingId });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, 'locked');
        assert.equal(res.body.booking_id, bookingId);
        const window = Date.parse(res.body.expires_at) - before;
        assert.ok(window > 590_000 && window < 610_000, `locked for ${window} ms`);
        for (const s of await seats(eventId, ['A1', 'A2'])) assert.equal(s.hold_expires_at?.toISOString(), res.body.expires_at);
        // The user now sees it as locked.
        assert.equal((await api('GET', `/api/events/holds/${holdId}`, { token: buyer.token })).body.status, 'locked');
      });

      it('honours lock_seconds and is idempotent for the same booking', async () => {
        const { holdId, buyer } = await activeHold();
        const bookingId = uuid();
        const first = await lock(holdId, { user_id: buyer.userId, booking_id: bookingId, lock_seconds: 120 });
        const window = Date.parse(first.body.expires_at) - Date.now();
        assert.ok(window > 110_000 && window <= 121_000, `locked for ${window} ms`);
        const again = await lock(holdId, { user_id: buyer.userId, booking_id: bookingId, lock_seconds: 900 });
        assert.equal(again.status, 200);
        assert.deepEqual(again.body, first.body);
      });

      it('refuses another booking, another user, and ended holds', async () => {
        const { holdId, buyer } = await activeHold();
        assertError(await lock(holdId, { user_id: uuid(), booking_id: uuid() }), 404, 'hold_not_found');
        assert.equal((await lock(holdId, { user_id: buyer.userId, booking_id: uuid() })).status, 200);
        assertError(await lock(holdId, { user_id: buyer.userId, booking_id: uuid() }), 409, 'hold_not_active');

        const released = await activeHold();
        assert.equal((await release(released.holdId, {})).status, 200);
        assertError(await lock(released.holdId, { user_id: released.buyer.userId, booking_id: uuid() }), 409, 'hold_not_active');

        const stale = await activeHold();
        await expireHold(sql, stale.holdId, [server], 365 * 86400);
        assertError(await lock(stale.holdId, { user_id: stale.buyer.userId, booking_id: uuid() }), 409, 'hold_expired');
        await server.deps.sweeper.sweepOnce(1);
        assertError(await lock(stale.holdId, { user_id: stale.buyer.userId, booking_id: uuid() }), 409, 'hold_expired');
      });

      it('locks only for the hold’s total when the booking’s amount is given, and not after the lock ran out', async () => {
        const { holdId, buyer, eventId } = await activeHold();
        const bookingId = uuid();
        const wrong = await lock(holdId, { user_id: buyer.userId, booking_id: bookingId, total_price: 50 });
        assertError(wrong, 409, 'amount_mismatch');
        assert.equal(wrong.body.details.expected, 51);
        assert.match(wrong.body.message, /51\.00/);
        // Nothing was locked: the hold and its seats are as they were.
        assert.equal((await call('GET', `/internal/holds/${holdId}`)).body.status, 'active');
        for (const s of await seats(eventId, ['A1', 'A2'])) assert.equal(s.status, 'held');
        const right = await lock(holdId, { user_id: buyer.userId, booking_id: bookingId, total_price: 51 });
        assert.equal(right.status, 200, right.text);
        assert.equal(right.body.status, 'locked');
        // A repeat with a wrong amount is refused too; with the right one it is the same lock.
        assertError(await lock(holdId, { user_id: buyer.userId, booking_id: bookingId, total_price: 51.01 }), 409, 'amount_mismatch');
        assert.deepEqual((await lock(holdId, { user_id: buyer.userId, booking_id: bookingId, total_price: 51 })).body, right.body);
        // Once the lock has run out, a repeat by the same booking is told so.
        await expireHold(sql, holdId, [server], 60);
        assertError(await lock(holdId, { user_id: buyer.userId, booking_id: bookingId, total_price: 51 }), 409, 'hold_expired');
      });

      it('validates its body', async () => {
        const { holdId, buyer } = await activeHold();
        assertError(await lock(holdId, { user_id: buyer.userId }), 400, 'validation_failed');
        assertError(await lock(holdId, { user_id: 'me', booking_id: uuid() }), 400, 'validation_failed');
        assertError(await lock(holdId, { user_id: buyer.userId, booking_id: uuid(), lock_seconds: 0 }), 400, 'validation_failed');
        assertError(await lock(holdId, { user_id: buyer.userId, booking_id: uuid(), lock_seconds: '60' }), 400, 'validation_failed');
        assertError(await lock(holdId, { user_id: buyer.userId, booking_id: uuid(), total_price: -1 }), 400, 'validation_failed');
        assertError(await lock(holdId, { user_id: buyer.userId, booking_id: uuid(), total_price: '51' }), 400, 'validation_failed');
        assertError(
          await api('POST', `/internal/holds/${holdId}/lock`, { token: server.internalToken, rawBody: '{bad' }),
          400,
          'invalid_json',
        );
      });
    });

    describe('POST /internal/holds/:holdId/confirm', () => {
      it('books the seats of a hold locked by this booking, once', async () => {
        const { holdId, buyer, eventId } = await activeHold();
        const bookingId = uuid();
        await lock(holdId, { user_id: buyer.userId, booking_id: bookingId });
        const res = await confirm(holdId, bookingId);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, 'confirmed');
        assert.equal(res.body.booking_id, bookingId);
        assert.deepEqual(
          (await seats(eventId, ['A1', 'A2'])).map((s) => s.status),
          ['booked', 'booked'],
        );
        assert.equal((await api('GET', `/api/events/${eventId}`)).body.available_seats, 98);
        const map = await api('GET', `/api/events/${eventId}/seats`);
        assert.deepEqual(
          map.body.rows[0].seats.slice(0, 3).map((s: { status: string }) => s.status),
          ['booked', 'booked', 'available'],
        );
        const again = await confirm(holdId, bookingId);
        assert.equal(again.status, 200);
        assert.deepEqual(again.body, res.body);
        // Booked seats are counted from the confirmed holds (no counter on the event row).
        const { rows } = await sql.query<{ booked: number }>(
          `SELECT sum(seat_count)::int AS booked FROM holds WHERE event_id = $1 AND status = 'confirmed'`,
          [eventId],
        );
        assert.equal(rows[0]!.booked, 2);
        // Booked seats stay booked: nobody can hold them.
        assertError(
          await api('POST', `/api/events/${eventId}/hold`, { token: server.user().token, body: { seat_numbers: ['A2'] } }),
          409,
          'seats_unavailable',
        );
        assertError(await confirm(holdId, uuid()), 409, 'hold_not_active');
        assertError(await release(holdId, { booking_id: bookingId }), 409, 'hold_not_active');
      });

      it('refuses a hold that is not locked by this booking', async () => {
        const { holdId, buyer } = await activeHold();
        assertError(await confirm(holdId, uuid()), 409, 'hold_not_active');
        await lock(holdId, { user_id: buyer.userId, booking_id: uuid() });
        assertError(await confirm(holdId, uuid()), 409, 'hold_not_active');
        const released = await activeHold();
        await release(released.holdId, {});
        assertError(await confirm(released.holdId, uuid()), 409, 'hold_not_active');
        assertError(await call('POST', `/internal/holds/${holdId}/confirm`, { booking_id: 'x' }), 400, 'validation_failed');
      });

      it('confirms a locked hold slightly past its expiry while its seats are untouched', async () => {
        const { holdId, buyer, eventId } = await activeHold();
        const bookingId = uuid();
        await lock(holdId, { user_id: buyer.userId, booking_id: bookingId });
        await expireHold(sql, holdId, [server], 1);
        assert.equal((await call('GET', `/internal/holds/${holdId}`)).body.status, 'expired');
        const res = await confirm(holdId, bookingId);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, 'confirmed');
        assert.deepEqual(
          (await seats(eventId, ['A1', 'A2'])).map((s) => s.status),
          ['booked', 'booked'],
        );
      });

      it('answers seats_unavailable and changes nothing when a seat was taken after the expiry', async () => {
        const { holdId, buyer, eventId } = await activeHold();
        const bookingId = uuid();
        await lock(holdId, { user_id: buyer.userId, booking_id: bookingId });
        await expireHold(sql, holdId, [server]);
        const other = await api('POST', `/api/events/${eventId}/hold`, { token: server.user().token, body: { seat_numbers: ['A2'] } });
        assert.equal(other.status, 201);
        assertError(await confirm(holdId, bookingId), 409, 'seats_unavailable');
        const after = await seats(eventId, ['A1', 'A2']);
        assert.deepEqual(
          after.map((s) => [s.status, s.hold_id]),
          [
            ['held', holdId],
            ['held', other.body.hold_id],
          ],
        );
        assert.equal((await call('GET', `/internal/holds/${holdId}`)).body.status, 'expired');
      });

      it('still books a swept hold of this booking when its seats are free', async () => {
        const { holdId, buyer, eventId } = await activeHold();
        const bookingId = uuid();
        await lock(holdId, { user_id: buyer.userId, booking_id: bookingId });
        await expireAndSweep(server, holdId);
        assert.deepEqual(
          (await seats(eventId, ['A1', 'A2'])).map((s) => s.status),
          ['available', 'available'],
        );
        const res = await confirm(holdId, bookingId);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, 'confirmed');
        assert.deepEqual(
          (await seats(eventId, ['A1', 'A2'])).map((s) => [s.status, s.hold_id]),
          [
            ['booked', holdId],
            ['booked', holdId],
          ],
        );
      });
    });

    describe('POST /internal/holds/:holdId/release', () => {
      it('releases an active hold (with or without a body) and frees its seats', async () => {
        const { holdId, eventId } = await activeHold();
        const res = await api('POST', `/internal/holds/${holdId}/release`, { token: server.internalToken });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, 'released');
        assert.deepEqual(
          (await seats(eventId, ['A1', 'A2'])).map((s) => [s.status, s.hold_id]),
          [
            ['available', null],
            ['available', null],
          ],
        );
        const again = await release(holdId, { reason: 'payment failed' });
        assert.equal(again.status, 200);
        assert.deepEqual(again.body, res.body);
      });

      it('releases a hold locked by this booking, and refuses another booking', async () => {
        const { holdId, buyer, eventId } = await activeHold();
        const bookingId = uuid();
        await lock(holdId, { user_id: buyer.userId, booking_id: bookingId });
        assertError(await release(holdId, { booking_id: uuid() }), 409, 'hold_not_active');
        assertError(await release(holdId, {}), 409, 'hold_not_active');
        const res = await release(holdId, { booking_id: bookingId, reason: 'card_declined' });
        assert.equal(res.status, 200);
        assert.equal(res.body.status, 'released');
        assert.deepEqual(
          (await seats(eventId, ['A1', 'A2'])).map((s) => s.status),
          ['available', 'available'],
        );
        assertError(await confirm(holdId, bookingId), 409, 'hold_not_active');
      });

      it('releases a hold locked by this booking even past its expiry, so a late confirm is refused', async () => {
        const { holdId, buyer, eventId } = await activeHold();
        const bookingId = uuid();
        await lock(holdId, { user_id: buyer.userId, booking_id: bookingId });
        await expireHold(sql, holdId, [server]);
        // Someone takes A2 after the expiry; A1 is still the hold's own.
        const other = await api('POST', `/api/events/${eventId}/hold`, { token: server.user().token, body: { seat_numbers: ['A2'] } });
        assert.equal(other.status, 201);
        const res = await release(holdId, { booking_id: bookingId, reason: 'settled as failed' });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.status, 'released');
        assertError(await confirm(holdId, bookingId), 409, 'hold_not_active');
        assert.deepEqual(
          (await seats(eventId, ['A1', 'A2'])).map((s) => [s.status, s.hold_id]),
          [
            ['available', null],
            ['held', other.body.hold_id],
          ],
        );
      });

      it('changes nothing when releasing a stale hold whose seat someone else now holds', async () => {
        const { holdId, eventId } = await activeHold();
        await expireHold(sql, holdId, [server]);
        const other = await api('POST', `/api/events/${eventId}/hold`, { token: server.user().token, body: { seat_numbers: ['A1'] } });
        assert.equal(other.status, 201);
        const res = await release(holdId, {});
        assert.equal(res.status, 200);
        assert.equal(res.body.status, 'expired');
        assert.deepEqual(
          (await seats(eventId, ['A1'])).map((s) => [s.status, s.hold_id]),
          [['held', other.body.hold_id]],
        );
        // Not released (a sweeper running alongside may have marked it expired).
        const { rows } = await sql.query<{ status: string }>(`SELECT status FROM holds WHERE id = $1`, [holdId]);
        assert.ok(['active', 'expired'].includes(rows[0]!.status), rows[0]!.status);
      });

      it('validates its body', async () => {
        const { holdId } = await activeHold();
        assertError(await release(holdId, { booking_id: 42 }), 400, 'validation_failed');
        assertError(await release(holdId, { reason: 'x'.repeat(501) }), 400, 'validation_failed');
      });
    });
  });
}
