import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BookingsConfig } from '../src/index.ts';
import { createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings, type StartedBookings, type TestUser } from './helpers.ts';

// Buyer cancellations and organizer refunds (docs/refunds.md) over real HTTP against the real
// event service and the simulated gateway; money and seats checked in SQL.

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  config = bookingsConfig({ events: { url: events.baseUrl }, payments: { latencyMs: 20 } });
  svc = await startBookings(config);
});
after(async () => {
  await svc?.close();
  await events?.close();
});

const POLICY = { hours_before_start: 48, fee_percent: 10 };

/** A confirmed booking of `seats` on a new event of `organizer` (default: the buyer's own). */
async function confirmedBooking(buyer: TestUser, seats: string[], eventPatch: Record<string, unknown> = {}, organizer = buyer) {
  const event = await createEvent(events, organizer, { cancellation_policy: POLICY, ...eventPatch });
  const hold = await holdSeats(events, buyer, event.event_id, seats);
  const res = await svc.api('POST', '/api/booking', {
    token: buyer.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  const row = await waitForFinal(svc.deps, res.body.booking_id);
  assert.equal(row.status, 'confirmed', row.error_message ?? '');
  return { event, hold, bookingId: row.id, paymentId: row.payment_id! };
}

async function refundsOf(paymentId: string) {
  const { rows } = await svc.deps.db.query<{ idempotency_key: string; amount_cents: string }>(
    'SELECT idempotency_key, amount_cents::text AS amount_cents FROM gateway_refunds WHERE payment_id = $1 ORDER BY created_at',
    [paymentId],
  );
  return rows.map((r) => ({ key: r.idempotency_key, cents: Number(r.amount_cents) }));
}

async function seatStatus(eventId: string, labels: string[]) {
  const res = await events.api('GET', `/api/events/${eventId}/seats`);
  assert.equal(res.status, 200, res.text);
  const all = new Map<string, string>();
  for (const row of res.body.rows) for (const s of row.seats) all.set(s.seat_number, s.status);
  return labels.map((l) => all.get(l));
}

async function ticketStatus(bookingId: string) {
  const { rows } = await svc.deps.db.query<{ seat: string; status: string }>('SELECT seat, status FROM tickets WHERE booking_id = $1', [
    bookingId,
  ]);
  return Object.fromEntries(rows.map((r) => [r.seat, r.status]));
}

async function outboxFor(bookingId: string, topic: string) {
  const { rows } = await svc.deps.db.query<{ value: any }>('SELECT value FROM outbox WHERE key = $1 AND topic = $2 ORDER BY created_at', [
    bookingId,
    topic,
  ]);
  return rows.map((r) => r.value);
}

/** Revenue and refunds as the box office's sales summary says them, in cents. */
async function moneyInReport(eventId: string, organizer: TestUser) {
  const res = await svc.api('GET', `/api/events/${eventId}/sales`, { token: organizer.token });
  assert.equal(res.status, 200, res.text);
  return { revenue: res.body.revenue_cents as number, refunded: res.body.refunded_cents as number };
}

describe('the cancellation policy of an event', () => {
  it('is off by default, set and cleared by the organizer, and checked', async () => {
    const owner = newUser(config);
    const event = await createEvent(events, owner);
    assert.equal((await events.api('GET', `/api/events/${event.event_id}`)).body.cancellation_policy, null);
    const set = await events.api('PATCH', `/api/events/${event.event_id}`, {
      token: owner.token,
      body: { cancellation_policy: { hours_before_start: 24, fee_percent: 12.5 } },
    });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body.cancellation_policy, { hours_before_start: 24, fee_percent: 12.5 });
    for (const bad of [
      { hours_before_start: -1, fee_percent: 0 },
      { hours_before_start: 1, fee_percent: 101 },
      { hours_before_start: 1 },
    ]) {
      const res = await events.api('PATCH', `/api/events/${event.event_id}`, { token: owner.token, body: { cancellation_policy: bad } });
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    const threeDecimals = await events.api('PATCH', `/api/events/${event.event_id}`, {
      token: owner.token,
      body: { cancellation_policy: { hours_before_start: 1, fee_percent: 1.005 } },
    });
    assert.equal(threeDecimals.status, 400, threeDecimals.text);
    const cleared = await events.api('PATCH', `/api/events/${event.event_id}`, { token: owner.token, body: { cancellation_policy: null } });
    assert.equal(cleared.body.cancellation_policy, null);
  });
});

describe('POST /api/booking/:id/cancel', () => {
  it('cancels some seats, then the rest: each refunded once (price minus fee), seats back on sale, emails and messages written', async () => {
    const buyer = newUser(config);
    const { event, bookingId, paymentId } = await confirmedBooking(buyer, ['A1', 'A2', 'A3']);

    const quote = await svc.api('GET', `/api/booking/${bookingId}/cancellation-quote?seats=A1`, { token: buyer.token });
    assert.equal(quote.status, 200, quote.text);
    assert.equal(quote.body.allowed, true);
    assert.deepEqual(quote.body.policy, POLICY);
    assert.deepEqual(
      [quote.body.seats, quote.body.seats_amount, quote.body.fee_amount, quote.body.refund_amount],
      [['A1'], 49.99, 5, 44.99],
    );

    const first = await svc.api('POST', `/api/booking/${bookingId}/cancel`, { token: buyer.token, body: { seats: ['A1'] } });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.status, 'completed');
    assert.equal(first.body.refunded_amount, 44.99);
    assert.equal(first.body.booking.status, 'confirmed');
    assert.deepEqual(first.body.booking.cancelled_seats, ['A1']);
    assert.deepEqual(await seatStatus(event.event_id, ['A1', 'A2']), ['available', 'booked']);
    assert.deepEqual(await ticketStatus(bookingId), { A1: 'cancelled', A2: 'valid', A3: 'valid' });
    // The box office's money: what was kept (the fee included) and what went back.
    assert.deepEqual(await moneyInReport(event.event_id, buyer), { revenue: 14997 - 4499, refunded: 4499 });

    const rest = await svc.api('POST', `/api/booking/${bookingId}/cancel`, { token: buyer.token });
    assert.equal(rest.status, 200, rest.text);
    assert.deepEqual(rest.body.seats, ['A2', 'A3']);
    assert.equal(rest.body.refunded_amount, 89.98);
    assert.equal(rest.body.booking.status, 'cancelled');
    assert.equal(rest.body.booking.refunded_amount, 134.97);
    assert.deepEqual(await seatStatus(event.event_id, ['A1', 'A2', 'A3']), ['available', 'available', 'available']);
    assert.deepEqual(await ticketStatus(bookingId), { A1: 'cancelled', A2: 'cancelled', A3: 'cancelled' });
    assert.deepEqual(await moneyInReport(event.event_id, buyer), { revenue: 500 + 1000, refunded: 13497 });

    assert.deepEqual(await refundsOf(paymentId), [
      { key: `cancel-seats:${bookingId}:A1`, cents: 4499 },
      { key: `cancel-seats:${bookingId}:A2,A3`, cents: 8998 },
    ]);
    const emails = await outboxFor(bookingId, config.kafka.topics.notificationRequests);
    const cancelled = emails.filter((m) => m.type === 'booking_cancelled');
    assert.equal(cancelled.length, 2);
    assert.deepEqual(cancelled[1].booking_data.cancellation.remaining_seats, []);
    const messages = await outboxFor(bookingId, config.kafka.topics.bookingCancellations);
    assert.deepEqual(
      messages.map((m) => [m.type, m.seats, m.status, m.refund_amount, m.fee_amount, m.organization_id]),
      [
        ['booking.cancelled', ['A1'], 'confirmed', 44.99, 5, buyer.userId],
        ['booking.cancelled', ['A2', 'A3'], 'cancelled', 89.98, 10, buyer.userId],
      ],
    );

    const again = await svc.api('POST', `/api/booking/${bookingId}/cancel`, { token: buyer.token });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'booking_not_cancellable');
  });

  it('refuses what the policy does not allow, with a clear error', async () => {
    const buyer = newUser(config);
    const none = await confirmedBooking(buyer, ['B1'], { cancellation_policy: null });
    const refused = await svc.api('POST', `/api/booking/${none.bookingId}/cancel`, { token: buyer.token });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'cancellation_not_allowed');
    const quote = await svc.api('GET', `/api/booking/${none.bookingId}/cancellation-quote`, { token: buyer.token });
    assert.equal(quote.body.allowed, false);
    assert.equal(quote.body.refusal.error, 'cancellation_not_allowed');

    // The event is 30 days away; cancellations close 40 days before it.
    const late = await confirmedBooking(buyer, ['B1'], { cancellation_policy: { hours_before_start: 960, fee_percent: 0 } });
    const closed = await svc.api('POST', `/api/booking/${late.bookingId}/cancel`, { token: buyer.token });
    assert.equal(closed.status, 409);
    assert.equal(closed.body.error, 'cancellation_deadline_passed');
    assert.match(closed.body.message, /closed at/);

    const other = newUser(config);
    const ok = await confirmedBooking(buyer, ['B1', 'B2']);
    assert.equal((await svc.api('POST', `/api/booking/${ok.bookingId}/cancel`, { token: other.token })).status, 404);
    const unknownSeat = await svc.api('POST', `/api/booking/${ok.bookingId}/cancel`, { token: buyer.token, body: { seats: ['Z9'] } });
    assert.equal(unknownSeat.status, 400);
    assert.match(unknownSeat.body.details.fields.seats, /Z9/);
    assert.equal(
      (await svc.api('POST', `/api/booking/${ok.bookingId}/cancel`, { token: buyer.token, body: { seats: ['B1'] } })).status,
      200,
    );
    const twice = await svc.api('POST', `/api/booking/${ok.bookingId}/cancel`, { token: buyer.token, body: { seats: ['B1'] } });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error, 'seats_already_cancelled');
    assert.equal((await refundsOf(ok.paymentId)).length, 1);
  });

  it('refuses a buyer once the event has started, while its organizer can still refund', async () => {
    const organizer = newUser(config);
    const buyer = newUser(config);
    const b = await confirmedBooking(buyer, ['C1', 'C2'], { cancellation_policy: { hours_before_start: 0, fee_percent: 0 } }, organizer);
    await events.deps.db.query(`UPDATE events SET event_date = now() - interval '1 hour' WHERE id = $1`, [b.event.event_id]);
    await events.deps.eventsService.forget(b.event.event_id);
    const late = await svc.api('POST', `/api/booking/${b.bookingId}/cancel`, { token: buyer.token });
    assert.equal(late.status, 409);
    assert.equal(late.body.error, 'cancellation_deadline_passed');
    assert.match(late.body.message, /has started/);

    assert.equal((await svc.api('POST', `/api/booking/${b.bookingId}/refund`, { token: buyer.token })).status, 404);
    const refund = await svc.api('POST', `/api/booking/${b.bookingId}/refund`, { token: organizer.token });
    assert.equal(refund.status, 200, refund.text);
    assert.equal(refund.body.kind, 'organizer');
    assert.equal(refund.body.refunded_amount, 99.98);
    assert.equal(refund.body.booking.status, 'cancelled');
    assert.equal(refund.body.booking.payment_status, 'refunded');
    assert.deepEqual(await ticketStatus(b.bookingId), { C1: 'cancelled', C2: 'cancelled' });
    const twice = await svc.api('POST', `/api/booking/${b.bookingId}/refund`, { token: organizer.token });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error, 'already_refunded');
    assert.deepEqual(await refundsOf(b.paymentId), [{ key: `organizer-refund:${b.bookingId}`, cents: 9998 }]);
  });

  it('an organizer refund after a partial cancellation gives back everything left, never more than was paid', async () => {
    const organizer = newUser(config);
    const buyer = newUser(config);
    const b = await confirmedBooking(buyer, ['D1', 'D2'], {}, organizer);
    assert.equal(
      (await svc.api('POST', `/api/booking/${b.bookingId}/cancel`, { token: buyer.token, body: { seats: ['D1'] } })).status,
      200,
    );
    const refund = await svc.api('POST', `/api/booking/${b.bookingId}/refund`, { token: organizer.token });
    assert.equal(refund.status, 200, refund.text);
    assert.deepEqual(refund.body.seats, ['D2']);
    // 99.98 paid, 44.99 back for D1: the fee kept on D1 goes back too (the organizer refunds in full).
    assert.equal(refund.body.refunded_amount, 54.99);
    const { rows } = await svc.deps.db.query<{ amount_cents: string; refunded_cents: string }>(
      'SELECT amount_cents::text, refunded_cents::text FROM gateway_charges WHERE payment_id = $1',
      [b.paymentId],
    );
    assert.deepEqual(rows[0], { amount_cents: '9998', refunded_cents: '9998' });
    assert.deepEqual(await moneyInReport(b.event.event_id, organizer), { revenue: 0, refunded: 9998 });
  });
});

