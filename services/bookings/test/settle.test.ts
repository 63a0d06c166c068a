import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { processBooking, settleBooking } from '../src/bookings/process-booking.ts';
import { startBookingsWorker, startReconciler, type BookingsConfig, type PaymentGateway } from '../src/index.ts';
import { assertInvariants, chargesFor, createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings, waitFor, type StartedBookings } from './helpers.ts';

// Bookings left processing by a worker that vanished, and the two ways they still end: the
// dead-letter hook and the reconciler. The booking API here runs without a worker, so each test
// decides what "the worker did" before it vanished.

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;
const holdIds: string[] = [];

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  // The reconciler only looks at bookings unchanged for 30 minutes; tests age their own bookings,
  // so bookings of other test files running at the same time are never touched.
  config = bookingsConfig({
    events: { url: events.baseUrl },
    payments: { latencyMs: 20 },
    reconciler: { enabled: true, intervalMs: 100, stuckAfterSeconds: 1800 },
    worker: { maxAttempts: 2 },
  });
  svc = await startBookings(config, { worker: false });
});
after(async () => {
  await svc.close();
  await events.close();
});

async function submitted(method = 'credit_card', on: { events: StartedEvents; svc: StartedBookings } = { events, svc }) {
  const user = newUser(config);
  const event = await createEvent(on.events, user);
  const hold = await holdSeats(on.events, user, event.event_id, ['A1', 'A2']);
  holdIds.push(hold.hold_id);
  const res = await on.svc.api('POST', '/api/booking', {
    token: user.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  const booking = (await on.svc.deps.bookingsRepository.findById(res.body.booking_id))!;
  return { user, event, hold, booking };
}

const age = (bookingId: string) =>
  svc.deps.db.query(`UPDATE bookings SET updated_at = now() - interval '1 hour' WHERE id = $1`, [bookingId]);

async function reconcile(bookingId: string) {
  await age(bookingId);
  const reconciler = startReconciler(svc.deps);
  try {
    return await waitForFinal(svc.deps, bookingId);
  } finally {
    await reconciler.close();
  }
}

/** What a worker that vanished right after charging the card leaves behind. */
async function charge(booking: { id: string; total_cents: string }, method = 'credit_card') {
  return svc.deps.gateway.charge({
    idempotencyKey: booking.id,
    amountCents: Number(booking.total_cents),
    currency: 'USD',
    method,
    reference: booking.id,
  });
}

const notificationTypes = async (bookingId: string) =>
  (
    await svc.deps.db.query<{ value: { type: string } }>('SELECT value FROM outbox WHERE key = $1 AND topic = $2', [
      bookingId,
      config.kafka.topics.notificationRequests,
    ])
  ).rows.map((r) => r.value.type);

describe('the reconciler', () => {
  it('confirms a booking whose worker charged the card and vanished: the seats are still its own', async () => {
    const { hold, booking } = await submitted();
    assert.equal((await charge(booking)).status, 'captured');
    const row = await reconcile(booking.id);
    assert.equal(row.status, 'confirmed');
    assert.equal(row.payment_status, 'captured');
    assert.equal(row.error_message, null);
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 1, total: 1, refunded: 0 });
    assert.equal((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'confirmed');
    assert.deepEqual(await notificationTypes(booking.id), ['booking_confirmed']);
  });

  it('refunds a paid booking only when the event service says its seats are gone', async () => {
    const { hold, booking } = await submitted();
    await charge(booking);
    const released = await events.internal('POST', `/internal/holds/${hold.hold_id}/release`, { booking_id: booking.id });
    assert.equal(released.status, 200, released.text);
    const row = await reconcile(booking.id);
    assert.equal(row.status, 'failed');
    assert.equal(row.payment_status, 'refunded');
    assert.equal(row.error_message, 'The hold could not be confirmed (hold_not_active)');
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 1, total: 1, refunded: 1 });
    assert.deepEqual(await notificationTypes(booking.id), ['booking_failed']);
  });

  it('keeps the real reason of a declined card', async () => {
    const { hold, booking } = await submitted('card_declined');
    assert.equal((await charge(booking, 'card_declined')).status, 'declined');
    const row = await reconcile(booking.id);
    assert.equal(row.status, 'failed');
    assert.equal(row.payment_status, 'failed');
    assert.equal(row.error_message, 'Payment declined: Card declined');
    assert.equal((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'released');
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 0, total: 1, refunded: 0 });
  });

  it('confirms a booking whose worker had already confirmed the seats (the hold decides)', async () => {
    const { hold, booking } = await submitted();
    await svc.deps.gateway.charge({
      idempotencyKey: booking.id,
      amountCents: Number(booking.total_cents),
      currency: 'USD',
      method: 'credit_card',
      reference: booking.id,
    });
    const confirmed = await events.internal('POST', `/internal/holds/${hold.hold_id}/confirm`, { booking_id: booking.id });
    assert.equal(confirmed.status, 200, confirmed.text);
    const row = await reconcile(booking.id);
    assert.equal(row.status, 'confirmed');
    assert.equal(row.payment_status, 'captured');
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 1, total: 1, refunded: 0 });
  });

  it('fails a booking that was never charged, releasing its seats', async () => {
    const { event, hold, booking } = await submitted();
    const row = await reconcile(booking.id);
    assert.equal(row.status, 'failed');
    assert.equal(row.payment_status, 'failed');
    assert.equal((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'released');
    await holdSeats(events, newUser(config), event.event_id, ['A1', 'A2']);
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 0, total: 0, refunded: 0 });
  });

  it('leaves fresh bookings alone', async () => {
    const { booking } = await submitted();
    const claimed = await svc.deps.bookingsRepository.claimStuck(config.reconciler.stuckAfterSeconds, 1000);
    assert.ok(!claimed.some((b) => b.id === booking.id));
    assert.equal((await svc.deps.bookingsRepository.findById(booking.id))?.status, 'processing');
    await reconcile(booking.id);
  });
});

