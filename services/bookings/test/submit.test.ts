import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { bookingIdForHold, type BookingsConfig } from '../src/index.ts';
import {
  assertInvariants,
  chargesFor,
  createEvent,
  holdSeats,
  startEvents,
  waitForFinal,
  type StartedEvents,
  type TestHold,
} from './events-helpers.ts';
import { bookingsConfig, newUser, openStream, startBookings, waitFor, type StartedBookings, type TestUser } from './helpers.ts';

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  config = bookingsConfig({ events: { url: events.baseUrl }, payments: { latencyMs: 100 } });
  svc = await startBookings(config);
});
after(async () => {
  await svc.close();
  await events.close();
});

async function freshHold(user: TestUser, seats = ['A1', 'A2']) {
  const event = await createEvent(events, user);
  return holdSeats(events, user, event.event_id, seats);
}

const submit = (user: TestUser, body: unknown, headers: Record<string, string> = {}) =>
  svc.api('POST', '/api/booking', { token: user.token, body, headers });
const bodyFor = (hold: TestHold, patch: Record<string, unknown> = {}) => ({
  hold_id: hold.hold_id,
  payment_info: { payment_method: 'credit_card', amount: hold.total_price, ...patch },
});
const holdStatus = async (holdId: string) => (await events.internal('GET', `/internal/holds/${holdId}`)).body.status as string;

function assertError(res: { status: number; body: any; text: string }, status: number, code: string) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error, code);
  assert.ok(typeof res.body.message === 'string' && res.body.message.length > 0);
}

describe('POST /api/booking validation', () => {
  const cases: [string, unknown, string][] = [
    ['a missing hold_id', { payment_info: { payment_method: 'visa', amount: 10 } }, 'hold_id'],
    ['a missing payment_info', { hold_id: randomUUID() }, 'payment_info'],
    ['an empty payment method', { hold_id: randomUUID(), payment_info: { payment_method: '', amount: 10 } }, 'payment_info.payment_method'],
    [
      'an amount given as text',
      { hold_id: randomUUID(), payment_info: { payment_method: 'visa', amount: '10.00' } },
      'payment_info.amount',
    ],
    ['a zero amount', { hold_id: randomUUID(), payment_info: { payment_method: 'visa', amount: 0 } }, 'payment_info.amount'],
    ['a negative amount', { hold_id: randomUUID(), payment_info: { payment_method: 'visa', amount: -5 } }, 'payment_info.amount'],
    [
      'an amount with three decimals',
      { hold_id: randomUUID(), payment_info: { payment_method: 'visa', amount: 10.005 } },
      'payment_info.amount',
    ],
  ];
  for (const [label, body, field] of cases) {
    it(`rejects ${label} with validation_failed naming ${field}, before looking at the hold`, async () => {
      const res = await submit(newUser(config), body);
      assertError(res, 400, 'validation_failed');
      assert.ok(field in res.body.details.fields, JSON.stringify(res.body.details));
    });
  }

  it('rejects malformed JSON and an oversized Idempotency-Key', async () => {
    const user = newUser(config);
    const bad = await svc.api('POST', '/api/booking', { token: user.token, rawBody: '{"hold_id":' });
    assertError(bad, 400, 'invalid_json');
    const hold = await freshHold(user);
    const longKey = await submit(user, bodyFor(hold), { 'idempotency-key': 'k'.repeat(300) });
    assertError(longKey, 400, 'validation_failed');
    assert.equal(await holdStatus(hold.hold_id), 'active');
  });

  it('refuses a NUL character or a lone surrogate in the payment method before the hold is locked', async () => {
    const user = newUser(config);
    const hold = await freshHold(user);
    for (const method of ['card\u0000', '\ud800card']) {
      const res = await submit(user, bodyFor(hold, { payment_method: method }));
      assertError(res, 400, 'validation_failed');
      assert.ok('payment_info.payment_method' in res.body.details.fields, JSON.stringify(res.body));
      assert.equal(await holdStatus(hold.hold_id), 'active', 'the hold is not locked for the payment window');
    }
    assert.equal((await submit(user, bodyFor(hold))).status, 202);
  });

  it('requires a user token', async () => {
    const res = await svc.api('POST', '/api/booking', {
      body: { hold_id: randomUUID(), payment_info: { payment_method: 'visa', amount: 1 } },
    });
    assertError(res, 401, 'unauthorized');
  });
});

