import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { createPaymentWebhooksRepository } from '../src/payments/payment-webhooks.repository.ts';
import { createPaymentWebhooksService } from '../src/payments/payment-webhooks.service.ts';
import { startReconciler, type BookingsConfig } from '../src/index.ts';
import { chargesFor, createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings, waitFor, type StartedBookings } from './helpers.ts';

// Payment outcomes that arrive late or out of order, settled by Stripe-signed webhooks (signed
// here with the stripe package's own test helper) or by the reconciler. The provider is the
// simulated gateway, which can play what stripe-mock cannot: a capture that lands after our
// timeout (`late_capture`), a payment waiting for 3-D Secure (`requires_action`), a refund
// made outside the booking flow.

const SECRET = `whsec_${randomUUID().replace(/-/g, '')}`;
const LATE_CAPTURE_MS = 1500;
let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  config = bookingsConfig({
    events: { url: events.baseUrl },
    payments: {
      latencyMs: 20,
      lateCaptureMs: LATE_CAPTURE_MS,
      openPaymentTimeoutSeconds: 600,
      stripe: { webhookSecret: SECRET, webhookToleranceSeconds: 300 },
    },
    worker: { maxAttempts: 4 },
  });
  svc = await startBookings(config);
});
after(async () => {
  await svc.close();
  await events.close();
});

async function submit(method: string) {
  const user = newUser(config);
  const event = await createEvent(events, user);
  const hold = await holdSeats(events, user, event.event_id, ['A1', 'A2']);
  const res = await svc.api('POST', '/api/booking', {
    token: user.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  return { user, event, hold, bookingId: res.body.booking_id as string };
}

function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${randomUUID().replace(/-/g, '')}`) {
  return JSON.stringify({ id, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
}

function sign(payload: string, opts: { secret?: string; timestamp?: number } = {}) {
  return Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: opts.secret ?? SECRET,
    ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
  });
}

async function deliver(payload: string, signature: string | undefined) {
  const res = await fetch(`${svc.baseUrl}/api/payments/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature !== undefined ? { 'stripe-signature': signature } : {}) },
    body: payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const bookingRow = async (id: string) => (await svc.deps.bookingsRepository.findById(id))!;

/** Waits until the worker has left the booking waiting on the provider (its late charge recorded). */
async function pendingAtProvider(bookingId: string) {
  await waitFor(
    async () => ((await svc.deps.gateway.findCharge(bookingId))?.status === 'pending' ? true : undefined),
    'the late charge to be recorded',
  );
  // The worker's retry hears "pending" and leaves the booking to the webhook or the reconciler.
  await waitFor(async () => ((await bookingRow(bookingId)).payment_status === 'processing' ? true : undefined), 'payment processing');
}

const untilCaptured = (bookingId: string) =>
  waitFor(
    async () => ((await svc.deps.gateway.findCharge(bookingId))?.status === 'captured' ? true : undefined),
    'the late capture',
    30_000,
  );

describe('POST /api/payments/webhooks/stripe', () => {
  it('confirms a booking whose charge succeeded after our timeout, once, and refuses tampered, replayed and stale deliveries', async () => {
    const { bookingId } = await submit('late_capture');
    await pendingAtProvider(bookingId);
    await untilCaptured(bookingId);
    const intent = {
      id: (await svc.deps.gateway.findCharge(bookingId))!.paymentId,
      object: 'payment_intent',
      metadata: { booking_id: bookingId },
    };
    const payload = stripeEvent('payment_intent.succeeded', intent);
    const before = await bookingRow(bookingId);
    assert.equal(before.status, 'processing', 'nothing settles it without the webhook (reconciler off)');

    // Tampered: signed for another body.
    const tampered = payload.replace('payment_intent.succeeded', 'payment_intent.canceled');
    const t = await deliver(tampered, sign(payload));
    assert.equal(t.status, 400);
    assert.equal(t.body.error, 'webhook_signature_invalid');
    // Signed with another secret, too old (outside the 300 s tolerance), or not signed at all.
    assert.equal((await deliver(payload, sign(payload, { secret: 'whsec_other' }))).body.error, 'webhook_signature_invalid');
    const stale = await deliver(payload, sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    assert.equal(stale.status, 400);
    assert.match(String(stale.body.message), /tolerance/i);
    assert.equal((await deliver(payload, undefined)).status, 400);
    const untouched = await bookingRow(bookingId);
    assert.equal(untouched.version, before.version, 'a refused delivery changes nothing');
    const seen = await svc.deps.db.query('SELECT 1 FROM payment_webhook_events WHERE booking_id = $1', [bookingId]);
    assert.equal(seen.rows.length, 0);

    const ok = await deliver(payload, sign(payload));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { received: true, duplicate: false, booking_id: bookingId });
    const confirmed = await bookingRow(bookingId);
    assert.equal(confirmed.status, 'confirmed');
    assert.equal(confirmed.payment_status, 'captured');

    // Replayed (the same event, freshly signed): a duplicate that changes nothing.
    const replay = await deliver(payload, sign(payload));
    assert.deepEqual(replay.body, { received: true, duplicate: true, booking_id: null });
    assert.equal((await bookingRow(bookingId)).version, confirmed.version);
    assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 1, total: 1, refunded: 0 });
    const hold = await events.internal('GET', `/internal/holds/${confirmed.hold_id}`);
    assert.equal(hold.body.status, 'confirmed');
  });

  it('ignores an out-of-order failure event for a booking the provider says is paid', async () => {
    const { bookingId } = await submit('late_capture');
    await pendingAtProvider(bookingId);
    await untilCaptured(bookingId);
    const paymentId = (await svc.deps.gateway.findCharge(bookingId))!.paymentId;
    // A stale "failed" event arriving after the capture: the provider's state decides, not the event.
    const payload = stripeEvent('payment_intent.payment_failed', {
      id: paymentId,
      object: 'payment_intent',
      metadata: { booking_id: bookingId },
    });
    assert.equal((await deliver(payload, sign(payload))).status, 200);
    assert.equal((await bookingRow(bookingId)).status, 'confirmed');
  });

  it('records a refund made in the dashboard on the confirmed booking (charge.refunded names only the payment)', async () => {
    const { bookingId } = await submit('credit_card');
    const row = await waitForFinal(svc.deps, bookingId);
    assert.equal(row.status, 'confirmed');
    await svc.deps.gateway.refund({ paymentId: row.payment_id!, idempotencyKey: `dashboard:${bookingId}` });
    const payload = stripeEvent('charge.refunded', { id: `ch_${randomUUID()}`, object: 'charge', payment_intent: row.payment_id });
    const res = await deliver(payload, sign(payload));
    assert.deepEqual(res.body, { received: true, duplicate: false, booking_id: bookingId });
    const after = await bookingRow(bookingId);
    assert.deepEqual([after.status, after.payment_status], ['confirmed', 'refunded']);
    assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 1, total: 1, refunded: 1 });
  });

  it('answers an event about no booking of ours with 200, and a malformed body with 400', async () => {
    const payload = stripeEvent('payment_intent.succeeded', { id: 'pi_unknown', object: 'payment_intent' });
    assert.deepEqual((await deliver(payload, sign(payload))).body, { received: true, duplicate: false, booking_id: null });
    const notJson = '{"id": "evt_1", ';
    const bad = await deliver(notJson, sign(notJson));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_json');
    const noType = JSON.stringify({ id: 'evt_2', data: { object: {} } });
    assert.equal((await deliver(noType, sign(noType))).body.error, 'validation_failed');
  });

  it('is not there without a signing secret (404 webhook_not_configured)', async () => {
    const service = createPaymentWebhooksService({
      repository: createPaymentWebhooksRepository(svc.deps.db),
      bookingsRepository: svc.deps.bookingsRepository,
      processing: svc.deps.processing,
      logger: svc.deps.logger,
      stripeWebhookSecret: '',
      toleranceSeconds: 300,
    });
    await assert.rejects(service.receiveStripe('{}', 't=1,v1=x'), (err: { code?: string }) => err.code === 'webhook_not_configured');
  });
});