describe('concurrent cancellations of one booking', () => {
  it('refund it once: one cancellation wins, the others get 409, the gateway counts one refund', async () => {
    const buyer = newUser(config);
    const { event, bookingId, paymentId, hold } = await confirmedBooking(buyer, ['E1', 'E2', 'E3', 'E4']);
    const attempts = await Promise.all(
      Array.from({ length: 16 }, () => svc.api('POST', `/api/booking/${bookingId}/cancel`, { token: buyer.token })),
    );
    assert.deepEqual(
      attempts.map((r) => r.status).sort(),
      [200, ...Array.from({ length: 15 }, () => 409)],
      attempts.map((r) => `${r.status} ${r.text}`).join('\n'),
    );
    assert.ok(attempts.every((r) => r.status === 200 || ['booking_not_cancellable', 'seats_already_cancelled'].includes(r.body.error)));

    // In SQL: one refund of the payment (90% of it), never more than captured; one cancellation
    // row holding every seat once; the booking cancelled; its seats free again, once each.
    const money = await svc.deps.db.query<{ refunds: string; refunded: string; charged: string }>(
      `SELECT (SELECT count(*) FROM gateway_refunds r WHERE r.payment_id = c.payment_id)::text AS refunds,
              c.refunded_cents::text AS refunded, c.amount_cents::text AS charged
         FROM gateway_charges c WHERE c.payment_id = $1`,
      [paymentId],
    );
    assert.deepEqual(money.rows[0], {
      refunds: '1',
      refunded: String(Math.round(hold.total_price * 90)),
      charged: String(Math.round(hold.total_price * 100)),
    });
    const perSeat = await svc.deps.db.query<{ seat: string; n: string }>(
      `SELECT s AS seat, count(*)::text AS n FROM booking_cancellations, unnest(seats) AS s WHERE booking_id = $1 GROUP BY s ORDER BY s`,
      [bookingId],
    );
    assert.deepEqual(
      perSeat.rows,
      ['E1', 'E2', 'E3', 'E4'].map((seat) => ({ seat, n: '1' })),
    );
    const booking = await svc.deps.db.query<{ status: string; refunded_cents: string }>(
      'SELECT status, refunded_cents::text AS refunded_cents FROM bookings WHERE id = $1',
      [bookingId],
    );
    assert.deepEqual(booking.rows[0], { status: 'cancelled', refunded_cents: money.rows[0].refunded });
    const released = await events.deps.db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM outbox WHERE key = $1 AND value->>'type' = 'seats.released' AND value->>'booking_id' = $2`,
      [event.event_id, bookingId],
    );
    // Kafka is off in this event service: no outbox rows; the seat map shows the seats free.
    assert.ok(released.rows[0]!.n === '0' || released.rows[0]!.n === '1');
    assert.deepEqual(await seatStatus(event.event_id, ['E1', 'E2', 'E3', 'E4']), ['available', 'available', 'available', 'available']);
    const emails = (await outboxFor(bookingId, config.kafka.topics.notificationRequests)).filter((m) => m.type === 'booking_cancelled');
    assert.equal(emails.length, 1);
  });
});
