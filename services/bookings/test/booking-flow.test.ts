import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKafkaBus, type IncomingMessage, type MessageBus } from '@ticketing/bus';
import { testInfra, uniqueId } from '@ticketing/testing';
import { bookingIdForHold, startBookingsWorker, type BookingsConfig } from '../src/index.ts';
import { assertInvariants, chargesFor, createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, openStream, startBookings, waitFor, type StartedBookings, type TestUser } from './helpers.ts';

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;
let bus: MessageBus;
const holdIds: string[] = [];

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  config = bookingsConfig({
    events: { url: events.baseUrl },
    worker: { maxAttempts: 4 },
    payments: { latencyMs: 150, transientFailures: 2 },
  });
  svc = await startBookings(config);
  bus = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('flow-test') });
});
after(async () => {
  await svc.close();
  await bus.close();
  await events.close();
});

/** Reads every message of a topic with a group of its own (the workers' offsets are untouched). */
async function tap(topic: string) {
  const received: IncomingMessage[] = [];
  const sub = await bus.consume({ groupId: uniqueId('tap'), topics: [topic], handler: async (m) => void received.push(m) });
  return {
    find: (bookingId: string) => waitFor(() => received.find((m) => m.key === bookingId), `a message on ${topic} for ${bookingId}`),
    close: () => sub.close(),
  };
}

async function submitFor(user: TestUser, seats: string[], method = 'credit_card') {
  const event = await createEvent(events, user);
  const hold = await holdSeats(events, user, event.event_id, seats);
  holdIds.push(hold.hold_id);
  const res = await svc.api('POST', '/api/booking', {
    token: user.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  return { event, hold, bookingId: res.body.booking_id as string, body: res.body };
}

/** A counter's value in a Prometheus text exposition (0 when the series is absent). */
async function counter(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, new RegExp(`^# TYPE ${name} counter$`, 'm'), `${name} is exposed`);
  let total = 0;
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!match) continue;
    const found = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[2]);
  }
  return total;
}

// First in this file: no other booking of this process is in flight while it counts.
describe('the hold → booking → confirmed funnel on /metrics', () => {
  it('counts a hold, its booking and its outcome, confirmed or failed, on the services’ /metrics', async () => {
    const funnel = async () => ({
      held: await counter(events.baseUrl, 'seat_hold_outcomes_total', { outcome: 'held' }),
      submitted: await counter(svc.baseUrl, 'bookings_submitted_total'),
      confirmed: await counter(svc.baseUrl, 'bookings_finished_total', { status: 'confirmed' }),
      failed: await counter(svc.baseUrl, 'bookings_finished_total', { status: 'failed' }),
    });
    const before = await funnel();
    const user = newUser(config);
    const paid = await submitFor(user, ['F1']);
    const declined = await submitFor(user, ['F2'], 'card_declined');
    assert.equal((await waitForFinal(svc.deps, paid.bookingId)).status, 'confirmed');
    assert.equal((await waitForFinal(svc.deps, declined.bookingId)).status, 'failed');
    // A retried submit of the same hold is the same booking: not counted again.
    const again = await svc.api('POST', '/api/booking', {
      token: user.token,
      body: { hold_id: paid.hold.hold_id, payment_info: { payment_method: 'credit_card', amount: paid.hold.total_price } },
    });
    assert.ok(again.status < 300, again.text);
    const after = await funnel();
    assert.deepEqual(
      {
        held: after.held - before.held,
        submitted: after.submitted - before.submitted,
        confirmed: after.confirmed - before.confirmed,
        failed: after.failed - before.failed,
      },
      { held: 2, submitted: 2, confirmed: 1, failed: 1 },
    );
  });
});

