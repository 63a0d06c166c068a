// The virtual waiting room over real HTTP, against the real PostgreSQL and Redis (and the
// embedded adapters, PGlite and the in-memory queue): admission order, the hold gate, one entry
// per account, the live place stream, and who may run the room.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueId } from '@ticketing/testing';
import { createAdmissionTokens } from '../src/waiting-room/admission-tokens.ts';
import { assertError, createEvent, openStream, PROFILES, startEvents, type EventsServer } from './helpers.ts';

const hourFromNow = () => new Date(Date.now() + 3_600_000).toISOString();
const FAST = { admit_per_minute: 60_000, token_ttl_seconds: 600, grace_seconds: 3600 };

/** Spearman's rank correlation of two permutations of the same length. */
function spearman(a: number[], b: number[]): number {
  const n = a.length;
  const d2 = a.reduce((sum, x, i) => sum + (x - b[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

for (const profile of PROFILES) {
  describe(`waiting room (${profile})`, () => {
    let server: EventsServer;
    before(async () => {
      server = await startEvents(
        { redis: { keyPrefix: `${uniqueId('wr')}:` }, waitingRoom: { admitIntervalMs: 50, streamIntervalMs: 100, settingsCacheMs: 0 } },
        {},
        profile,
      );
    });
    after(async () => server.close());

    async function eventWithRoom(opensAt: string, overrides: Record<string, unknown> = {}) {
      const organizer = server.user();
      const event = await createEvent(server.api, organizer.token, { total_seats: 100, seats_per_row: 10 });
      const res = await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, {
        token: organizer.token,
        body: { enabled: true, opens_at: opensAt, ...FAST, ...overrides },
      });
      assert.equal(res.status, 200, res.text);
      return { event, organizer };
    }

    async function openNow(eventId: string, token: string) {
      const res = await server.api('PUT', `/api/events/${eventId}/waiting-room`, {
        token,
        body: { enabled: true, opens_at: new Date().toISOString(), ...FAST },
      });
      assert.equal(res.status, 200, res.text);
    }

    async function admitted(eventId: string, token: string) {
      for (let i = 0; i < 200; i++) {
        const res = await server.api('GET', `/api/events/${eventId}/queue/me`, { token });
        assert.equal(res.status, 200, res.text);
        if (res.body.status === 'admitted') return res.body;
        await sleep(50);
      }
      throw new Error('not admitted in time');
    }

    it('admits buyers present before T in a random order, and later arrivals in arrival order behind them', async () => {
      const { event, organizer } = await eventWithRoom(hourFromNow());
      const early = Array.from({ length: 40 }, () => server.user());
      for (const b of early)
        assert.equal((await server.api('POST', `/api/events/${event.event_id}/queue`, { token: b.token })).status, 201);
      await openNow(event.event_id, organizer.token);
      const late = Array.from({ length: 15 }, () => server.user());
      for (const b of late) assert.equal((await server.api('POST', `/api/events/${event.event_id}/queue`, { token: b.token })).status, 201);

      const earlyNos: number[] = [];
      for (const b of early) earlyNos.push((await admitted(event.event_id, b.token)).admission_number);
      const lateNos: number[] = [];
      for (const b of late) lateNos.push((await admitted(event.event_id, b.token)).admission_number);

      // Everyone present before T goes first, as a permutation of 1..40…
      assert.deepEqual(
        [...earlyNos].sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      // …that is neither arrival order nor sorted by account id, nor close to either (|rho| < 0.6
      // fails a uniformly random order with a probability of about 2e-4).
      const arrival = early.map((_, i) => i + 1);
      assert.notDeepEqual(earlyNos, arrival);
      const byId = [...early].sort((a, b) => a.userId.localeCompare(b.userId)).map((b) => earlyNos[early.indexOf(b)]!);
      assert.notDeepEqual(byId, arrival);
      assert.ok(Math.abs(spearman(earlyNos, arrival)) < 0.6, `rank correlation with arrival ${spearman(earlyNos, arrival)}`);
      assert.ok(Math.abs(spearman(byId, arrival)) < 0.6, `rank correlation with account id ${spearman(byId, arrival)}`);
      // After T: exactly arrival order.
      assert.deepEqual(
        lateNos,
        Array.from({ length: 15 }, (_, i) => 41 + i),
      );
    });

    it('refuses a hold without a valid admission token of the same account and event, and a replayed one', async () => {
      const { event, organizer } = await eventWithRoom(new Date().toISOString());
      const buyer = server.user();
      const other = server.user();
      const url = `/api/events/${event.event_id}/hold`;
      const body = { seat_numbers: ['A1'] };
      assert.equal((await server.api('POST', `/api/events/${event.event_id}/queue`, { token: buyer.token })).status, 201);
      const { admission_token: token } = await admitted(event.event_id, buyer.token);
      assert.equal(typeof token, 'string');

      assertError(await server.api('POST', url, { token: buyer.token, body }), 403, 'admission_required');
      const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      assertError(
        await server.api('POST', url, { token: buyer.token, body, headers: { 'admission-token': forged } }),
        403,
        'admission_token_invalid',
      );
      assertError(
        await server.api('POST', url, { token: buyer.token, body, headers: { 'admission-token': 'not.a.token' } }),
        403,
        'admission_token_invalid',
      );
      assertError(
        await server.api('POST', url, { token: other.token, body, headers: { 'admission-token': token } }),
        403,
        'admission_token_wrong_account',
      );
      // A user token is not an admission token.
      assertError(
        await server.api('POST', url, { token: buyer.token, body, headers: { 'admission-token': buyer.token } }),
        403,
        'admission_token_invalid',
      );
      const tokens = createAdmissionTokens({ jwtSecret: server.config.jwt.secret, issuer: server.config.jwt.issuer });
      const stale = tokens.issue({
        userId: buyer.userId,
        eventId: event.event_id,
        entryId: crypto.randomUUID(),
        admittedAt: Date.now() - 700_000,
        ttlSeconds: 600,
      });
      assertError(
        await server.api('POST', url, { token: buyer.token, body, headers: { 'admission-token': stale.token } }),
        403,
        'admission_token_expired',
      );
      const { event: another } = await eventWithRoom(new Date().toISOString());
      assertError(
        await server.api('POST', `/api/events/${another.event_id}/hold`, {
          token: buyer.token,
          body,
          headers: { 'admission-token': token },
        }),
        403,
        'admission_token_invalid',
      );
      // Signed correctly but for an admission the queue never made.
      const unknown = tokens.issue({
        userId: buyer.userId,
        eventId: event.event_id,
        entryId: crypto.randomUUID(),
        admittedAt: Date.now(),
        ttlSeconds: 600,
      });
      assertError(
        await server.api('POST', url, { token: buyer.token, body, headers: { 'admission-token': unknown.token } }),
        403,
        'admission_token_invalid',
      );

      // A hold that fails does not spend the token; the one that succeeds does.
      const bad = await server.api('POST', url, {
        token: buyer.token,
        body: { seat_numbers: ['Z99'] },
        headers: { 'admission-token': token },
      });
      assertError(bad, 400, 'invalid_seats');
      const held = await server.api('POST', url, { token: buyer.token, body, headers: { 'admission-token': token } });
      assert.equal(held.status, 201, held.text);
      assertError(
        await server.api('POST', url, { token: buyer.token, body: { seat_numbers: ['A2'] }, headers: { 'admission-token': token } }),
        409,
        'admission_token_used',
      );
      assert.equal((await server.api('GET', `/api/events/${event.event_id}/queue/me`, { token: buyer.token })).body.status, 'used');

      // The database agrees: one hold on the event, the admitted buyer's.
      const { rows } = await server.sql.query<{ user_id: string }>('SELECT user_id FROM holds WHERE event_id = $1', [event.event_id]);
      assert.deepEqual(
        rows.map((r) => r.user_id),
        [buyer.userId],
      );

      // Switched off: holds need no token any more.
      await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, {
        token: organizer.token,
        body: { enabled: false, opens_at: new Date().toISOString(), ...FAST },
      });
      assert.equal((await server.api('POST', url, { token: other.token, body: { seat_numbers: ['B1'] } })).status, 201);
    });

    it('answers a retried hold with the same Idempotency-Key with the same hold, after its admission token was spent', async () => {
      const { event } = await eventWithRoom(new Date().toISOString());
      const url = `/api/events/${event.event_id}/hold`;
      const buyer = server.user();
      assert.equal((await server.api('POST', `/api/events/${event.event_id}/queue`, { token: buyer.token })).status, 201);
      const { admission_token: token } = await admitted(event.event_id, buyer.token);
      const headers = { 'admission-token': token, 'idempotency-key': 'retry-1' };
      const first = await server.api('POST', url, { token: buyer.token, body: { quantity: 2 }, headers });
      assert.equal(first.status, 201, first.text);
      // The answer was lost: the buyer sends the same request again, with the spent token.
      const retry = await server.api('POST', url, { token: buyer.token, body: { quantity: 2 }, headers });
      assert.equal(retry.status, 201, retry.text);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(retry.body, first.body);
      // The same key with another body, and another key: the token stays spent.
      assertError(await server.api('POST', url, { token: buyer.token, body: { quantity: 3 }, headers }), 422, 'idempotency_key_mismatch');
      assertError(
        await server.api('POST', url, {
          token: buyer.token,
          body: { quantity: 2 },
          headers: { 'admission-token': token, 'idempotency-key': 'retry-2' },
        }),
        409,
        'admission_token_used',
      );
      assertError(
        await server.api('POST', url, { token: buyer.token, body: { quantity: 2 }, headers: { 'admission-token': token } }),
        409,
        'admission_token_used',
      );

      // Duplicates sent at once by another admitted buyer: one hold, the others get it again or wait (409).
      const second = server.user();
      assert.equal((await server.api('POST', `/api/events/${event.event_id}/queue`, { token: second.token })).status, 201);
      const { admission_token: token2 } = await admitted(event.event_id, second.token);
      const burst = await Promise.all(
        Array.from({ length: 6 }, () =>
          server.api('POST', url, {
            token: second.token,
            body: { quantity: 1 },
            headers: { 'admission-token': token2, 'idempotency-key': 'burst' },
          }),
        ),
      );
      const won = burst.filter((r) => r.status === 201);
      assert.ok(won.length >= 1, burst.map((r) => r.text).join('\n'));
      assert.equal(new Set(won.map((r) => r.body.hold_id)).size, 1);
      for (const r of burst.filter((x) => x.status !== 201)) {
        assert.equal(r.status, 409, r.text);
        assert.ok(['admission_token_used', 'idempotency_key_in_use'].includes(r.body.error), r.text);
      }

      // The database agrees: one hold per buyer.
      const { rows } = await server.sql.query<{ user_id: string; n: number }>(
        'SELECT user_id, count(*)::int AS n FROM holds WHERE event_id = $1 GROUP BY user_id ORDER BY user_id',
        [event.event_id],
      );
      assert.deepEqual(
        rows,
        [buyer.userId, second.userId].sort().map((user_id) => ({ user_id, n: 1 })),
      );
    });

    it('gives one place per account, however many tabs join at once', async () => {
      const { event, organizer } = await eventWithRoom(hourFromNow());
      const buyer = server.user();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => server.api('POST', `/api/events/${event.event_id}/queue`, { token: buyer.token })),
      );
      assert.equal(results.filter((r) => r.status === 201).length, 1);
      for (const r of results.filter((r) => r.status !== 201)) {
        assertError(r, 409, 'already_in_queue');
        assert.equal(r.body.details.place.position, 1);
      }
      const stats = await server.api('GET', `/api/events/${event.event_id}/waiting-room/stats`, { token: organizer.token });
      assert.equal(stats.status, 200, stats.text);
      assert.equal(stats.body.waiting, 1);
      assert.equal(stats.body.admitted_total, 0);
    });

    it('pushes the place live and the admission token when admitted, then closes', async () => {
      const { event, organizer } = await eventWithRoom(hourFromNow());
      const first = server.user();
      const buyer = server.user();
      await server.api('POST', `/api/events/${event.event_id}/queue`, { token: first.token });
      await server.api('POST', `/api/events/${event.event_id}/queue`, { token: buyer.token });
      const stream = await openStream(`${server.baseUrl}/api/events/${event.event_id}/queue/stream?access_token=${buyer.token}`);
      try {
        assert.equal(stream.res.status, 200);
        const waiting = await stream.next((f) => f.event === 'place');
        assert.equal(waiting.data.status, 'waiting');
        assert.ok(waiting.data.estimated_wait_seconds > 0);
        await openNow(event.event_id, organizer.token);
        const admittedFrame = await stream.next((f) => f.event === 'place' && f.data.status === 'admitted', 10_000);
        assert.equal(typeof admittedFrame.data.admission_token, 'string');
        const held = await server.api('POST', `/api/events/${event.event_id}/hold`, {
          token: buyer.token,
          body: { seat_numbers: ['C3'] },
          headers: { 'admission-token': admittedFrame.data.admission_token },
        });
        assert.equal(held.status, 201, held.text);
      } finally {
        await stream.close();
      }
      const stats = await server.api('GET', `/api/events/${event.event_id}/waiting-room/stats`, { token: organizer.token });
      assert.equal(stats.body.admitted_total, 2);
      assert.equal(stats.body.held_seats, 1);
    });

    it('shows a waiting buyer a new place at most every few seconds, and the admission at once', async () => {
      const { event, organizer } = await eventWithRoom(hourFromNow());
      const buyer = server.user();
      await server.api('POST', `/api/events/${event.event_id}/queue`, { token: buyer.token });
      const stream = await openStream(`${server.baseUrl}/api/events/${event.event_id}/queue/stream?access_token=${buyer.token}`);
      try {
        const first = await stream.next((f) => f.event === 'place');
        assert.equal(first.data.status, 'waiting');
        await sleep(300); // a few look-ups (every 100 ms here): the stream has been shown its place
        const shown = stream.frames.filter((f) => f.event === 'place').length;
        for (let i = 0; i < 3; i++) await server.api('POST', `/api/events/${event.event_id}/queue`, { token: server.user().token });
        // The count waiting and the estimate changed, but within streamRefreshMs (5 s) nothing is sent…
        await sleep(1500);
        assert.equal(stream.frames.filter((f) => f.event === 'place').length, shown, JSON.stringify(stream.frames));
        // …while the admission goes out at the next look-up.
        await openNow(event.event_id, organizer.token);
        const admittedFrame = await stream.next((f) => f.event === 'place' && f.data.status === 'admitted', 5000);
        assert.equal(typeof admittedFrame.data.admission_token, 'string');
      } finally {
        await stream.close();
      }
    });

    it('lets only the organizer run the room, and answers clearly where there is none', async () => {
      const { event, organizer } = await eventWithRoom(hourFromNow());
      const stranger = server.user();
      const body = { enabled: true, opens_at: hourFromNow(), ...FAST };
      // Another organization's event does not exist for a stranger (eventAccess: 404, not 403).
      assertError(
        await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, { token: stranger.token, body }),
        404,
        'event_not_found',
      );
      assertError(
        await server.api('GET', `/api/events/${event.event_id}/waiting-room/stats`, { token: stranger.token }),
        404,
        'event_not_found',
      );
      const admin = server.user('admin');
      assert.equal((await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, { token: admin.token, body })).status, 200);
      const room = await server.api('GET', `/api/events/${event.event_id}/waiting-room`);
      assert.equal(room.status, 200);
      assert.equal(room.body.enabled, true);
      assert.equal(room.body.admit_per_minute, 60_000);

      assertError(
        await server.api('GET', `/api/events/${event.event_id}/queue/me`, { token: stranger.token }),
        404,
        'queue_entry_not_found',
      );
      const plain = await createEvent(server.api, organizer.token);
      assertError(
        await server.api('POST', `/api/events/${plain.event_id}/queue`, { token: stranger.token }),
        409,
        'waiting_room_not_enabled',
      );
      assert.equal((await server.api('GET', `/api/events/${plain.event_id}/waiting-room`)).body.enabled, false);
      assertError(
        await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, {
          token: organizer.token,
          body: { ...body, opens_at: new Date(Date.now() + 400 * 86_400_000).toISOString() },
        }),
        400,
        'validation_failed',
      );
    });
  });
}
