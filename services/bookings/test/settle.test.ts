import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { processBooking, settleBooking } from '../src/bookings/process-booking.ts';
import {
  createBookingsDeps,
  createHttpEventsClient,
  startBookingsWorker,
  startReconciler,
  type BookingsConfig,
  type PaymentGateway,
} from '../src/index.ts';
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

async function submitted(method = 'credit_card') {
  const user = newUser(config);
  const event = await createEvent(events, user);
  const hold = await holdSeats(events, user, event.event_id, ['A1', 'A2']);
  holdIds.push(hold.hold_id);
  const res = await svc.api('POST', '/api/booking', {
    token: user.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  const booking = (await svc.deps.bookingsRepository.findById(res.body.booking_id))!;
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

describe('the reconciler', () => {
  it('refunds and fails a booking whose worker charged the card and vanished', async () => {
    const { hold, booking } = await submitted();
    const charge = await svc.deps.gateway.charge({
      idempotencyKey: booking.id,
      amountCents: Number(booking.total_cents),
      currency: 'USD',
      method: 'credit_card',
      reference: booking.id,
    });
    assert.equal(charge.status, 'captured');
    const row = await reconcile(booking.id);
    assert.equal(row.status, 'failed');
    assert.equal(row.payment_status, 'refunded');
    assert.equal(row.error_message, 'The booking could not be processed in time');
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 1, total: 1, refunded: 1 });
    assert.equal((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'released');
    const outbox = await svc.deps.db.query<{ value: { type: string } }>('SELECT value FROM outbox WHERE key = $1 AND topic = $2', [
      booking.id,
      config.kafka.topics.notificationRequests,
    ]);
    assert.deepEqual(
      outbox.rows.map((r) => r.value.type),
      ['booking_failed'],
    );
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

describe('a booking dead-lettered while the event service is unreachable', () => {
  it('stays processing until the reconciler can settle it, then ends failed with the payment refunded', async () => {
    // A worker whose event service is unreachable: it charges, cannot confirm, gives up
    // (dead letter), and cannot release the hold either.
    const cutOff = await createBookingsDeps(config, {
      eventsClient: createHttpEventsClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 500, jwt: config.jwt }),
    });
    const worker = await startBookingsWorker(cutOff);
    const { hold, booking } = await submitted();
    try {
      const deadLettered = async () =>
        (await cutOff.metrics.messages.get()).values.find((v) => v.labels.outcome === 'dead_lettered')?.value ?? 0;
      await waitFor(async () => ((await deadLettered()) >= 1 ? true : undefined), 'the dead letter');
      const row = (await svc.deps.bookingsRepository.findById(booking.id))!;
      assert.equal(row.status, 'processing');
      assert.equal(row.payment_status, 'captured');
      assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 1, total: 1, refunded: 0 });
    } finally {
      await worker.close();
      await cutOff.close();
    }
    const row = await reconcile(booking.id);
    assert.equal(row.status, 'failed');
    assert.equal(row.payment_status, 'refunded');
    assert.deepEqual(await chargesFor(svc.deps, booking.id), { captured: 1, total: 1, refunded: 1 });
    assert.equal((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'released');
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
