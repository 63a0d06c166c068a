import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTicketCodes, createTicketVerifier } from '@ticketing/tickets';
import { processBooking, settleBooking, syncWithProvider } from '../src/bookings/process-booking.ts';
import { cancelForSeats } from '../src/tickets/tickets.repository.ts';
import type { BookingsConfig } from '../src/index.ts';
import { createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings, type StartedBookings } from './helpers.ts';

// Tickets are issued by the statement that confirms a booking (every path to `confirmed` goes
// through it), exactly once, and invalidated by one function. The booking API runs without a
// worker: each test drives processing itself, as many times as it likes.

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  config = bookingsConfig({
    events: { url: events.baseUrl },
    payments: { latencyMs: 20 },
    tickets: { signingSecret: randomUUID() + randomUUID() },
  });
  svc = await startBookings(config, { worker: false });
});
after(async () => {
  await svc.close();
  await events.close();
});

async function submitted(seats = ['A1', 'A2', 'A3'], method = 'credit_card') {
  const user = newUser(config);
  const event = await createEvent(events, user);
  const hold = await holdSeats(events, user, event.event_id, seats);
  const res = await svc.api('POST', '/api/booking', {
    token: user.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  return { user, event, bookingId: res.body.booking_id as string };
}

const ticketsOf = async (bookingId: string) =>
  (
    await svc.deps.db.query<{ id: string; event_id: string; seat: string; code: string; status: string; cancelled_at: Date | null }>(
      'SELECT id, event_id, seat, code, status, cancelled_at FROM tickets WHERE booking_id = $1 ORDER BY seat',
      [bookingId],
    )
  ).rows;

const confirmationOf = async (bookingId: string) =>
  (
    await svc.deps.db.query<{ value: { type: string; booking_data: { tickets?: { ticket_id: string; seat: string; code: string }[] } } }>(
      'SELECT value FROM outbox WHERE key = $1 AND topic = $2',
      [bookingId, config.kafka.topics.notificationRequests],
    )
  ).rows.map((r) => r.value);

describe('issuing tickets', () => {
  it('gives every seat of a confirmed booking one ticket whose code verifies offline with the public key', async () => {
    const { event, bookingId } = await submitted();
    await processBooking(svc.deps.processing, bookingId);
    assert.equal((await waitForFinal(svc.deps, bookingId)).status, 'confirmed');

    const tickets = await ticketsOf(bookingId);
    assert.deepEqual(
      tickets.map((t) => [t.seat, t.status, t.event_id]),
      [
        ['A1', 'valid', event.event_id],
        ['A2', 'valid', event.event_id],
        ['A3', 'valid', event.event_id],
      ],
    );
    // A gate holds only the public keys (GET /api/tickets/keys), not the database.
    const gate = createTicketCodes({ signingSecret: 'another-service-with-its-own-secret-0123456789' });
    const offline = createTicketVerifier(svc.deps.tickets.verifier.keys);
    for (const t of tickets) {
      assert.deepEqual(offline.verify(t.code), {
        ok: true,
        ticket: { kid: svc.deps.tickets.signer.kid, ticketId: t.id, eventId: event.event_id, bookingId, seat: t.seat },
      });
      assert.deepEqual(gate.verifier.verify(t.code), { ok: false, reason: 'unknown_key' });
    }

    // The confirmation message (same statement) carries the same codes, for the email's QR codes and PDF.
    const [message, ...more] = await confirmationOf(bookingId);
    assert.equal(more.length, 0);
    assert.equal(message!.type, 'booking_confirmed');
    assert.deepEqual(
      message!.booking_data.tickets,
      tickets.map((t) => ({ ticket_id: t.id, seat: t.seat, code: t.code })),
    );
  });

  it('issues them once however many workers process the booking at the same moment', async () => {
    const { bookingId } = await submitted(['B1', 'B2']);
    await Promise.all(Array.from({ length: 5 }, () => processBooking(svc.deps.processing, bookingId)));
    assert.equal((await waitForFinal(svc.deps, bookingId)).status, 'confirmed');
    // A redelivered message and a late reconciler pass change nothing either.
    await processBooking(svc.deps.processing, bookingId);
    await settleBooking(svc.deps.processing, bookingId, 'stuck');

    const { rows } = await svc.deps.db.query<{ seat: string; n: number }>(
      'SELECT seat, count(*)::int AS n FROM tickets WHERE booking_id = $1 GROUP BY seat ORDER BY seat',
      [bookingId],
    );
    assert.deepEqual(rows, [
      { seat: 'B1', n: 1 },
      { seat: 'B2', n: 1 },
    ]);
    assert.equal((await confirmationOf(bookingId)).length, 1);
  });

  it('issues them for a booking the reconciler confirms (the worker charged and vanished)', async () => {
    const { bookingId } = await submitted(['C1']);
    const booking = (await svc.deps.bookingsRepository.findById(bookingId))!;
    const charge = await svc.deps.gateway.charge({
      idempotencyKey: bookingId,
      amountCents: Number(booking.total_cents),
      currency: 'USD',
      method: 'credit_card',
      reference: bookingId,
    });
    assert.equal(charge.status, 'captured');
    assert.equal((await settleBooking(svc.deps.processing, bookingId, 'stuck'))?.status, 'confirmed');
    assert.deepEqual(
      (await ticketsOf(bookingId)).map((t) => [t.seat, t.status]),
      [['C1', 'valid']],
    );
  });

  it('issues none for a failed booking', async () => {
    const { bookingId } = await submitted(['D1'], 'card_declined');
    await processBooking(svc.deps.processing, bookingId);
    assert.equal((await waitForFinal(svc.deps, bookingId)).status, 'failed');
    assert.deepEqual(await ticketsOf(bookingId), []);
    assert.equal((await confirmationOf(bookingId))[0]!.booking_data.tickets, undefined);
  });
});

describe('cancelForSeats', () => {
  it('invalidates the given seats once, then the rest of the booking', async () => {
    const { bookingId } = await submitted(['E1', 'E2', 'E3']);
    await processBooking(svc.deps.processing, bookingId);
    await waitForFinal(svc.deps, bookingId);

    const first = await svc.deps.db.transaction((tx) => cancelForSeats(tx, bookingId, ['E1', 'E2']));
    assert.deepEqual(first.map((t) => t.seat).sort(), ['E1', 'E2']);
    assert.deepEqual(await cancelForSeats(svc.deps.db, bookingId, ['E1']), [], 'a second cancellation changes nothing');
    const rest = await svc.deps.tickets.repository.cancelForSeats(bookingId);
    assert.deepEqual(
      rest.map((t) => t.seat),
      ['E3'],
    );
    const tickets = await ticketsOf(bookingId);
    assert.ok(tickets.every((t) => t.status === 'cancelled' && t.cancelled_at !== null));
    // The signature alone still verifies: whether a ticket is still valid is the row's to say (check-in reads it).
    assert.equal(svc.deps.tickets.verifier.verify(tickets[0]!.code).ok, true);
  });

  it('invalidates the tickets of a booking refunded in full at the payment provider', async () => {
    const { bookingId } = await submitted(['I1', 'I2']);
    await processBooking(svc.deps.processing, bookingId);
    const booking = await waitForFinal(svc.deps, bookingId);
    // Refunded in the provider's dashboard; its webhook makes the booking look again.
    await svc.deps.gateway.refund({
      paymentId: booking.payment_id!,
      idempotencyKey: `dashboard:${bookingId}`,
      reason: 'requested_by_customer',
    });
    assert.equal((await syncWithProvider(svc.deps.processing, bookingId))?.payment_status, 'refunded');
    assert.deepEqual(
      (await ticketsOf(bookingId)).map((t) => t.status),
      ['cancelled', 'cancelled'],
    );
  });

  it('is what the event cancellation uses: the cancelled booking has no valid ticket left', async () => {
    const { bookingId } = await submitted(['F1', 'F2']);
    await processBooking(svc.deps.processing, bookingId);
    await waitForFinal(svc.deps, bookingId);
    const marked = await svc.deps.eventCancellations.markCancelled(bookingId, {
      id: randomUUID(),
      topic: config.kafka.topics.notificationRequests,
      key: bookingId,
      value: { type: 'event_cancelled' },
      headers: {},
    });
    assert.ok(marked);
    assert.deepEqual(
      (await ticketsOf(bookingId)).map((t) => [t.seat, t.status]),
      [
        ['F1', 'cancelled'],
        ['F2', 'cancelled'],
      ],
    );
  });
});

describe('the tickets API', () => {
  it('GET /api/bookings/:id/tickets gives the buyer their codes, and anyone else a 404', async () => {
    const { user, event, bookingId } = await submitted(['G1', 'G2']);
    const before = await svc.api('GET', `/api/bookings/${bookingId}/tickets`, { token: user.token });
    assert.equal(before.status, 200, before.text);
    assert.deepEqual(before.body, { booking_id: bookingId, tickets: [] }, 'none until the booking is confirmed');

    await processBooking(svc.deps.processing, bookingId);
    await waitForFinal(svc.deps, bookingId);
    const res = await svc.api('GET', `/api/bookings/${bookingId}/tickets`, { token: user.token });
    assert.equal(res.status, 200, res.text);
    const rows = await ticketsOf(bookingId);
    assert.deepEqual(
      res.body.tickets,
      rows.map((t) => ({
        ticket_id: t.id,
        booking_id: bookingId,
        seat: t.seat,
        status: 'valid',
        code: t.code,
        event: { event_id: event.event_id, name: event.name, venue: event.venue, event_date: event.event_date },
        issued_at: res.body.tickets.find((v: { ticket_id: string }) => v.ticket_id === t.id).issued_at,
      })),
    );

    for (const other of [newUser(config), newUser(config, 'admin')]) {
      const refused = await svc.api('GET', `/api/bookings/${bookingId}/tickets`, { token: other.token });
      assert.equal(refused.status, 404, refused.text);
      assert.equal(refused.body.error, 'booking_not_found');
    }
    assert.equal((await svc.api('GET', `/api/bookings/${bookingId}/tickets`)).status, 401);
    assert.equal((await svc.api('GET', `/api/bookings/not-a-uuid/tickets`, { token: user.token })).status, 404);
  });

  it('GET /api/tickets lists the caller’s tickets with their status, and pages', async () => {
    const first = await submitted(['H1', 'H2']);
    await processBooking(svc.deps.processing, first.bookingId);
    await waitForFinal(svc.deps, first.bookingId);
    await cancelForSeats(svc.deps.db, first.bookingId, ['H2']);

    const mine = await svc.api('GET', '/api/tickets', { token: first.user.token });
    assert.equal(mine.status, 200, mine.text);
    assert.deepEqual(
      mine.body.tickets.map((t: { seat: string; status: string; cancelled_at?: string }) => [
        t.seat,
        t.status,
        t.cancelled_at !== undefined,
      ]),
      [
        ['H1', 'valid', false],
        ['H2', 'cancelled', true],
      ],
    );
    assert.deepEqual(mine.body.pagination, { total: 2, limit: 50, offset: 0, has_more: false });
    const page = await svc.api('GET', '/api/tickets?limit=1&offset=1', { token: first.user.token });
    assert.deepEqual([page.body.tickets.length, page.body.pagination.has_more], [1, false]);
    const stranger = await svc.api('GET', '/api/tickets', { token: newUser(config).token });
    assert.deepEqual(stranger.body.tickets, []);
    assert.equal((await svc.api('GET', '/api/tickets?limit=0', { token: first.user.token })).status, 400);
  });

  it('GET /api/tickets/keys publishes the public key that verifies the codes offline', async () => {
    const res = await svc.api('GET', '/api/tickets/keys');
    assert.equal(res.status, 200, res.text);
    const [key] = res.body.keys;
    assert.deepEqual(key, { kid: svc.deps.tickets.signer.kid, alg: 'Ed25519', public_key: svc.deps.tickets.signer.publicKey.publicKey });
    const { bookingId } = await submitted(['J1']);
    await processBooking(svc.deps.processing, bookingId);
    await waitForFinal(svc.deps, bookingId);
    const gate = createTicketVerifier(
      res.body.keys.map((k: { kid: string; public_key: string }) => ({ kid: k.kid, publicKey: k.public_key })),
    );
    assert.equal(gate.verify((await ticketsOf(bookingId))[0]!.code).ok, true);
  });
});