describe('POST /api/booking hold checks', () => {
  it('answers 404 hold_not_found for an unknown hold', async () => {
    assertError(
      await submit(newUser(config), { hold_id: randomUUID(), payment_info: { payment_method: 'visa', amount: 10 } }),
      404,
      'hold_not_found',
    );
  });

  it('answers a hold_id that cannot be a hold id like an unknown hold: 404 hold_not_found "Hold not found"', async () => {
    for (const holdId of ['abc', 'not-a-uuid', '12345', `${randomUUID()}x`]) {
      const res = await submit(newUser(config), { hold_id: holdId, payment_info: { payment_method: 'visa', amount: 10 } });
      assertError(res, 404, 'hold_not_found');
      assert.equal(res.body.message, 'Hold not found');
    }
  });

  it("answers 404 hold_not_found for someone else's hold, and leaves that hold untouched", async () => {
    const owner = newUser(config);
    const hold = await freshHold(owner);
    assertError(await submit(newUser(config), bodyFor(hold)), 404, 'hold_not_found');
    assert.equal(await holdStatus(hold.hold_id), 'active');
  });

  it('answers 409 hold_expired for a hold whose time has passed', async () => {
    const user = newUser(config);
    const hold = await freshHold(user);
    // Locked by another payment for one second, then left to expire.
    const locked = await events.internal('POST', `/internal/holds/${hold.hold_id}/lock`, {
      user_id: user.userId,
      booking_id: randomUUID(),
      lock_seconds: 1,
    });
    assert.equal(locked.status, 200, locked.text);
    await waitFor(async () => ((await holdStatus(hold.hold_id)) === 'expired' ? true : undefined), 'the hold to expire');
    assertError(await submit(user, bodyFor(hold)), 409, 'hold_expired');
  });

  it('answers 409 hold_not_active for a released hold', async () => {
    const user = newUser(config);
    const hold = await freshHold(user);
    const released = await events.api('DELETE', `/api/events/holds/${hold.hold_id}`, { token: user.token });
    assert.equal(released.status, 200, released.text);
    assertError(await submit(user, bodyFor(hold)), 409, 'hold_not_active');
  });

  it('answers 409 hold_not_active for a hold locked by another payment', async () => {
    const user = newUser(config);
    const hold = await freshHold(user);
    await events.internal('POST', `/internal/holds/${hold.hold_id}/lock`, { user_id: user.userId, booking_id: randomUUID() });
    assertError(await submit(user, bodyFor(hold)), 409, 'hold_not_active');
  });

  it("answers 400 amount_mismatch with the hold's total in details.expected, and leaves the hold active", async () => {
    const user = newUser(config);
    const hold = await freshHold(user);
    assert.equal(hold.total_price, 99.98);
    for (const amount of [99.97, 100, 0.01, 199.96]) {
      const res = await submit(user, bodyFor(hold, { amount }));
      assertError(res, 400, 'amount_mismatch');
      assert.deepEqual(res.body.details, { expected: 99.98 });
    }
    assert.equal(await holdStatus(hold.hold_id), 'active');
  });

  it('checks the amount against a hold across two sections priced from the section prices, and refuses tampering', async () => {
    const user = newUser(config);
    const event = await createEvent(events, user, {
      total_seats: undefined,
      price_per_seat: undefined,
      seats_per_row: undefined,
      sections: [
        { name: 'Floor', rows: 1, seats_per_row: 4, price: 120 },
        { name: 'Balcony', rows: 2, seats_per_row: 4, price: 35.25 },
      ],
    });
    const hold = await holdSeats(events, user, event.event_id, ['A1', 'B2', 'C3']);
    assert.equal(hold.total_price, 120 + 35.25 + 35.25);
    // Every seat at the cheapest price, every seat at the dearest, and a cent off: all refused.
    for (const amount of [3 * 35.25, 3 * 120, 190.49]) {
      const res = await submit(user, bodyFor(hold, { amount }));
      assertError(res, 400, 'amount_mismatch');
      assert.deepEqual(res.body.details, { expected: 190.5 });
    }
    assert.equal(await holdStatus(hold.hold_id), 'active');
    const ok = await submit(user, bodyFor(hold));
    assert.equal(ok.status, 202, ok.text);
    const booking = await waitForFinal(svc.deps, ok.body.booking_id);
    assert.equal(booking.status, 'confirmed');
    const { rows } = await svc.deps.db.query<{ total: string }>(`SELECT total_cents::text AS total FROM bookings WHERE id = $1`, [
      ok.body.booking_id,
    ]);
    assert.equal(rows[0]?.total, '19050');
  });

  it('answers 503 service_unavailable when the event service cannot be reached', async () => {
    const cutOff = await startBookings(bookingsConfig({ events: { url: 'http://127.0.0.1:1', timeoutMs: 500 } }), {
      relay: false,
      worker: false,
    });
    try {
      const res = await cutOff.api('POST', '/api/booking', {
        token: newUser(config).token,
        body: { hold_id: randomUUID(), payment_info: { payment_method: 'visa', amount: 1 } },
      });
      assertError(res, 503, 'service_unavailable');
      assert.equal(res.headers.get('retry-after'), '1');
    } finally {
      await cutOff.close();
    }
  });
});

