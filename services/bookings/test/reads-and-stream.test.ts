import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { craftJwt } from '@ticketing/testing';
import { finishBooking } from '../src/bookings/finish-booking.ts';
import type { BookingRow } from '../src/bookings/bookings.repository.ts';
import { bookingIdForHold } from '../src/bookings/booking-id.ts';
import { bookingsConfig, newUser, openStream, startBookings, waitFor, type StartedBookings, type TestUser } from './helpers.ts';

const logLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logLines.push(chunk.toString());
    cb();
  },
});

const config = bookingsConfig({
  http: { corsOrigins: ['https://app.example.test'] },
  stream: { heartbeatMs: 100, resyncIntervalMs: 300 },
});
let svc: StartedBookings;

before(async () => {
  svc = await startBookings(config, { relay: false, worker: false, given: { logger: pino({ level: 'info' }, logSink) } });
});
after(async () => svc.close());

let seq = 0;
/** Writes a booking row the way a submit does (the event service is not involved in reads). */
async function seedBooking(user: TestUser, patch: Partial<{ total_cents: number; seats: string[]; event_name: string }> = {}) {
  const holdId = randomUUID();
  seq++;
  const { rows } = await svc.deps.db.query<{ id: string }>(
    `INSERT INTO bookings (id, hold_id, user_id, user_email, user_name, event_id, event_name, venue, event_date, seats, total_cents, payment_method)
     VALUES ($1, $2, $3, $4, 'booker', $5, $6, 'Main Hall', '2030-05-01T20:00:00.000Z', $7, $8, 'visa') RETURNING id`,
    [
      bookingIdForHold(holdId),
      holdId,
      user.userId,
      user.email,
      randomUUID(),
      patch.event_name ?? `Concert ${seq}`,
      patch.seats ?? ['A1', 'A2'],
      patch.total_cents ?? 19998,
    ],
  );
  const row = await svc.deps.bookingsRepository.findById(rows[0]!.id);
  return row!;
}

const finishDeps = () => svc.deps.processing;
async function confirm(row: BookingRow) {
  return finishBooking(finishDeps(), row, { status: 'confirmed', paymentId: randomUUID() });
}
async function fail(row: BookingRow, reason = 'Payment declined: Card declined') {
  return finishBooking(finishDeps(), row, { status: 'failed', paymentStatus: 'failed', reason });
}

describe('GET /api/booking/:id and /status', () => {
  it('returns the booking with its event snapshot, seats and amount to its owner', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    for (const path of [`/api/booking/${row.id}`, `/api/booking/${row.id}/status`]) {
      const res = await svc.api('GET', path, { token: user.token });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, {
        booking_id: row.id,
        status: 'processing',
        payment_status: 'pending',
        event: { event_id: row.event_id, name: row.event_name, venue: 'Main Hall', event_date: '2030-05-01T20:00:00.000Z' },
        seats: ['A1', 'A2'],
        total_amount: 199.98,
        currency: 'USD',
        created_at: row.created_at.toISOString(),
        // Nothing cancelled or refunded yet (docs/refunds.md).
        cancelled_seats: [],
        refunded_amount: 0,
      });
    }
  });

  it('shows confirmed_at once confirmed, and error_message and failed_at once failed', async () => {
    const user = newUser(config);
    const ok = await seedBooking(user);
    await confirm(ok);
    const confirmed = await svc.api('GET', `/api/booking/${ok.id}`, { token: user.token });
    assert.equal(confirmed.body.status, 'confirmed');
    assert.equal(confirmed.body.payment_status, 'captured');
    assert.ok(!Number.isNaN(Date.parse(confirmed.body.confirmed_at)));
    assert.equal(confirmed.body.error_message, undefined);

    const ko = await seedBooking(user);
    await fail(ko);
    const failed = await svc.api('GET', `/api/booking/${ko.id}/status`, { token: user.token });
    assert.equal(failed.body.status, 'failed');
    assert.equal(failed.body.payment_status, 'failed');
    assert.equal(failed.body.error_message, 'Payment declined: Card declined');
    assert.ok(!Number.isNaN(Date.parse(failed.body.failed_at)));
  });

  it("answers 404 for another user's booking, an unknown id and a malformed id", async () => {
    const owner = newUser(config);
    const other = newUser(config);
    const row = await seedBooking(owner);
    for (const path of [
      `/api/booking/${row.id}`,
      `/api/booking/${randomUUID()}/status`,
      '/api/booking/not-a-uuid',
      "/api/booking/1'or'1/status",
    ]) {
      const res = await svc.api('GET', path, { token: other.token });
      assert.equal(res.status, 404, path);
      assert.equal(res.body.error, 'booking_not_found');
    }
  });

  it('lets an admin read any booking', async () => {
    const row = await seedBooking(newUser(config));
    const admin = newUser(config, 'admin');
    assert.equal((await svc.api('GET', `/api/booking/${row.id}`, { token: admin.token })).status, 200);
  });

  it('requires a valid token', async () => {
    const row = await seedBooking(newUser(config));
    assert.equal((await svc.api('GET', `/api/booking/${row.id}`)).body.error, 'unauthorized');
    const forged = craftJwt({ alg: 'none', typ: 'JWT' }, { sub: 'x', exp: 9999999999 });
    const res = await svc.api('GET', `/api/booking/${row.id}`, { token: forged });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_token');
  });
});

