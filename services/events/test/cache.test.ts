import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisCache, type Cache } from '@ticketing/cache';
import { testInfra, uniqueId } from '@ticketing/testing';
import { createEvent, expireAndSweep, expireHold, startEvents, type EventsServer } from './helpers.ts';

describe('Redis caching', () => {
  let server: EventsServer;
  let redis: Cache;
  const prefix = `${uniqueId('cache')}:`;

  before(async () => {
    server = await startEvents({ redis: { keyPrefix: prefix } });
    redis = createRedisCache(testInfra.redisUrl, { keyPrefix: prefix });
  });
  after(async () => {
    await server.close();
    await redis.close();
  });

  const available = async (eventId: string) => (await server.api('GET', `/api/events/${eventId}`)).body.available_seats as number;

  it('serves event details and counts from Redis, and invalidates the counts on every seat change', async () => {
    const owner = server.user();
    const event = await createEvent(server.api, owner.token);
    const id = event.event_id;
    assert.equal(await available(id), 100);
    assert.ok(await redis.get(`events:event:${id}:0`), 'event fields are cached under their details version');

    // A change made behind the service's back is not seen while the cached counts are valid…
    await server.sql.query(
      `INSERT INTO holds (id, event_id, user_id, seat_nos, seat_labels, seat_count, total_price, status, expires_at)
       VALUES (gen_random_uuid(), $1, gen_random_uuid(), '{}', '{}', 10, 0, 'confirmed', now())`,
      [id],
    );
    assert.equal(await available(id), 100);

    // …and every change made through it is seen at once.
    const hold = await server.api('POST', `/api/events/${id}/hold`, { token: owner.token, body: { seat_numbers: ['A1', 'A2'] } });
    assert.equal(await available(id), 88);
    assert.equal(await available(id), 88);
    await server.api('DELETE', `/api/events/holds/${hold.body.hold_id}`, { token: owner.token });
    assert.equal(await available(id), 90);

    const second = await server.api('POST', `/api/events/${id}/hold`, { token: owner.token, body: { seat_numbers: ['B1'] } });
    assert.equal(await available(id), 89);
    const bookingId = crypto.randomUUID();
    const internal = { token: server.internalToken };
    await server.api('POST', `/internal/holds/${second.body.hold_id}/lock`, {
      ...internal,
      body: { user_id: owner.userId, booking_id: bookingId },
    });
    await server.api('POST', `/internal/holds/${second.body.hold_id}/confirm`, { ...internal, body: { booking_id: bookingId } });
    assert.equal(await available(id), 89);
    const map = await server.api('GET', `/api/events/${id}/seats`);
    assert.equal(map.body.rows[1].seats[0].status, 'booked');

    const third = await server.api('POST', `/api/events/${id}/hold`, { token: owner.token, body: { seat_numbers: ['C1', 'C2', 'C3'] } });
    assert.equal(await available(id), 86);
    assert.equal((await server.api('GET', `/api/events/${id}/seats`)).body.rows[2].seats[0].status, 'held');
    await expireAndSweep(server, third.body.hold_id);
    assert.equal(await available(id), 89);
    assert.equal((await server.api('GET', `/api/events/${id}/seats`)).body.rows[2].seats[0].status, 'available');
  });

  it('never serves cached counts past the first hold expiry they include', async () => {
    const owner = server.user();
    const event = await createEvent(server.api, owner.token);
    const hold = await server.api('POST', `/api/events/${event.event_id}/hold`, { token: owner.token, body: { seat_numbers: ['A1'] } });
    assert.equal(await available(event.event_id), 99);
    // Pretend the cached value was read just before the hold's expiry, which has now passed.
    const version = (await redis.get(`events:ver:${event.event_id}`)) ?? '0';
    const key = `events:counts:${event.event_id}:${version}`;
    const cached = JSON.parse((await redis.get(key))!);
    assert.equal(cached.validUntil, Date.parse(hold.body.expires_at));
    await redis.set(key, JSON.stringify({ ...cached, validUntil: Date.now() - 1 }), 60);
    await expireHold(server.sql, hold.body.hold_id);
    assert.equal(await available(event.event_id), 100);
  });

  it('caches list pages and shows new events at once', async () => {
    const category = uniqueId('cat');
    const owner = server.user();
    await createEvent(server.api, owner.token, { category });
    const first = await server.api('GET', `/api/events?category=${category}`);
    assert.equal(first.body.pagination.total, 1);
    await createEvent(server.api, owner.token, { category });
    const second = await server.api('GET', `/api/events?category=${category}`);
    assert.equal(second.body.pagination.total, 2);
    // Counts in list pages are live too.
    await server.api('POST', `/api/events/${second.body.events[0].event_id}/hold`, { token: owner.token, body: { seat_numbers: ['A1'] } });
    const third = await server.api('GET', `/api/events?category=${category}`);
    assert.equal(third.body.events[0].available_seats, 99);
  });
});