describe('the reconciler', () => {
  const age = (bookingId: string) =>
    svc.deps.db.query(`UPDATE bookings SET updated_at = now() - interval '1 hour' WHERE id = $1`, [bookingId]);

  async function reconcileOnce(bookingId: string, deps = svc.deps) {
    await age(bookingId);
    const reconciler = startReconciler({
      ...deps,
      config: { reconciler: { ...config.reconciler, intervalMs: 50, stuckAfterSeconds: 1800 } },
    });
    try {
      await waitFor(
        async () => ((await bookingRow(bookingId)).updated_at.getTime() > Date.now() - 60_000 ? true : undefined),
        'the reconciler to look at the booking',
      );
    } finally {
      await reconciler.close();
    }
  }

  it('confirms a booking whose charge landed at the provider after our timeout, without a webhook, charging once', async () => {
    const { bookingId } = await submit('late_capture');
    await pendingAtProvider(bookingId);
    await untilCaptured(bookingId);
    await reconcileOnce(bookingId);
    const row = await waitForFinal(svc.deps, bookingId);
    assert.deepEqual([row.status, row.payment_status], ['confirmed', 'captured']);
    assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 1, total: 1, refunded: 0 });
  });

  it('leaves a booking waiting for 3-D Secure in payment_action_required, then voids it after the open-payment timeout', async () => {
    const { user, bookingId, hold } = await submit('requires_action');
    const waiting = await waitFor(async () => {
      const r = await bookingRow(bookingId);
      return r.status === 'payment_action_required' ? r : undefined;
    }, 'payment_action_required');
    assert.equal(waiting.payment_status, 'processing');
    const view = await svc.api('GET', `/api/booking/${bookingId}`, { token: user.token });
    assert.equal(view.body.status, 'payment_action_required');
    assert.equal(view.body.payment_action.provider, 'simulated');
    assert.match(view.body.payment_action.client_secret, /_secret_/);
    assert.equal(view.body.payment_action.publishable_key, undefined, 'no publishable key configured');
    const other = newUser(config);
    assert.equal((await svc.api('GET', `/api/booking/${bookingId}`, { token: other.token })).status, 404, 'the secret is the owner’s only');

    // Within the timeout the reconciler leaves it alone.
    await reconcileOnce(bookingId);
    assert.equal((await bookingRow(bookingId)).status, 'payment_action_required');

    // Past it (a reconciler of a process configured with a 1 s timeout), the payment is voided and the booking fails.
    await svc.deps.db.query(`UPDATE bookings SET created_at = now() - interval '1 hour' WHERE id = $1`, [bookingId]);
    await reconcileOnce(bookingId, { ...svc.deps, processing: { ...svc.deps.processing, openPaymentTimeoutSeconds: 1 } });
    const row = await waitForFinal(svc.deps, bookingId);
    assert.deepEqual([row.status, row.payment_status, row.payment_action_secret], ['failed', 'failed', null]);
    assert.deepEqual(await chargesFor(svc.deps, bookingId), { captured: 0, total: 1, refunded: 0 });
    const released = await events.internal('GET', `/internal/holds/${hold.hold_id}`);
    assert.equal(released.body.status, 'released');
  });
});