describe('POST /api/booking idempotency', () => {
  it('returns the same booking for a repeated submit, whatever the Idempotency-Key', async () => {
    const user = newUser(config);
    const hold = await freshHold(user);
    const first = await submit(user, bodyFor(hold), { 'idempotency-key': 'first-key' });
    assert.equal(first.status, 202);
    assert.equal(first.body.booking_id, bookingIdForHold(hold.hold_id));
    const again = await submit(user, bodyFor(hold));
    assert.ok([200, 202].includes(again.status));
    assert.equal(again.body.booking_id, first.body.booking_id);
    const sameKey = await submit(user, bodyFor(hold), { 'idempotency-key': 'first-key' });
    assert.equal(sameKey.body.booking_id, first.body.booking_id);
    await waitForFinal(svc.deps, first.body.booking_id);
    assert.deepEqual(await chargesFor(svc.deps, first.body.booking_id), { captured: 1, total: 1, refunded: 0 });
  });

  it('completes a submit whose first attempt locked the hold and then died before storing the booking', async () => {
    const user = newUser(config);
    const hold = await freshHold(user);
    const bookingId = bookingIdForHold(hold.hold_id);
    // What the crashed attempt left behind: the hold locked for this booking id, no booking row.
    const locked = await events.internal('POST', `/internal/holds/${hold.hold_id}/lock`, { user_id: user.userId, booking_id: bookingId });
    assert.equal(locked.status, 200, locked.text);
    assert.equal(await svc.deps.bookingsRepository.findById(bookingId), undefined);
    const retry = await submit(user, bodyFor(hold));
    assert.equal(retry.status, 202, retry.text);
    assert.equal(retry.body.booking_id, bookingId);
    assert.equal((await waitForFinal(svc.deps, bookingId)).status, 'confirmed');
  });

  it('refuses an Idempotency-Key reused for another hold (409 idempotency_key_reused), without locking that hold', async () => {
    const user = newUser(config);
    const a = await freshHold(user);
    const b = await freshHold(user);
    const key = `key-${randomUUID()}`;
    assert.equal((await submit(user, bodyFor(a), { 'idempotency-key': key })).status, 202);
    const reused = await submit(user, bodyFor(b), { 'idempotency-key': key });
    assertError(reused, 409, 'idempotency_key_reused');
    assert.equal(await holdStatus(b.hold_id), 'active');
    // Keys are per user: another user may use the same key.
    const other = newUser(config);
    assert.equal((await submit(other, bodyFor(await freshHold(other)), { 'idempotency-key': key })).status, 202);
  });

  it('makes exactly one booking and one charge from 50 concurrent submits of one hold', async () => {
    const user = newUser(config);
    const hold = await freshHold(user, ['C1', 'C2', 'C3']);
    const results = await Promise.all(Array.from({ length: 50 }, () => submit(user, bodyFor(hold))));
    const statuses = results.map((r) => r.status);
    assert.ok(
      statuses.every((s) => s === 202 || s === 200),
      String(statuses),
    );
    assert.equal(new Set(results.map((r) => r.body.booking_id)).size, 1);
    const bookingId = results[0]!.body.booking_id as string;
    const row = await waitForFinal(svc.deps, bookingId);
    assert.equal(row.status, 'confirmed');

    const rows = await svc.deps.db.query('SELECT id FROM bookings WHERE hold_id = $1', [hold.hold_id]);
    assert.equal(rows.rowCount, 1);
    const requests = await svc.deps.db.query('SELECT id FROM outbox WHERE key = $1 AND topic = $2', [
      bookingId,
      config.kafka.topics.bookingRequests,
    ]);
    assert.equal(requests.rowCount, 1);
    assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 1, total: 1, refunded: 0 });
    assert.deepEqual(await assertInvariants(svc.deps, [hold.hold_id]), {
      bookingsPerHoldOverOne: 0,
      capturesPerBookingOverOne: 0,
      notFinal: 0,
      confirmedWithoutPayment: 0,
      failedKeepingMoney: 0,
    });
  });
});