describe('a worker that lost the race with the reconciler', () => {
  it('refunds a payment it captured after the booking had been settled', async () => {
    const { booking } = await submitted();
    // The reconciler settles the booking while this worker's charge is in flight.
    const gateway: PaymentGateway = {
      ...svc.deps.gateway,
      async charge(request) {
        await settleBooking(svc.deps.processing, booking.id, 'The booking could not be processed in time');
        return svc.deps.gateway.charge(request);
      },
    };
    await processBooking({ ...svc.deps.processing, gateway }, booking.id);
    const row = (await svc.deps.bookingsRepository.findById(booking.id))!;
    assert.equal(row.status, 'failed');
    assert.equal(row.payment_status, 'refunded');
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 1, total: 1, refunded: 1 });
  });

  it('does nothing for a booking that is already final (a redelivered message)', async () => {
    const { booking } = await submitted();
    await reconcile(booking.id);
    const before = (await svc.deps.bookingsRepository.findById(booking.id))!;
    await processBooking(svc.deps.processing, booking.id);
    const afterwards = (await svc.deps.bookingsRepository.findById(booking.id))!;
    assert.equal(afterwards.version, before.version);
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 0, total: 0, refunded: 0 });
  });
});

describe('the event service down for a few seconds while a paid booking is settled', () => {
  // A second event service on a port of its own, stopped and started again on the same port.
  let flaky: StartedEvents;
  let port: number;
  let cut: StartedBookings;
  before(async () => {
    flaky = await startEvents(config.jwt);
    port = flaky.port;
    cut = await startBookings({ ...config, events: { ...config.events, url: flaky.baseUrl } }, { worker: false });
  });
  after(async () => {
    await cut.close();
    await flaky.close();
  });

  const stopEvents = () => flaky.close();
  const restartEvents = async () => {
    flaky = await startEvents(config.jwt, {}, { port });
  };

  it('keeps settling a dead-lettered booking until the event service is back, then confirms it', { timeout: 60_000 }, async () => {
    const { hold, booking } = await submitted('credit_card', { events: flaky, svc: cut });
    await stopEvents();
    // The worker charges the card, cannot confirm (maxAttempts 2), dead-letters, and settles.
    const worker = await startBookingsWorker(cut.deps);
    try {
      const deadLettered = async () =>
        (await cut.deps.metrics.messages.get()).values.find((v) => v.labels.outcome === 'dead_lettered')?.value ?? 0;
      await waitFor(async () => ((await deadLettered()) >= 1 ? true : undefined), 'the dead letter');
      // Well past the three quick tries (~300 ms) that used to give up.
      await sleep(2000);
      const row = (await cut.deps.bookingsRepository.findById(booking.id))!;
      assert.equal(row.status, 'processing');
      assert.equal(row.payment_status, 'captured');

      await restartEvents();
      const final = await waitForFinal(cut.deps, booking.id, 20_000);
      assert.equal(final.status, 'confirmed');
      assert.equal(final.payment_status, 'captured');
      assert.deepEqual(await chargesFor(cut.deps, booking.id), { captured: 1, total: 1, refunded: 0 });
      assert.equal((await flaky.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'confirmed');
    } finally {
      await worker.close();
    }
  });

  it('has the reconciler retry soon, not after another stuck period, and confirm', { timeout: 60_000 }, async () => {
    const { hold, booking } = await submitted('credit_card', { events: flaky, svc: cut });
    await charge(booking);
    await stopEvents();
    await cut.deps.db.query(`UPDATE bookings SET updated_at = now() - interval '1 hour' WHERE id = $1`, [booking.id]);
    const reconciler = startReconciler(cut.deps);
    try {
      await sleep(1500);
      assert.equal((await cut.deps.bookingsRepository.findById(booking.id))!.status, 'processing');
      await restartEvents();
      const final = await waitForFinal(cut.deps, booking.id, 20_000);
      assert.equal(final.status, 'confirmed');
      assert.deepEqual(await chargesFor(cut.deps, booking.id), { captured: 1, total: 1, refunded: 0 });
      assert.equal((await flaky.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'confirmed');
    } finally {
      await reconciler.close();
    }
  });
});

describe('invariants', () => {
  it('hold for every booking of this file', async () => {
    assert.deepEqual(await assertInvariants(svc.deps, holdIds), {
      bookingsPerHoldOverOne: 0,
      capturesPerBookingOverOne: 0,
      notFinal: 0,
      confirmedWithoutPayment: 0,
      failedKeepingMoney: 0,
    });
  });
});