describe('GET /api/bookings and /api/users/:userId/bookings', () => {
  it('lists the caller’s bookings newest first with pagination', async () => {
    const user = newUser(config);
    const rows = [];
    for (let i = 0; i < 3; i++) rows.push(await seedBooking(user, { event_name: `Show ${i}` }));
    await seedBooking(newUser(config));
    const page1 = await svc.api('GET', '/api/bookings?limit=2', { token: user.token });
    assert.equal(page1.status, 200, page1.text);
    assert.equal(page1.body.total, 3);
    assert.deepEqual(page1.body.pagination, { total: 3, limit: 2, offset: 0, has_more: true });
    assert.deepEqual(
      page1.body.bookings.map((b: { booking_id: string }) => b.booking_id),
      [rows[2]!.id, rows[1]!.id],
    );
    assert.deepEqual(page1.body.bookings[0], {
      booking_id: rows[2]!.id,
      status: 'processing',
      event_name: 'Show 2',
      venue: 'Main Hall',
      event_date: '2030-05-01T20:00:00.000Z',
      seats: ['A1', 'A2'],
      total_amount: 199.98,
      currency: 'USD',
      created_at: rows[2]!.created_at.toISOString(),
    });
    const page2 = await svc.api('GET', '/api/bookings?limit=2&offset=2', { token: user.token });
    assert.deepEqual(page2.body.pagination, { total: 3, limit: 2, offset: 2, has_more: false });
    assert.equal(page2.body.bookings[0].booking_id, rows[0]!.id);
  });

  it('filters by status', async () => {
    const user = newUser(config);
    const a = await seedBooking(user);
    await seedBooking(user);
    await confirm(a);
    const res = await svc.api('GET', '/api/bookings?status=confirmed', { token: user.token });
    assert.equal(res.body.total, 1);
    assert.equal(res.body.bookings[0].booking_id, a.id);
    const none = await svc.api('GET', '/api/bookings?status=failed', { token: user.token });
    assert.deepEqual(none.body, { bookings: [], total: 0, pagination: { total: 0, limit: 20, offset: 0, has_more: false } });
  });

  it('rejects bad limit, offset and status values', async () => {
    const user = newUser(config);
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'status=CONFIRMED', 'status=done']) {
      const res = await svc.api('GET', `/api/bookings?${query}`, { token: user.token });
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error, 'validation_failed');
    }
  });

  it('serves /api/users/:userId/bookings to that user and to admins only', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    const own = await svc.api('GET', `/api/users/${user.userId}/bookings`, { token: user.token });
    assert.equal(own.status, 200);
    assert.equal(own.body.bookings[0].booking_id, row.id);
    for (const id of [user.userId, randomUUID(), 'nope']) {
      const res = await svc.api('GET', `/api/users/${id}/bookings`, { token: newUser(config).token });
      assert.equal(res.status, 404);
      assert.equal(res.body.error, 'user_not_found');
    }
    const admin = await svc.api('GET', `/api/users/${user.userId}/bookings`, { token: newUser(config, 'admin').token });
    assert.equal(admin.body.total, 1);
  });
});