describe('a booking from submit to confirmation', () => {
  it('accepts the booking, charges once, confirms the seats, streams status then complete, and notifies', async () => {
    const bookingTap = await tap(config.kafka.topics.bookingRequests);
    const notificationTap = await tap(config.kafka.topics.notificationRequests);
    try {
      const user = newUser(config);
      const event = await createEvent(events, user, { price_per_seat: 49.99 });
      const hold = await holdSeats(events, user, event.event_id, ['A1', 'A2']);
      holdIds.push(hold.hold_id);
      assert.equal(hold.total_price, 99.98);

      const res = await svc.api('POST', '/api/booking', {
        token: user.token,
        body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: 99.98 } },
      });
      assert.equal(res.status, 202, res.text);
      const bookingId = bookingIdForHold(hold.hold_id);
      assert.deepEqual(res.body, {
        booking_id: bookingId,
        status: 'processing',
        message: res.body.message,
        status_url: `/api/booking/${bookingId}/status`,
        stream_url: `/api/booking/${bookingId}/stream`,
      });
      assert.equal(typeof res.body.message, 'string');

      const stream = openStream(svc.baseUrl + res.body.stream_url, { authorization: `Bearer ${user.token}` });
      await stream.done;
      assert.ok(stream.events.length >= 2, JSON.stringify(stream.events));
      assert.equal(stream.events[0]!.event, 'status');
      const last = stream.events.at(-1)!;
      assert.equal(last.event, 'complete');
      assert.deepEqual(JSON.parse(last.data), { booking_id: bookingId, final_status: 'confirmed' });
      const finalStatus = JSON.parse(stream.events.at(-2)!.data);
      assert.equal(finalStatus.status, 'confirmed');
      assert.equal(finalStatus.payment_status, 'captured');
      const ids = stream.events.map((e) => Number(e.id));
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'event ids never go back',
      );

      const status = await svc.api('GET', res.body.status_url, { token: user.token });
      assert.equal(status.status, 200);
      assert.equal(status.body.status, 'confirmed');
      assert.equal(status.body.payment_status, 'captured');
      assert.deepEqual(status.body.event, { event_id: event.event_id, name: event.name, venue: event.venue, event_date: event.event_date });
      assert.deepEqual(status.body.seats, ['A1', 'A2']);
      assert.equal(status.body.total_amount, 99.98);
      assert.ok(status.body.confirmed_at);

      const heldNow = await events.internal('GET', `/internal/holds/${hold.hold_id}`);
      assert.equal(heldNow.body.status, 'confirmed');
      assert.equal(heldNow.body.booking_id, bookingId);
      const seatMap = await events.api('GET', `/api/events/${event.event_id}/seats`);
      const seats = seatMap.body.rows.flatMap((r: { seats: { seat_number: string; status: string }[] }) => r.seats);
      assert.deepEqual(
        seats.filter((s: { status: string }) => s.status === 'booked').map((s: { seat_number: string }) => s.seat_number),
        ['A1', 'A2'],
      );
      assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 1, total: 1, refunded: 0 });

      const request = await bookingTap.find(bookingId);
      const value = request.json<Record<string, unknown>>();
      assert.deepEqual(Object.keys(value), [
        'booking_id',
        'user_id',
        'user_email',
        'user_name',
        'hold_id',
        'event_id',
        'event_name',
        'venue',
        'event_date',
        'seats',
        'payment_info',
        'timestamp',
      ]);
      assert.equal(value.user_id, user.userId);
      assert.equal(value.user_email, user.email);
      assert.equal(value.user_name, user.email.split('@')[0]);
      assert.deepEqual(value.payment_info, { payment_method: 'credit_card', amount: 99.98 });
      assert.match(request.messageId, /^[0-9a-f-]{36}$/);
      assert.match(request.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);

      const notification = await notificationTap.find(bookingId);
      assert.deepEqual(notification.json(), {
        type: 'booking_confirmed',
        recipient_email: user.email,
        booking_data: {
          booking_id: bookingId,
          // For the organizer's outgoing webhooks (docs/webhooks.md).
          event_id: event.event_id,
          event_name: event.name,
          venue: event.venue,
          event_date: event.event_date,
          seats: ['A1', 'A2'],
          total_amount: 99.98,
          currency: 'USD',
          user_name: user.email.split('@')[0],
          payment_status: 'captured',
          // The tickets issued by the same statement (docs/tickets.md).
          tickets: (
            await svc.deps.db.query('SELECT id AS ticket_id, seat, code FROM tickets WHERE booking_id = $1 ORDER BY seat', [bookingId])
          ).rows,
        },
        timestamp: notification.json<{ timestamp: string }>().timestamp,
      });
      assert.notEqual(notification.messageId, request.messageId);
      // One trace from the submit to the notification.
      assert.equal(notification.headers.traceparent, request.headers.traceparent);
    } finally {
      await bookingTap.close();
      await notificationTap.close();
    }
  });

  it('answers a second submit for the same hold with the same booking, confirmed', async () => {
    const user = newUser(config);
    const { hold, bookingId } = await submitFor(user, ['B1']);
    await waitForFinal(svc.deps, bookingId);
    const again = await svc.api('POST', '/api/booking', {
      token: user.token,
      body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } },
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.booking_id, bookingId);
    assert.equal(again.body.status, 'confirmed');
    assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 1, total: 1, refunded: 0 });
  });
});

