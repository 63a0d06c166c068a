// The racing cases of docs/refunds.md over real HTTP against the real booking and event
// services (PostgreSQL, Redis, Kafka, the simulated gateway): a buyer's cancellation racing a
// check-in at the door, and a buyer's cancellation racing the event's cancellation. Each race
// ends in one defined state, checked in SQL afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { issueUserToken, type OrgRole } from '@ticketing/auth';
import type { BookingsConfig } from '../src/index.ts';
import { createEvent, holdSeats, startEventsOnKafka, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings, waitFor, type StartedBookings, type TestUser } from './helpers.ts';

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;

before(async () => {
  const jwt = bookingsConfig().jwt;
  config = bookingsConfig({ jwt });
  // Kafka on in the event service: its cancellation reaches the bookings worker (second race).
  events = await startEventsOnKafka(jwt, config.kafka);
  config = bookingsConfig({ jwt, events: { url: events.baseUrl }, kafka: config.kafka, payments: { latencyMs: 20 } });
  svc = await startBookings(config);
});
after(async () => {
  await svc?.close();
  await events?.close();
});

const POLICY = { hours_before_start: 48, fee_percent: 10 };

/** An organization with an owner and a gate scanner (staff: may scan, nothing else). */
function organization() {
  const orgId = randomUUID();
  const member = (role: OrgRole): TestUser => {
    const userId = randomUUID();
    const email = `${role}.${userId}@example.test`;
    return { userId, email, token: issueUserToken({ userId, email, role: 'user', orgs: { [orgId]: role } }, config.jwt).token };
  };
  return { orgId, owner: member('owner'), staff: member('staff') };
}

/** Seat labels of a 100-seat event with 10 seats a row: A1 … J10. */
const LABELS = Array.from({ length: 100 }, (_, i) => `${String.fromCharCode(65 + Math.floor(i / 10))}${(i % 10) + 1}`);

interface Bought {
  buyer: TestUser;
  bookingId: string;
  paymentId: string;
  seats: string[];
  totalCents: number;
  codes: Record<string, string>;
}