describe("other users' bookings", () => {
  it('cannot be read, listed, streamed or re-submitted by another user', async () => {
    const owner = newUser(config);
    const intruder = newUser(config);
    const hold = await freshHold(owner);
    const res = await submit(owner, bodyFor(hold));
    const id = res.body.booking_id as string;
    for (const path of [`/api/booking/${id}`, `/api/booking/${id}/status`]) {
      assertError(await svc.api('GET', path, { token: intruder.token }), 404, 'booking_not_found');
    }
    assertError(await svc.api('GET', `/api/users/${owner.userId}/bookings`, { token: intruder.token }), 404, 'user_not_found');
    const own = await svc.api('GET', '/api/bookings', { token: intruder.token });
    assert.equal(own.body.total, 0);
    const stream = openStream(`${svc.baseUrl}/api/booking/${id}/stream`, { authorization: `Bearer ${intruder.token}` });
    await stream.done;
    assert.equal(stream.status, 404);
    // Submitting the owner's hold again as the intruder reveals nothing either.
    assertError(await submit(intruder, bodyFor(hold)), 404, 'hold_not_found');
    await waitForFinal(svc.deps, id);
  });
});

describe('POST /api/booking admission', () => {
  it('answers 503 with Retry-After above the in-flight limit, and accepts the rest', async () => {
    const limited = await startBookings(bookingsConfig({ events: { url: events.baseUrl }, submit: { maxInFlight: 2 } }));
    try {
      const users = Array.from({ length: 8 }, () => newUser(config));
      const holds = await Promise.all(users.map((u) => freshHold(u, ['A1'])));
      const results = await Promise.all(
        users.map((u, i) => limited.api('POST', '/api/booking', { token: u.token, body: bodyFor(holds[i]!) })),
      );
      const statuses = results.map((r) => r.status);
      const shed = results.filter((r) => r.status === 503);
      assert.ok(shed.length > 0, `some submits are shed: ${statuses.join(',')}`);
      assert.ok(
        statuses.every((s) => s === 202 || s === 503),
        statuses.join(','),
      );
      for (const r of shed) {
        assert.equal(r.body.error, 'service_unavailable');
        assert.equal(r.headers.get('retry-after'), '1');
      }
      // A shed submit changed nothing: retried later, it is accepted.
      const i = results.findIndex((r) => r.status === 503);
      const retry = await limited.api('POST', '/api/booking', { token: users[i]!.token, body: bodyFor(holds[i]!) });
      assert.equal(retry.status, 202, retry.text);
    } finally {
      await limited.close();
    }
  });
});
