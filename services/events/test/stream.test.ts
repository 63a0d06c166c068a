import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisCache } from '@ticketing/cache';
import { readSse, testInfra, uniqueId } from '@ticketing/testing';
import { assertError, createEvent, expireAndSweep, openStream, startEvents, type EventsServer, type SseFrame } from './helpers.ts';

const seatsFrame = (change: string) => (f: SseFrame) => f.event === 'seats' && f.data?.change === change;

describe('GET /api/events/:id/seats/stream', () => {
  let server: EventsServer;
  before(async () => {
    server = await startEvents({ sseHeartbeatMs: 200, redis: { keyPrefix: `${uniqueId('sse')}:` } });
  });
  after(async () => server.close());

  it('streams a snapshot, then every seat status change with an id', async () => {
    const owner = server.user();
    const event = await createEvent(server.api, owner.token);
    const url = `${server.baseUrl}/api/events/${event.event_id}/seats/stream`;
    const stream = await openStream(url);
    try {
      assert.equal(stream.res.status, 200);
      assert.match(stream.res.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(stream.res.headers.get('cache-control'), 'no-cache, no-transform');
      const snapshot = await stream.next((f) => f.event === 'snapshot');
      assert.ok(snapshot.id);
      assert.deepEqual(snapshot.data, { event_id: event.event_id, total_seats: 100, available_seats: 100, held_seats: 0, booked_seats: 0 });

      const buyer = server.user();
      const hold = await server.api('POST', `/api/events/${event.event_id}/hold`, {
        token: buyer.token,
        body: { seat_numbers: ['B1', 'B2'] },
      });
      const held = await stream.next(seatsFrame('held'));
      assert.ok(held.id);
      assert.deepEqual(
        { ...held.data, at: undefined },
        { event_id: event.event_id, change: 'held', status: 'held', seats: ['B1', 'B2'], at: undefined },
      );
      assert.ok(!('user_id' in held.data) && !('hold_id' in held.data), 'no private data on the public stream');

      await server.api('DELETE', `/api/events/holds/${hold.body.hold_id}`, { token: buyer.token });
      const released = await stream.next(seatsFrame('released'));
      assert.equal(released.data.status, 'available');
      assert.deepEqual(released.data.seats, ['B1', 'B2']);

      const second = await server.api('POST', `/api/events/${event.event_id}/hold`, { token: buyer.token, body: { seat_numbers: ['C1'] } });
      const bookingId = crypto.randomUUID();
      const internal = { token: server.internalToken };
      await server.api('POST', `/internal/holds/${second.body.hold_id}/lock`, {
        ...internal,
        body: { user_id: buyer.userId, booking_id: bookingId },
      });
      await server.api('POST', `/internal/holds/${second.body.hold_id}/confirm`, { ...internal, body: { booking_id: bookingId } });
      const booked = await stream.next(seatsFrame('booked'));
      assert.deepEqual([booked.data.status, booked.data.seats], ['booked', ['C1']]);

      const third = await server.api('POST', `/api/events/${event.event_id}/hold`, { token: buyer.token, body: { seat_numbers: ['D4'] } });
      // Announced by the server whose sweeper expired the hold (another test file's may have).
      if (await expireAndSweep(server, third.body.hold_id)) {
        const expired = await stream.next(seatsFrame('expired'));
        assert.deepEqual([expired.data.status, expired.data.seats], ['available', ['D4']]);
      }

      const ids = stream.frames.filter((f) => f.event).map((f) => f.id);
      assert.equal(new Set(ids).size, ids.length, 'ids are unique');
      await stream.next((f) => f.comment === 'heartbeat');
    } finally {
      await stream.close();
    }
  });

  it('shares one subscription per event among its clients, and drops it when they leave', async () => {
    const owner = server.user();
    const event = await createEvent(server.api, owner.token);
    const url = `${server.baseUrl}/api/events/${event.event_id}/seats/stream`;
    const before = server.deps.hub.subscribedEvents();
    const a = await openStream(url);
    const b = await openStream(url);
    const c = await openStream(url);
    await Promise.all([a, b, c].map((s) => s.next((f) => f.event === 'snapshot')));
    assert.equal(server.deps.hub.subscribedEvents(), before + 1);
    await server.api('POST', `/api/events/${event.event_id}/hold`, { token: owner.token, body: { seat_numbers: ['A1'] } });
    for (const s of [a, b, c]) assert.deepEqual((await s.next(seatsFrame('held'))).data.seats, ['A1']);
    await Promise.all([a, b, c].map((s) => s.close()));
    for (let i = 0; i < 50 && server.deps.hub.subscribedEvents() !== before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.deps.hub.subscribedEvents(), before);
  });

  it('reaches clients of another instance through Redis pub/sub', async () => {
    const other = await startEvents({ redis: { keyPrefix: server.config.redis.keyPrefix } });
    try {
      const owner = server.user();
      const event = await createEvent(server.api, owner.token);
      const stream = await openStream(`${other.baseUrl}/api/events/${event.event_id}/seats/stream`);
      try {
        await stream.next((f) => f.event === 'snapshot');
        await server.api('POST', `/api/events/${event.event_id}/hold`, { token: owner.token, body: { seat_numbers: ['E5'] } });
        assert.deepEqual((await stream.next(seatsFrame('held'))).data.seats, ['E5']);
      } finally {
        await stream.close();
      }
    } finally {
      await other.close();
    }
  });

  it('lets a client that reconnects (Last-Event-ID) miss no change: it reads the map again on the snapshot', async () => {
    const owner = server.user();
    const buyer = server.user();
    const event = await createEvent(server.api, owner.token);
    const path = `/api/events/${event.event_id}`;
    // A buyer of their own for each hold (a buyer may hold only a few times per event).
    const hold = async (seats: string[], by = server.user()) => {
      const res = await server.api('POST', `${path}/hold`, { token: by.token, body: { seat_numbers: seats } });
      assert.equal(res.status, 201, res.text);
      return res.body.hold_id as string;
    };
    const truth = async () => {
      const res = await server.api('GET', `${path}/seats`);
      const rows = res.body.rows as { seats: { seat_number: string; status: string }[] }[];
      return new Map(rows.flatMap((r) => r.seats.map((x) => [x.seat_number, x.status] as const)));
    };

    // The web app's client (apps/web/src/lib/seats/use-live-seats.ts): on every snapshot it reads
    // the map again, and applies over it the changes that arrived on this connection meanwhile.
    const map = new Map<string, string>();
    let pending: { seats: string[]; status: string }[] | null = null;
    let lastId: string | undefined;
    let firstFrames: string[] = [];
    const loads: Promise<void>[] = [];
    const load = async () => {
      pending = [];
      const fresh = await truth();
      for (const c of pending) for (const seat of c.seats) fresh.set(seat, c.status);
      pending = null;
      map.clear();
      for (const [seat, status] of fresh) map.set(seat, status);
    };
    const connect = async () => {
      const controller = new AbortController();
      const res = await fetch(`${server.baseUrl}${path}/seats/stream`, {
        signal: controller.signal,
        headers: lastId ? { 'last-event-id': lastId } : {},
      });
      assert.equal(res.status, 200);
      firstFrames = [];
      const reading = readSse(res.body!, (block) => {
        if (block.event) firstFrames.push(block.event);
        if (block.id) lastId = block.id;
        if (block.event === 'snapshot') loads.push(load());
        if (block.event === 'seats') {
          const change = JSON.parse(block.data!) as { seats: string[]; status: string };
          pending?.push(change);
          for (const seat of change.seats) map.set(seat, change.status);
        }
      });
      return async () => {
        controller.abort();
        await reading;
      };
    };
    const until = async (what: string, pred: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await pred())) {
        assert.ok(Date.now() < deadline, `${what}: ${JSON.stringify([...map].filter(([, s]) => s !== 'available'))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const sameAsTruth = async () => {
      await Promise.all(loads);
      const now = await truth();
      return now.size === map.size && [...now].every(([seat, status]) => map.get(seat) === status);
    };

    let disconnect = await connect();
    const first = await hold(['A1'], buyer);
    await until('A1 held on the live map', () => map.get('A1') === 'held');
    await disconnect();
    assert.ok(lastId, 'the client saw event ids');

    // Changes the client is not connected for.
    await hold(['B1', 'B2']);
    await server.api('DELETE', `/api/events/holds/${first}`, { token: buyer.token });
    const internal = { token: server.internalToken };
    const bookingId = crypto.randomUUID();
    const booked = await hold(['C1'], buyer);
    await server.api('POST', `/internal/holds/${booked}/lock`, { ...internal, body: { user_id: buyer.userId, booking_id: bookingId } });
    await server.api('POST', `/internal/holds/${booked}/confirm`, { ...internal, body: { booking_id: bookingId } });

    // Reconnect with Last-Event-ID, while more changes are made (some land while the map loads).
    disconnect = await connect();
    await Promise.all([hold(['D1']), hold(['D2']), hold(['D3'])]);
    try {
      await until('the live map equals the seat map', sameAsTruth);
      assert.equal(firstFrames[0], 'snapshot', 'no replay: every connection starts with a snapshot');
      assert.deepEqual(
        ['A1', 'B1', 'C1', 'D1', 'D3'].map((seat) => map.get(seat)),
        ['available', 'held', 'booked', 'held', 'held'],
      );
    } finally {
      await disconnect();
    }
  });

  it('answers an unknown event with 404', async () => {
    assertError(await server.api('GET', `/api/events/${crypto.randomUUID()}/seats/stream`), 404, 'event_not_found');
    assertError(await server.api('GET', `/api/events/nope/seats/stream`), 404, 'event_not_found');
  });
});

describe('seat stream without Redis', () => {
  it('still delivers this instance’s changes to its clients', async () => {
    const cache = createRedisCache(testInfra.redisUrl, { keyPrefix: `${uniqueId('down')}:` });
    const server = await startEvents({}, { cache });
    try {
      const owner = server.user();
      const event = await createEvent(server.api, owner.token);
      const stream = await openStream(`${server.baseUrl}/api/events/${event.event_id}/seats/stream`);
      try {
        await stream.next((f) => f.event === 'snapshot');
        // Redis goes away while the client watches.
        await cache.close();
        const res = await server.api('POST', `/api/events/${event.event_id}/hold`, { token: owner.token, body: { seat_numbers: ['A3'] } });
        assert.equal(res.status, 201);
        assert.deepEqual((await stream.next(seatsFrame('held'))).data.seats, ['A3']);
      } finally {
        await stream.close();
      }
    } finally {
      await server.close();
    }
  });
});