describe('GET /api/booking/:id/stream', () => {
  const url = (id: string, query = '') => `${svc.baseUrl}/api/booking/${id}/stream${query}`;
  const auth = (user: TestUser) => ({ authorization: `Bearer ${user.token}` });

  it('sends the status on connect, every change as it happens, then complete, and closes', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    const stream = openStream(url(row.id), { ...auth(user), 'x-request-id': 'sse-test-1', origin: 'https://app.example.test' });
    await stream.opened;
    assert.equal(stream.status, 200);
    assert.match(stream.headers?.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(stream.headers?.get('x-request-id'), 'sse-test-1');
    assert.equal(stream.headers?.get('access-control-allow-origin'), 'https://app.example.test');
    await waitFor(() => stream.events[0], 'the initial status');

    const processing = await svc.deps.bookingsRepository.markPaymentProcessing(row.id);
    svc.deps.status.publish(processing!);
    await waitFor(() => stream.events[1], 'the processing status');
    await confirm(row);
    await stream.done;

    assert.deepEqual(
      stream.events.map((e) => [e.event, e.id]),
      [
        ['status', '1'],
        ['status', '2'],
        ['status', '3'],
        ['complete', '3'],
      ],
    );
    const data = stream.events.map((e) => JSON.parse(e.data));
    assert.deepEqual(Object.keys(data[0]).sort(), ['booking_id', 'message', 'payment_status', 'status', 'updated_at']);
    assert.deepEqual(
      data.slice(0, 3).map((d) => [d.status, d.payment_status]),
      [
        ['processing', 'pending'],
        ['processing', 'processing'],
        ['confirmed', 'captured'],
      ],
    );
    assert.equal(data[2].message, 'Booking confirmed');
    assert.deepEqual(data[3], { booking_id: row.id, final_status: 'confirmed' });
    await waitFor(() => (svc.deps.streams.size === 0 ? true : undefined), 'the stream to be unregistered');
  });

  it('sends status and complete at once for a booking already final, then closes', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    await fail(row);
    const stream = openStream(url(row.id), auth(user));
    await stream.done;
    assert.deepEqual(
      stream.events.map((e) => e.event),
      ['status', 'complete'],
    );
    assert.equal(JSON.parse(stream.events[0]!.data).status, 'failed');
    assert.match(JSON.parse(stream.events[0]!.data).message, /Card declined/);
    assert.deepEqual(JSON.parse(stream.events[1]!.data), { booking_id: row.id, final_status: 'failed' });
  });

  it('resumes from Last-Event-ID: what the client has is not sent again', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    const stream = openStream(url(row.id), { ...auth(user), 'last-event-id': '1' });
    await stream.opened;
    // Heartbeats prove the stream is open while no status event has been sent.
    await waitFor(() => (stream.comments.length > 0 ? true : undefined), 'a heartbeat');
    assert.equal(stream.events.length, 0);
    await confirm(row);
    await stream.done;
    assert.deepEqual(
      stream.events.map((e) => [e.event, e.id]),
      [
        ['status', '2'],
        ['complete', '2'],
      ],
    );

    const again = openStream(url(row.id), { ...auth(user), 'last-event-id': '2' });
    await again.done;
    assert.deepEqual(
      again.events.map((e) => e.event),
      ['complete'],
    );
  });

  it('sends a comment heartbeat on idle streams', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    const stream = openStream(url(row.id), auth(user));
    await waitFor(() => (stream.comments.filter((c) => c === 'ping').length >= 2 ? true : undefined), 'two heartbeats');
    stream.close();
  });

  it('accepts the token as ?access_token= (EventSource cannot send headers) and keeps it out of the logs', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    await fail(row);
    const stream = openStream(url(row.id, `?access_token=${user.token}`));
    await stream.done;
    assert.equal(stream.status, 200);
    assert.deepEqual(
      stream.events.map((e) => e.event),
      ['status', 'complete'],
    );
    await waitFor(() => (logLines.some((l) => l.includes(`/api/booking/${row.id}/stream`)) ? true : undefined), 'the request log line');
    assert.ok(!logLines.some((l) => l.includes(user.token)), 'the token never reaches the log');
    assert.ok(logLines.some((l) => l.includes('access_token=[redacted]')));
  });

  it('rejects a missing or bad token with 401, and refuses access_token on other routes', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    const none = await fetch(url(row.id));
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: string }).error, 'unauthorized');
    const bad = await fetch(url(row.id, '?access_token=abc.def.ghi'));
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_token');
    // Elsewhere it is an unknown query parameter: refused before any token is looked at.
    const elsewhere = await fetch(`${svc.baseUrl}/api/booking/${row.id}?access_token=${user.token}`);
    assert.equal(elsewhere.status, 400);
    assert.deepEqual(((await elsewhere.json()) as { details: unknown }).details, { fields: { access_token: 'is not allowed' } });
  });

  it("answers 404 for another user's booking and for a malformed id", async () => {
    const row = await seedBooking(newUser(config));
    const other = newUser(config);
    for (const id of [row.id, 'not-a-uuid', randomUUID()]) {
      const res = await fetch(url(id), { headers: auth(other) });
      assert.equal(res.status, 404, id);
      assert.equal(((await res.json()) as { error: string }).error, 'booking_not_found');
    }
    assert.equal(svc.deps.streams.size, 0);
  });

  it('forgets a stream when the client disconnects', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    const before = svc.deps.streams.size;
    const streams = Array.from({ length: 5 }, () => openStream(url(row.id), auth(user)));
    await Promise.all(streams.map((s) => waitFor(() => s.events[0], 'initial status')));
    assert.equal(svc.deps.streams.size, before + 5);
    for (const s of streams) s.close();
    await waitFor(() => (svc.deps.streams.size === before ? true : undefined), 'streams to be removed');
  });

  it('catches up from the database when a change was never announced on pub/sub (Redis outage)', async () => {
    const user = newUser(config);
    const row = await seedBooking(user);
    const stream = openStream(url(row.id), auth(user));
    await waitFor(() => stream.events[0], 'initial status');
    // A change committed without any publish, as when Redis is unreachable.
    await svc.deps.db.query(
      `UPDATE bookings SET status = 'confirmed', payment_status = 'captured', payment_id = 'p', confirmed_at = now(), version = version + 1 WHERE id = $1`,
      [row.id],
    );
    await stream.done;
    assert.deepEqual(
      stream.events.map((e) => e.event),
      ['status', 'status', 'complete'],
    );
  });
});