describe('without Redis', () => {
  it('keeps working from PostgreSQL, degraded, when Redis is unreachable from the start', async () => {
    const server = await startEvents({ redis: { url: 'redis://127.0.0.1:1' } });
    try {
      const health = await server.api('GET', '/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'degraded');
      assert.deepEqual(health.body.checks, { postgres: 'up', redis: 'down' });
      const owner = server.user();
      const event = await createEvent(server.api, owner.token);
      const hold = await server.api('POST', `/api/events/${event.event_id}/hold`, { token: owner.token, body: { seat_numbers: ['A1'] } });
      assert.equal(hold.status, 201, hold.text);
      const taken = await server.api('POST', `/api/events/${event.event_id}/hold`, {
        token: server.user().token,
        body: { seat_numbers: ['A1'] },
      });
      assert.equal(taken.status, 409);
      assert.equal((await server.api('GET', `/api/events/${event.event_id}`)).body.available_seats, 99);
      assert.equal((await server.api('GET', `/api/events?name=${encodeURIComponent(event.name as string)}`)).body.events.length, 1);
      assert.equal((await server.api('GET', `/api/events/${event.event_id}/seats`)).body.rows[0].seats[0].status, 'held');
      assert.equal((await server.api('DELETE', `/api/events/holds/${hold.body.hold_id}`, { token: owner.token })).status, 200);
      assert.equal((await server.api('GET', `/api/events/${event.event_id}`)).body.available_seats, 100);
    } finally {
      await server.close();
    }
  });

  it('keeps holding seats correctly when Redis goes away mid-run', async () => {
    const cache = createRedisCache(testInfra.redisUrl, { keyPrefix: `${uniqueId('gone')}:` });
    const server = await startEvents({}, { cache });
    try {
      const owner = server.user();
      const event = await createEvent(server.api, owner.token);
      const first = await server.api('POST', `/api/events/${event.event_id}/hold`, { token: owner.token, body: { seat_numbers: ['A1'] } });
      assert.equal(first.status, 201);
      assert.equal((await server.api('GET', `/api/events/${event.event_id}`)).body.available_seats, 99);
      assert.equal((await server.api('GET', '/health')).body.status, 'healthy');

      await cache.close();

      assert.equal((await server.api('GET', '/health')).body.status, 'degraded');
      const buyer = server.user();
      const results = await Promise.all(
        ['A1', 'A2', 'A2', 'A3'].map((seat) =>
          server.api('POST', `/api/events/${event.event_id}/hold`, { token: server.user().token, body: { seat_numbers: [seat] } }),
        ),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 201, 409, 409]);
      const mine = await server.api('POST', `/api/events/${event.event_id}/hold`, {
        token: buyer.token,
        body: { seat_numbers: ['B1', 'B2'] },
      });
      assert.equal(mine.status, 201);
      assert.equal((await server.api('GET', `/api/events/${event.event_id}`)).body.available_seats, 95);
      assert.equal((await server.api('DELETE', `/api/events/holds/${mine.body.hold_id}`, { token: buyer.token })).status, 200);
      assert.equal((await server.api('GET', `/api/events/${event.event_id}`)).body.available_seats, 97);
      const { rows } = await server.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM seats WHERE event_id = $1 AND status = 'held'`,
        [event.event_id],
      );
      assert.equal(rows[0]!.n, 3);
    } finally {
      await server.close();
    }
  });
});
