import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { BookingsConfig } from '../src/index.ts';
import { createEvent, startEventsOnKafka, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, killWorkers, newUser, spawnWorker, startBookings, waitFor, type StartedBookings } from './helpers.ts';

// The cancellation of an event with 1,000 confirmed bookings, through the real path: the event
// service's outbox → Kafka → the bookings worker (a child process, killed for real midway and
// started again) → the simulated gateway's refunds table and the notification outbox.

const BOOKINGS = 1000;

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let api: StartedBookings;

before(async () => {
  const jwt = bookingsConfig().jwt;
  config = bookingsConfig({ jwt });
  events = await startEventsOnKafka(jwt, config.kafka);
  config = bookingsConfig({ jwt, events: { url: events.baseUrl }, kafka: config.kafka });
  api = await startBookings(config, { worker: false });
});
after(async () => {
  killWorkers();
  await api?.close();
  await events?.close();
});

/** 1,000 confirmed, paid bookings of one event by 1,000 buyers, and their charges, in two statements. */
async function seedConfirmedBookings(eventId: string, eventName: string) {
  const { db } = api.deps;
  await db.query(
    `INSERT INTO bookings (id, hold_id, user_id, user_email, user_name, event_id, event_name, venue, event_date, seats, total_cents,
                           currency, payment_method, status, payment_status, payment_id, confirmed_at)
     SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'buyer' || i || '.' || $1 || '@example.test', 'Buyer ' || i,
            $1::uuid, $2, 'Test Arena', now() + interval '30 days', ARRAY['S' || i], 1000 + i, 'USD', 'credit_card',
            'confirmed', 'captured', gen_random_uuid()::text, now()
       FROM generate_series(1, $3::int) AS i`,
    [eventId, eventName, BOOKINGS],
  );
  await db.query(
    `INSERT INTO gateway_charges (payment_id, idempotency_key, reference, amount_cents, currency, method, status)
     SELECT payment_id::uuid, id::text, id::text, total_cents, currency, payment_method, 'captured' FROM bookings WHERE event_id = $1`,
    [eventId],
  );
}