describe('currency', () => {
  it("charges in the event's currency, and shows it on the booking", async () => {
    const user = newUser(config);
    const event = await createEvent(events, user, { price_per_seat: 12.5, currency: 'EUR' });
    const hold = await holdSeats(events, user, event.event_id, ['A1']);
    holdIds.push(hold.hold_id);
    const res = await svc.api('POST', '/api/booking', {
      token: user.token,
      body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: 12.5 } },
    });
    assert.equal(res.status, 202, res.text);
    const row = await waitForFinal(svc.deps, res.body.booking_id);
    assert.equal(row.status, 'confirmed');
    const { rows } = await svc.deps.db.query<{ currency: string; amount_cents: string }>(
      'SELECT currency, amount_cents FROM gateway_charges WHERE reference = $1',
      [row.id],
    );
    assert.deepEqual(rows, [{ currency: 'EUR', amount_cents: '1250' }]);
    const view = await svc.api('GET', `/api/booking/${row.id}`, { token: user.token });
    assert.equal(view.body.currency, 'EUR');
  });
});

describe('names in messages', () => {
  it("carries the token's display name as user_name, and the email's local part when the token has none", async () => {
    const bookingTap = await tap(config.kafka.topics.bookingRequests);
    try {
      const named = newUser(config, 'user', 'Ada Lovelace');
      const { bookingId } = await submitFor(named, ['G1']);
      assert.equal((await bookingTap.find(bookingId)).json<{ user_name: string }>().user_name, 'Ada Lovelace');
      assert.equal((await waitForFinal(svc.deps, bookingId)).user_name, 'Ada Lovelace');
    } finally {
      await bookingTap.close();
    }
  });
});

describe('declined payments', () => {
  for (const [method, reason] of [
    ['card_declined', 'Card declined'],
    ['insufficient_funds', 'Insufficient funds'],
  ] as const) {
    it(`fails the booking for ${method}, releases the seats and sends booking_failed`, async () => {
      const notificationTap = await tap(config.kafka.topics.notificationRequests);
      try {
        const user = newUser(config);
        const { event, hold, bookingId } = await submitFor(user, ['C1', 'C2'], method);
        const row = await waitForFinal(svc.deps, bookingId);
        assert.equal(row.status, 'failed');
        assert.equal(row.payment_status, 'failed');
        const status = await svc.api('GET', `/api/booking/${bookingId}`, { token: user.token });
        assert.equal(status.body.status, 'failed');
        assert.equal(status.body.payment_status, 'failed');
        assert.equal(status.body.error_message, `Payment declined: ${reason}`);
        assert.ok(status.body.failed_at);

        assert.equal((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'released');
        // The seats are free again: someone else can hold them.
        await holdSeats(events, newUser(config), event.event_id, ['C1', 'C2']);
        assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 0, total: 1, refunded: 0 });

        const notification = (await notificationTap.find(bookingId)).json<{
          type: string;
          booking_data: { reason: string; payment_status: string };
        }>();
        assert.equal(notification.type, 'booking_failed');
        assert.equal(notification.booking_data.reason, `Payment declined: ${reason}`);
        assert.equal(notification.booking_data.payment_status, 'failed');
      } finally {
        await notificationTap.close();
      }
    });
  }
});