/** A confirmed, paid booking of `seats` through the real path (hold, booking, worker), with its tickets' codes. */
async function buy(eventId: string, seats: string[]): Promise<Bought> {
  const buyer = newUser(config);
  const hold = await holdSeats(events, buyer, eventId, seats);
  const res = await svc.api('POST', '/api/booking', {
    token: buyer.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  const row = await waitForFinal(svc.deps, res.body.booking_id);
  assert.equal(row.status, 'confirmed', row.error_message ?? '');
  const tickets = await svc.api('GET', `/api/bookings/${row.id}/tickets`, { token: buyer.token });
  assert.equal(tickets.status, 200, tickets.text);
  const codes = Object.fromEntries((tickets.body.tickets as { seat: string; code: string }[]).map((t) => [t.seat, t.code]));
  assert.deepEqual(Object.keys(codes).sort(), [...seats].sort());
  return { buyer, bookingId: row.id, paymentId: row.payment_id!, seats, totalCents: Math.round(hold.total_price * 100), codes };
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** The seat map's status of each label, read in the event service's database. */
async function seatStatuses(eventId: string): Promise<Map<string, string>> {
  const { rows } = await events.deps.db.query<{ label: string; status: string }>('SELECT label, status FROM seats WHERE event_id = $1', [
    eventId,
  ]);
  return new Map(rows.map((r) => [r.label, r.status]));
}

/**
 * Money in SQL, per booking: the gateway's refunds of its payment (count, sum, keys), what the
 * charge says was given back, and what the booking and its cancellations recorded.
 */
async function moneyOf(bookingIds: readonly string[]) {
  const { rows } = await svc.deps.db.query<{
    booking_id: string;
    status: string;
    cancelled_seats: string[];
    booking_refunded: number;
    charged: number;
    charge_refunded: number;
    refunds: number;
    refunds_sum: number;
    refund_keys: string[];
    cancellation_keys: string[];
    cancellations_refunded: number;
  }>(
    `SELECT b.id AS booking_id, b.status, b.cancelled_seats, b.refunded_cents::int AS booking_refunded,
            c.amount_cents::int AS charged, c.refunded_cents::int AS charge_refunded,
            (SELECT count(*)::int FROM gateway_refunds r WHERE r.payment_id = c.payment_id) AS refunds,
            (SELECT COALESCE(sum(r.amount_cents), 0)::int FROM gateway_refunds r WHERE r.payment_id = c.payment_id) AS refunds_sum,
            ARRAY(SELECT r.idempotency_key FROM gateway_refunds r WHERE r.payment_id = c.payment_id ORDER BY 1) AS refund_keys,
            ARRAY(SELECT x.refund_key FROM booking_cancellations x WHERE x.booking_id = b.id ORDER BY 1) AS cancellation_keys,
            (SELECT COALESCE(sum(x.refunded_cents), 0)::int FROM booking_cancellations x WHERE x.booking_id = b.id) AS cancellations_refunded
       FROM bookings b JOIN gateway_charges c ON c.payment_id = b.payment_id::uuid
      WHERE b.id = ANY($1::uuid[]) AND c.status = 'captured'`,
    [bookingIds],
  );
  return new Map(rows.map((r) => [r.booking_id, r]));
}

describe('a cancellation racing a check-in', () => {
  it('ends in one defined state each round: whichever commits first wins, never both', { timeout: 240_000 }, async (t) => {
    const ROUNDS = 24;
    const { orgId, owner, staff } = organization();
    const event = await createEvent(events, owner, { organization_id: orgId, cancellation_policy: POLICY });
    const bought = await inBatches(
      Array.from({ length: ROUNDS }, (_, i) => [LABELS[2 * i]!, LABELS[2 * i + 1]!]),
      6,
      (seats) => buy(event.event_id, seats),
    );
    const scan = (code: string, gate: string) =>
      svc.api('POST', `/api/events/${event.event_id}/check-ins`, { token: staff.token, body: { code, gate } });

    // The scans start a little later in some rounds than in others, so that each side wins some
    // rounds (a scan reaches the database faster than a cancellation, which first asks the event
    // service for the policy and the prices). Which side wins is not asserted: that it is one is.
    const DELAYS_MS = [0, 5, 15, 30, 60, 120];
    const tally = { cancelled: 0, admitted: 0 };
    const outcomes: { b: Bought; cancelWon: boolean; admitted: Set<string> }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const b = bought[round]!;
      const [first, second] = b.seats as [string, string];
      const delay = DELAYS_MS[round % DELAYS_MS.length]!;
      const gates: [string, string][] = [
        [first, 'North'],
        [first, 'South'],
        [second, 'East'],
      ];
      const [cancel, scans] = await Promise.all([
        svc.api('POST', `/api/booking/${b.bookingId}/cancel`, { token: b.buyer.token }),
        Promise.all(
          gates.map(async ([seat, gate]) => {
            await sleep(delay);
            const res = await scan(b.codes[seat]!, gate);
            assert.equal(res.status, 200, res.text);
            return { seat, result: res.body.result as string };
          }),
        ),
      ]);
      const what = `round ${round} (scans ${delay} ms later): cancel ${cancel.status} ${cancel.text}; scans ${JSON.stringify(scans)}`;
      if (cancel.status === 200) {
        // The cancellation committed first: every scan after it answers `cancelled`, none admits.
        assert.equal(cancel.body.status, 'completed', what);
        assert.deepEqual([...cancel.body.seats].sort(), [first, second].sort(), what);
        assert.deepEqual(
          scans.map((s) => s.result),
          ['cancelled', 'cancelled', 'cancelled'],
          what,
        );
        tally.cancelled++;
        outcomes.push({ b, cancelWon: true, admitted: new Set() });
      } else {
        // A check-in committed first: the whole cancellation is refused and undone; each ticket
        // scanned is admitted exactly once, and no scan ever saw it cancelled.
        assert.equal(cancel.status, 409, what);
        assert.equal(cancel.body.error, 'ticket_already_used', what);
        assert.ok(
          scans.every((s) => s.result === 'valid' || s.result === 'already_used'),
          what,
        );
        for (const seat of [first, second]) {
          const mine = scans.filter((s) => s.seat === seat);
          assert.equal(mine.filter((s) => s.result === 'valid').length, 1, `${seat}: ${what}`);
        }
        for (const seat of cancel.body.details.seats as string[]) assert.ok([first, second].includes(seat), what);
        tally.admitted++;
        outcomes.push({ b, cancelWon: false, admitted: new Set([first, second]) });
      }
    }
    t.diagnostic(`rounds won by the cancellation: ${tally.cancelled}, by the check-in: ${tally.admitted}`);

    // In SQL, after all rounds.
    const ids = bought.map((b) => b.bookingId);
    const db = svc.deps.db;
    // No ticket is both admitted and cancelled (the constraint forbids it; this reads what is there).
    const both = await db.query<{ id: string }>(
      `SELECT id FROM tickets WHERE booking_id = ANY($1::uuid[]) AND status = 'cancelled' AND checked_in_at IS NOT NULL`,
      [ids],
    );
    assert.deepEqual(both.rows, []);
    // The booking's cancelled seats are exactly its cancelled tickets, and none of them was let in.
    const mismatched = await db.query<{ id: string }>(
      `SELECT b.id FROM bookings b
        WHERE b.id = ANY($1::uuid[])
          AND (ARRAY(SELECT unnest(b.cancelled_seats) ORDER BY 1)
                 IS DISTINCT FROM ARRAY(SELECT t.seat FROM tickets t WHERE t.booking_id = b.id AND t.status = 'cancelled' ORDER BY 1)
               OR EXISTS (SELECT 1 FROM booking_cancellations x JOIN tickets t ON t.booking_id = x.booking_id AND t.seat = ANY(x.seats)
                           WHERE x.booking_id = b.id AND t.checked_in_at IS NOT NULL))`,
      [ids],
    );
    assert.deepEqual(mismatched.rows, []);
    // Each ticket admitted at most once in the scan log, and only tickets still valid were.
    const scansPerTicket = await db.query<{ ticket_id: string; valid: number }>(
      `SELECT s.ticket_id, count(*) FILTER (WHERE s.result = 'valid')::int AS valid
         FROM check_in_scans s JOIN tickets t ON t.id = s.ticket_id
        WHERE t.booking_id = ANY($1::uuid[]) GROUP BY s.ticket_id
       HAVING count(*) FILTER (WHERE s.result = 'valid') > 1 OR bool_or(s.result = 'valid' AND t.status = 'cancelled')`,
      [ids],
    );
    assert.deepEqual(scansPerTicket.rows, []);

    const money = await moneyOf(ids);
    const seatsNow = await seatStatuses(event.event_id);
    for (const { b, cancelWon, admitted } of outcomes) {
      const m = money.get(b.bookingId)!;
      if (cancelWon) {
        // Refunded once, for its cancelled seats: 90% of the price, in the gateway's table.
        assert.equal(m.status, 'cancelled');
        assert.deepEqual([...m.cancelled_seats].sort(), [...b.seats].sort());
        assert.equal(m.refunds, 1);
        assert.deepEqual(m.refund_keys, m.cancellation_keys);
        assert.equal(m.refunds_sum, Math.round(b.totalCents * 0.9));
        assert.equal(m.booking_refunded, m.refunds_sum);
        assert.equal(m.charge_refunded, m.refunds_sum);
        for (const seat of b.seats) assert.equal(seatsNow.get(seat), 'available', `${seat} of a cancelled booking is free again`);
      } else {
        // Nothing refunded, nothing released: the booking is as it was, its seats let in.
        assert.equal(m.status, 'confirmed');
        assert.deepEqual(m.cancelled_seats, []);
        assert.deepEqual([m.refunds, m.refunds_sum, m.booking_refunded, m.charge_refunded], [0, 0, 0, 0]);
        assert.deepEqual(m.cancellation_keys, []);
        for (const seat of admitted) assert.equal(seatsNow.get(seat), 'booked', `${seat} was let in: still booked`);
      }
    }
    // Seats released only for cancelled seats: every seat of the event that is free is a cancelled one.
    const cancelledSeats = new Set(outcomes.filter((o) => o.cancelWon).flatMap((o) => o.b.seats));
    for (const label of LABELS.slice(0, 2 * ROUNDS)) {
      assert.equal(seatsNow.get(label), cancelledSeats.has(label) ? 'available' : 'booked', label);
    }
  });
});

describe('a buyer’s cancellation racing the event’s cancellation', () => {
  it(
    'refunds each booking at most its charge, and the booking, its cancellations and the gateway agree',
    { timeout: 180_000 },
    async (t) => {
      const BOOKINGS = 8;
      const EVENT_CANCEL_AFTER_MS = Number(process.env.RACE_EVENT_CANCEL_AFTER_MS ?? 30);
      const { orgId, owner } = organization();
      const event = await createEvent(events, owner, { organization_id: orgId, cancellation_policy: POLICY });
      const bought = await inBatches(
        Array.from({ length: BOOKINGS }, (_, i) => [LABELS[2 * i]!, LABELS[2 * i + 1]!]),
        4,
        (seats) => buy(event.event_id, seats),
      );
      // Half the buyers cancel the whole booking, half one seat; their requests are spread over
      // the moment the organizer cancels the event (a buyer's cancellation asks the event service
      // about the event first, so the first ones start before it).
      const [cancelEvent, ...answers] = await Promise.all([
        sleep(EVENT_CANCEL_AFTER_MS).then(() =>
          events.api('POST', `/api/events/${event.event_id}/cancel`, { token: owner.token, body: { reason: 'Storm warning' } }),
        ),
        ...bought.map(async (b, i) => {
          await sleep(i * 8);
          return svc.api('POST', `/api/booking/${b.bookingId}/cancel`, {
            token: b.buyer.token,
            body: i % 2 === 0 ? {} : { seats: [b.seats[0]] },
          });
        }),
      ]);
      assert.equal(cancelEvent.status, 202, cancelEvent.text);
      const tally: Record<string, number> = {};
      for (const a of answers) {
        const key = a.status === 200 ? `200 ${a.body.status}` : `${a.status} ${a.body.error}`;
        tally[key] = (tally[key] ?? 0) + 1;
        // A buyer either cancelled before the event was (200), or is told the event's cancellation refunds them.
        assert.ok(
          a.status === 200 || (a.status === 409 && ['event_cancelled', 'booking_not_cancellable'].includes(a.body.error)),
          `${a.status} ${a.text}`,
        );
      }
      t.diagnostic(`buyers' answers: ${JSON.stringify(tally)}`);

      const done = await waitFor(
        async () => {
          const p = await svc.api('GET', `/api/events/${event.event_id}/cancellation`, { token: owner.token });
          return p.body.status === 'completed' ? p.body : undefined;
        },
        'the event’s cancellation to complete',
        90_000,
      );
      assert.equal(done.bookings_total, done.bookings_refunded);

      // In SQL: every booking ends cancelled with every ticket cancelled; the gateway never gave
      // back more than was charged, each refund key once; and what the booking says it gave back
      // is what the gateway gave back.
      const ids = bought.map((b) => b.bookingId);
      const money = await moneyOf(ids);
      const tickets = await svc.deps.db.query<{ booking_id: string; valid: number }>(
        `SELECT booking_id, count(*) FILTER (WHERE status = 'valid')::int AS valid FROM tickets WHERE booking_id = ANY($1::uuid[]) GROUP BY 1`,
        [ids],
      );
      for (const r of tickets.rows) assert.equal(r.valid, 0, `booking ${r.booking_id} keeps valid tickets`);
      const both = [...money.values()].filter(
        (m) => m.refund_keys.length > 1 || (m.cancellation_keys.length > 0 && m.refund_keys.includes(`cancel:${m.booking_id}`)),
      );
      t.diagnostic(`bookings reached by both refunds: ${both.length}`);
      for (const [i, b] of bought.entries()) {
        const m = money.get(b.bookingId)!;
        const what = `booking ${i} (buyer: ${answers[i]!.status} ${answers[i]!.body.error ?? answers[i]!.body.status}): ${JSON.stringify(m)}`;
        assert.equal(m.status, 'cancelled', what);
        assert.ok(m.refunds_sum <= m.charged, what);
        assert.equal(m.charge_refunded, m.refunds_sum, what);
        assert.equal(new Set(m.refund_keys).size, m.refund_keys.length, what);
        for (const key of m.refund_keys) assert.ok(key === `cancel:${b.bookingId}` || m.cancellation_keys.includes(key), what);
        assert.equal(m.booking_refunded, m.refunds_sum, what);
        if (answers[i]!.status !== 200) {
          // Refused: the event's cancellation gave everything back, under its own key.
          assert.deepEqual(m.refund_keys, [`cancel:${b.bookingId}`], what);
          assert.equal(m.refunds_sum, m.charged, what);
        }
      }
    },
  );
});