const refunded = async (eventId: string) =>
  (
    await api.deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gateway_refunds r JOIN bookings b ON b.payment_id::uuid = r.payment_id WHERE b.event_id = $1`,
      [eventId],
    )
  ).rows[0]!.n;

describe('POST /api/events/{id}/cancel with 1,000 confirmed bookings', () => {
  it('refunds each booking exactly once and emails each buyer once, though the worker is killed midway', { timeout: 120_000 }, async () => {
    const owner = newUser(config);
    const event = await createEvent(events, owner);
    await seedConfirmedBookings(event.event_id, event.name);
    const expectedCents = (BOOKINGS * (BOOKINGS + 1)) / 2 + 1000 * BOOKINGS;

    // A stranger may not cancel it (another organization's event does not exist for them: 404);
    // its owner may, and again (idempotent).
    const stranger = newUser(config);
    const refused = await events.api('POST', `/api/events/${event.event_id}/cancel`, { token: stranger.token, body: {} });
    assert.equal(refused.status, 404, refused.text);
    assert.equal(refused.body.error, 'event_not_found');
    const first = spawnWorker(config, { paymentLatencyMs: 60 });
    const res = await events.api('POST', `/api/events/${event.event_id}/cancel`, {
      token: owner.token,
      body: { reason: 'The venue flooded' },
    });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, 'cancelled');
    const again = await events.api('POST', `/api/events/${event.event_id}/cancel`, { token: owner.token, body: {} });
    assert.equal(again.status, 202, again.text);
    assert.equal(again.body.cancelled_at, res.body.cancelled_at);
    // No hold after the cancellation.
    const hold = await events.api('POST', `/api/events/${event.event_id}/hold`, { token: owner.token, body: { seat_numbers: ['A1'] } });
    assert.equal(hold.status, 409, hold.text);

    await waitFor(async () => ((await refunded(event.event_id)) >= 150 ? true : undefined), 'refunds to start', 60_000);
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    const midway = await refunded(event.event_id);
    assert.ok(midway < BOOKINGS, `killed midway (${midway} refunded)`);
    const progress = await api.api('GET', `/api/events/${event.event_id}/cancellation`, { token: owner.token });
    assert.equal(progress.status, 200, progress.text);
    assert.equal(progress.body.status, 'refunding');
    assert.equal(progress.body.bookings_total, BOOKINGS);
    assert.equal(
      (await api.api('GET', `/api/events/${event.event_id}/cancellation`, { token: stranger.token })).status,
      404,
      'only the organization sees the progress',
    );

    const second = spawnWorker(config, { paymentLatencyMs: 0 });
    const done = await waitFor(
      async () => {
        const p = await api.api('GET', `/api/events/${event.event_id}/cancellation`, { token: owner.token });
        return p.body.status === 'completed' ? p.body : undefined;
      },
      'the cancellation to complete',
      90_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${second.output()}`);
    });
    assert.equal(done.bookings_refunded, BOOKINGS);
    assert.equal(done.refunded_amount * 100, expectedCents);

    // The totals, in SQL: one refund per payment, of its whole amount; every booking cancelled.
    const { rows } = await api.deps.db.query<{ refunds: number; payments: number; cents: string; twice: number; keys: number }>(
      `SELECT count(*)::int AS refunds, count(DISTINCT r.payment_id)::int AS payments, sum(r.amount_cents)::text AS cents,
              (SELECT count(*)::int FROM (SELECT payment_id FROM gateway_refunds GROUP BY payment_id HAVING count(*) > 1) t
                WHERE t.payment_id IN (SELECT payment_id::uuid FROM bookings WHERE event_id = $1)) AS twice,
              count(*) FILTER (WHERE r.idempotency_key = 'cancel:' || b.id)::int AS keys
         FROM gateway_refunds r JOIN bookings b ON b.payment_id::uuid = r.payment_id WHERE b.event_id = $1`,
      [event.event_id],
    );
    assert.deepEqual(rows[0], { refunds: BOOKINGS, payments: BOOKINGS, cents: String(expectedCents), twice: 0, keys: BOOKINGS });
    const statuses = await api.deps.db.query<{ status: string; payment_status: string; n: number }>(
      `SELECT status, payment_status, count(*)::int AS n FROM bookings WHERE event_id = $1 GROUP BY 1, 2`,
      [event.event_id],
    );
    assert.deepEqual(statuses.rows, [{ status: 'cancelled', payment_status: 'refunded', n: BOOKINGS }]);
    const charges = await api.deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gateway_charges c JOIN bookings b ON b.payment_id::uuid = c.payment_id
        WHERE b.event_id = $1 AND c.refunded_cents = c.amount_cents`,
      [event.event_id],
    );
    assert.equal(charges.rows[0]!.n, BOOKINGS);

    // One cancellation email per buyer (each buyer has one booking here), written with the cancellation.
    const emails = await api.deps.db.query<{ buyers: number; emails: number; most: number }>(
      `SELECT count(DISTINCT value->>'recipient_email')::int AS buyers, count(*)::int AS emails,
              COALESCE(max(n), 0)::int AS most
         FROM (SELECT value, count(*) OVER (PARTITION BY value->>'recipient_email') AS n FROM outbox
                WHERE topic = $1 AND value->>'type' = 'event_cancelled'
                  AND value->'booking_data'->>'booking_id' IN (SELECT id::text FROM bookings WHERE event_id = $2)) t`,
      [config.kafka.topics.notificationRequests, event.event_id],
    );
    assert.deepEqual(emails.rows[0], { buyers: BOOKINGS, emails: BOOKINGS, most: 1 });
    second.child.kill('SIGTERM');
    await second.exited;
  });

  it('answers 404 for an event that does not exist, and a clear 404 for the progress of one not cancelled', async () => {
    const owner = newUser(config);
    const res = await events.api('POST', `/api/events/${randomUUID()}/cancel`, { token: owner.token, body: {} });
    assert.equal(res.status, 404, res.text);
    assert.equal(res.body.error, 'event_not_found');
    const unknown = await api.api('GET', `/api/events/${randomUUID()}/cancellation`, { token: owner.token });
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.body.error, 'event_not_found');
    const event = await createEvent(events, owner);
    const progress = await api.api('GET', `/api/events/${event.event_id}/cancellation`, { token: owner.token });
    assert.equal(progress.status, 404, progress.text);
    assert.equal(progress.body.error, 'cancellation_not_found');
  });
});