describe('transient failures', () => {
  it('retries a payment that fails transiently and confirms it with a single charge', async () => {
    const user = newUser(config);
    const { bookingId } = await submitFor(user, ['D1'], 'transient_failure');
    const row = await waitForFinal(svc.deps, bookingId);
    assert.equal(row.status, 'confirmed');
    const attempts = await svc.deps.db.query<{ attempts: number }>('SELECT attempts FROM gateway_attempts WHERE idempotency_key = $1', [
      bookingId,
    ]);
    assert.equal(attempts.rows[0]?.attempts, 3, 'two transient failures, then the capture');
    assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 1, total: 1, refunded: 0 });
  });

  it('dead-letters a booking that never gets through, and still fails it cleanly with the seats released', async () => {
    const dlqTap = await tap(`${config.kafka.topics.bookingRequests}.dlq`);
    try {
      const user = newUser(config);
      const { event, hold, bookingId } = await submitFor(user, ['E1'], 'gateway_unavailable');
      const row = await waitForFinal(svc.deps, bookingId);
      assert.equal(row.status, 'failed');
      assert.equal(row.payment_status, 'failed');
      assert.match(row.error_message ?? '', /could not be processed/);
      const dead = await dlqTap.find(bookingId);
      assert.equal(dead.headers['dlq-original-topic'], config.kafka.topics.bookingRequests);
      assert.equal((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'released');
      await holdSeats(events, newUser(config), event.event_id, ['E1']);
      assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 0, total: 0, refunded: 0 });
    } finally {
      await dlqTap.close();
    }
  });
});

describe('seats lost while paying', () => {
  it('refunds the payment and fails the booking when the hold expired and its seats were taken before confirmation', async () => {
    // A second booking service whose payment window is one second and whose worker starts late.
    const slowConfig = bookingsConfig({ events: { url: events.baseUrl, lockSeconds: 1 }, payments: { latencyMs: 50 } });
    const late = await startBookings(slowConfig, { worker: false });
    try {
      const user = newUser(slowConfig);
      const event = await createEvent(events, user);
      const hold = await holdSeats(events, user, event.event_id, ['F1', 'F2']);
      holdIds.push(hold.hold_id);
      const res = await late.api('POST', '/api/booking', {
        token: user.token,
        body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } },
      });
      assert.equal(res.status, 202, res.text);
      await waitFor(
        async () => ((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status === 'expired' ? true : undefined),
        'the payment window to pass',
      );
      await holdSeats(events, newUser(slowConfig), event.event_id, ['F2']);

      const worker = await startBookingsWorker(late.deps);
      try {
        const row = await waitForFinal(late.deps, res.body.booking_id);
        assert.equal(row.status, 'failed');
        assert.equal(row.payment_status, 'refunded');
        assert.equal(row.error_message, 'The seats were taken after the hold expired');
        assert.deepEqual(await chargesFor(late.deps, row.id), { captured: 1, total: 1, refunded: 1 });
        const status = await late.api('GET', `/api/booking/${row.id}`, { token: user.token });
        assert.equal(status.body.payment_status, 'refunded');
      } finally {
        await worker.close();
      }
    } finally {
      await late.close();
    }
  });
});

describe('invariants', () => {
  it('holds them for every booking made in this file', async () => {
    for (const holdId of holdIds) await waitForFinal(svc.deps, bookingIdForHold(holdId));
    assert.deepEqual(await assertInvariants(svc.deps, holdIds), {
      bookingsPerHoldOverOne: 0,
      capturesPerBookingOverOne: 0,
      notFinal: 0,
      confirmedWithoutPayment: 0,
      failedKeepingMoney: 0,
    });
  });
});
