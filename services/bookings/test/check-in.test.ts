// Check-in at the door (issue 13 §2, docs/checkin.md), over real HTTP against the booking
// service and the event service, on the real PostgreSQL, Redis and Kafka.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { issueUserToken, type OrgRole } from '@ticketing/auth';
import { createTicketSigner, generateTicketSigningKey, type TicketSigner } from '@ticketing/tickets';
import { bookingsConfig, openStream, startBookings, waitFor, type StartedBookings } from './helpers.ts';
import { createEvent, startEvents, type StartedEvents } from './events-helpers.ts';

const config = bookingsConfig({ checkIn: { announceDelayMs: 20 } });
let bookings: StartedBookings;
let events: StartedEvents;
let signer: TicketSigner;
const orgId = randomUUID();

function token(orgs: Record<string, OrgRole>): { token: string; userId: string } {
  const userId = randomUUID();
  const { token } = issueUserToken({ userId, email: `${userId}@example.test`, role: 'user', orgs }, config.jwt);
  return { token, userId };
}
const owner = token({ [orgId]: 'owner' });
const staff = token({ [orgId]: 'staff' });

interface SeededTicket {
  ticketId: string;
  bookingId: string;
  seat: string;
  code: string;
}

/** A confirmed booking of `seats` on the event, with its tickets (one per seat) and their codes. */
async function seedTickets(eventId: string, seats: string[]): Promise<SeededTicket[]> {
  const bookingId = randomUUID();
  const { db } = bookings.deps;
  await db.query(
    `INSERT INTO bookings (id, hold_id, user_id, user_email, user_name, event_id, event_name, venue, event_date, seats, total_cents,
                           currency, payment_method, status, payment_status, payment_id, confirmed_at)
     VALUES ($1, gen_random_uuid(), gen_random_uuid(), 'buyer@example.test', 'Buyer', $2, 'Check-in test', 'Arena',
             now() + interval '1 day', $3, 1000, 'USD', 'credit_card', 'confirmed', 'captured', gen_random_uuid()::text, now())`,
    [bookingId, eventId, seats],
  );
  const tickets = seats.map((seat) => {
    const ticketId = randomUUID();
    return { ticketId, bookingId, seat, code: signer.sign({ ticketId, eventId, bookingId, seat }) };
  });
  await db.query(
    `INSERT INTO tickets (id, booking_id, event_id, seat, code)
     SELECT t.id, $2, $3, t.seat, t.code FROM unnest($1::uuid[], $4::text[], $5::text[]) AS t(id, seat, code)`,
    [tickets.map((t) => t.ticketId), bookingId, eventId, seats, tickets.map((t) => t.code)],
  );
  return tickets;
}

async function newEvent(): Promise<string> {
  const e = await createEvent(events, { ...owner, email: 'o@example.test' }, { organization_id: orgId });
  return e.event_id;
}

const scan = (eventId: string, code: string, gate: string, who = staff.token) =>
  bookings.api('POST', `/api/events/${eventId}/check-ins`, { token: who, body: { code, gate } });

describe('check-in: POST /api/events/{id}/check-ins', () => {
  before(async () => {
    events = await startEvents(config.jwt);
    bookings = await startBookings(bookingsConfig({ events: { url: events.baseUrl }, checkIn: { announceDelayMs: 20 } }), {
      worker: false,
    });
    signer = bookings.deps.tickets.signer;
  });
  after(async () => {
    await bookings?.close();
    await events?.close();
  });

  it('admits a valid ticket once with its seat, then answers already_used with the gate and time of the admission', async () => {
    const eventId = await newEvent();
    const [t] = await seedTickets(eventId, ['A1']);
    const first = await scan(eventId, t!.code, 'North');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.result, 'valid');
    assert.equal(first.body.ticket.seat, 'A1');
    assert.equal(first.body.admission.gate, 'North');
    const second = await scan(eventId, t!.code, 'South');
    assert.equal(second.body.result, 'already_used');
    assert.equal(second.body.admission.gate, 'North');
    assert.equal(second.body.admission.at, first.body.admission.at);
    const { rows } = await bookings.deps.db.query<{ checked_in_gate: string; checked_in_by: string }>(
      'SELECT checked_in_gate, checked_in_by FROM tickets WHERE id = $1',
      [t!.ticketId],
    );
    assert.deepEqual(rows, [{ checked_in_gate: 'North', checked_in_by: staff.userId }]);
  });

  it('answers invalid for a forged, altered, foreign-key or unknown code, wrong_event for another event’s ticket, cancelled for a cancelled one', async () => {
    const eventId = await newEvent();
    const otherEvent = await newEvent();
    const [a, b] = await seedTickets(eventId, ['B1', 'B2']);
    const [elsewhere] = await seedTickets(otherEvent, ['C1']);

    assert.equal((await scan(eventId, 'hello world', 'G')).body.reason, 'malformed');
    const foreign = createTicketSigner(generateTicketSigningKey()).sign({
      ticketId: a!.ticketId,
      eventId,
      bookingId: a!.bookingId,
      seat: 'B1',
    });
    const foreignAnswer = await scan(eventId, foreign, 'G');
    assert.deepEqual([foreignAnswer.body.result, foreignAnswer.body.reason], ['invalid', 'unknown_key']);
    // One character of the signed part changed: the signature no longer matches.
    const altered = a!.code.slice(0, 40) + (a!.code[40] === 'A' ? 'B' : 'A') + a!.code.slice(41);
    assert.equal((await scan(eventId, altered, 'G')).body.result, 'invalid');
    const unknown = signer.sign({ ticketId: randomUUID(), eventId, bookingId: a!.bookingId, seat: 'Z9' });
    assert.deepEqual((await scan(eventId, unknown, 'G')).body.reason, 'unknown_ticket');

    const wrong = await scan(eventId, elsewhere!.code, 'G');
    assert.equal(wrong.body.result, 'wrong_event');
    assert.equal(wrong.body.ticket.event_id, otherEvent);

    await bookings.deps.db.query(`UPDATE tickets SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [b!.ticketId]);
    const cancelled = await scan(eventId, b!.code, 'G');
    assert.equal(cancelled.body.result, 'cancelled');
    assert.equal(typeof cancelled.body.cancelled_at, 'string');
    // None of these admitted anything; all were answered and logged at gate G.
    const att = await bookings.api('GET', `/api/events/${eventId}/check-ins`, { token: owner.token });
    assert.equal(att.status, 200, att.text);
    assert.equal(att.body.admitted, 0);
    assert.equal(att.body.tickets_sold, 1);
    assert.deepEqual(att.body.gates, [{ gate: 'G', admitted: 0, scans: 6, refused: 6 }]);
  });

  it('never lets a checked-in ticket be cancelled (the database refuses it)', async () => {
    const eventId = await newEvent();
    const [t] = await seedTickets(eventId, ['D1']);
    assert.equal((await scan(eventId, t!.code, 'East')).body.result, 'valid');
    await assert.rejects(
      bookings.deps.db.query(`UPDATE tickets SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [t!.ticketId]),
      /tickets_checked_in_stays_valid/,
    );
  });

  it('cancelling a booking’s tickets leaves a checked-in one valid, and its other ticket then scans cancelled', async () => {
    const eventId = await newEvent();
    const [inside, outside] = await seedTickets(eventId, ['E1', 'E2']);
    assert.equal((await scan(eventId, inside!.code, 'East')).body.result, 'valid');
    const cancelled = await bookings.deps.tickets.repository.cancelForSeats(inside!.bookingId);
    assert.deepEqual(
      cancelled.map((t) => t.seat),
      ['E2'],
    );
    assert.equal((await scan(eventId, outside!.code, 'East')).body.result, 'cancelled');
    assert.equal((await scan(eventId, inside!.code, 'West')).body.result, 'already_used');
  });

  it('50 concurrent scans of one ticket at 5 gates admit it exactly once', async () => {
    const eventId = await newEvent();
    const [t] = await seedTickets(eventId, ['R1']);
    const gates = ['G1', 'G2', 'G3', 'G4', 'G5'];
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => scan(eventId, t!.code, gates[i % 5]!)));
    assert.deepEqual(
      answers.filter((a) => a.status !== 200).map((a) => a.text),
      [],
    );
    const valid = answers.filter((a) => a.body.result === 'valid');
    assert.equal(valid.length, 1);
    const winner = valid[0]!.body.admission;
    for (const a of answers.filter((x) => x.body.result !== 'valid')) {
      assert.equal(a.body.result, 'already_used');
      assert.deepEqual(a.body.admission, winner);
    }

    const db = bookings.deps.db;
    const ticket = await db.query<{ checked_in_gate: string; checked_in_at: Date }>(
      `SELECT checked_in_gate, checked_in_at FROM tickets WHERE id = $1 AND checked_in_at IS NOT NULL`,
      [t!.ticketId],
    );
    assert.equal(ticket.rows.length, 1);
    assert.equal(ticket.rows[0]!.checked_in_gate, winner.gate);
    assert.equal(ticket.rows[0]!.checked_in_at.toISOString(), winner.at);
    const scans = await db.query<{ gate: string; valid: number; already_used: number }>(
      `SELECT gate, count(*) FILTER (WHERE result = 'valid')::int AS valid, count(*) FILTER (WHERE result = 'already_used')::int AS already_used
         FROM check_in_scans WHERE event_id = $1 GROUP BY gate ORDER BY gate`,
      [eventId],
    );
    assert.equal(scans.rows.length, 5);
    assert.equal(
      scans.rows.reduce((n, r) => n + r.valid, 0),
      1,
    );
    assert.equal(
      scans.rows.reduce((n, r) => n + r.valid + r.already_used, 0),
      50,
    );
    const messages = await db.query<{ value: { ticket_id: string; gate: string; type: string } }>(
      `SELECT value FROM outbox WHERE topic = $1 AND value->>'ticket_id' = $2`,
      [bookings.config.kafka.topics.ticketCheckIns, t!.ticketId],
    );
    assert.equal(messages.rows.length, 1);
    assert.equal(messages.rows[0]!.value.type, 'ticket.checked_in');
    assert.equal(messages.rows[0]!.value.gate, winner.gate);

    // The counters the box office shows agree with the rows.
    const att = await bookings.api('GET', `/api/events/${eventId}/check-ins`, { token: staff.token });
    assert.equal(att.body.admitted, 1);
    for (const g of att.body.gates as { gate: string; admitted: number; scans: number; refused: number }[]) {
      const row = scans.rows.find((r) => r.gate === g.gate)!;
      assert.equal(g.admitted, g.gate === winner.gate ? 1 : 0);
      assert.equal(g.scans, 10);
      assert.equal(g.refused, row.already_used);
    }
  });

  it('streams the attendance counters live', async () => {
    const eventId = await newEvent();
    const [a, b] = await seedTickets(eventId, ['S1', 'S2']);
    const stream = openStream(`${bookings.baseUrl}/api/events/${eventId}/check-ins/stream?access_token=${owner.token}`);
    try {
      await stream.opened;
      assert.equal(stream.status, 200);
      const attendance = () => stream.events.filter((e) => e.event === 'attendance').map((e) => JSON.parse(e.data));
      await waitFor(() => (attendance().length > 0 ? true : undefined), 'the first counters');
      assert.deepEqual([attendance()[0].admitted, attendance()[0].tickets_sold], [0, 2]);
      await scan(eventId, a!.code, 'West');
      await scan(eventId, b!.code, 'West');
      const last = await waitFor(() => {
        const l = attendance().at(-1);
        return l?.admitted === 2 ? l : undefined;
      }, 'both admissions on the stream');
      assert.deepEqual(last.gates, [{ gate: 'West', admitted: 2, scans: 2, refused: 0 }]);
      assert.ok(
        attendance()
          .flatMap((m) => m.recent)
          .some((r: { seat: string }) => r.seat === 'S2'),
      );
    } finally {
      stream.close();
    }
  });

  it('allows staff to scan and refuses a viewer (403) and an outsider (404)', async () => {
    const eventId = await newEvent();
    const [t] = await seedTickets(eventId, ['V1']);
    const viewer = token({ [orgId]: 'viewer' });
    const outsider = token({ [randomUUID()]: 'owner' });
    assert.equal((await scan(eventId, t!.code, 'N', viewer.token)).status, 403);
    assert.equal((await scan(eventId, t!.code, 'N', outsider.token)).status, 404);
    assert.equal((await scan(eventId, t!.code, 'N')).body.result, 'valid');
  });

  it('shows the counters to viewers (read only) and staff, and tells each whether they may scan', async () => {
    const eventId = await newEvent();
    const [t] = await seedTickets(eventId, ['R1', 'R2']);
    assert.equal((await scan(eventId, t!.code, 'South')).body.result, 'valid');
    const viewer = token({ [orgId]: 'viewer' });
    const seen = await bookings.api('GET', `/api/events/${eventId}/check-ins`, { token: viewer.token });
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.body.can_scan, false);
    assert.deepEqual([seen.body.admitted, seen.body.tickets_sold], [1, 2]);
    assert.deepEqual(seen.body.gates, [{ gate: 'South', admitted: 1, scans: 1, refused: 0 }]);
    const asStaff = await bookings.api('GET', `/api/events/${eventId}/check-ins`, { token: staff.token });
    assert.equal(asStaff.body.can_scan, true);
    const outsider = token({ [randomUUID()]: 'viewer' });
    assert.equal((await bookings.api('GET', `/api/events/${eventId}/check-ins`, { token: outsider.token })).status, 404);

    // The viewer's live stream opens too; the upload route stays closed to them.
    const stream = openStream(`${bookings.baseUrl}/api/events/${eventId}/check-ins/stream?access_token=${viewer.token}`);
    try {
      await stream.opened;
      assert.equal(stream.status, 200);
      const first = await waitFor(() => stream.events.find((e) => e.event === 'attendance'), 'the first counters');
      assert.equal(JSON.parse(first.data).admitted, 1);
    } finally {
      stream.close();
    }
    const upload = await bookings.api('POST', `/api/events/${eventId}/check-ins/batch`, {
      token: viewer.token,
      body: { gate: 'South', scans: [{ scan_id: randomUUID(), code: t!.code, scanned_at: new Date().toISOString() }] },
    });
    assert.equal(upload.status, 403, upload.text);
  });

  it('refuses bad input with a 400 naming the field, and unknown events with a 404', async () => {
    const eventId = await newEvent();
    const cases: [string, unknown, string][] = [
      ['check-ins', { gate: 'N' }, 'code'],
      ['check-ins', { code: '', gate: 'N' }, 'code'],
      ['check-ins', { code: 'x'.repeat(5000), gate: 'N' }, 'code'],
      ['check-ins', { code: 'x', gate: '' }, 'gate'],
      ['check-ins', { code: 'x', gate: ' North' }, 'gate'],
      ['check-ins', { code: 'x', gate: 'North\t1' }, 'gate'],
      ['check-ins', { code: 'x', gate: 'g'.repeat(65) }, 'gate'],
      ['check-ins', { code: 42, gate: 'N' }, 'code'],
      ['check-ins/batch', { gate: 'N', scans: [] }, 'scans'],
      [
        'check-ins/batch',
        {
          gate: 'N',
          scans: Array.from({ length: 501 }, () => ({ scan_id: randomUUID(), code: 'x', scanned_at: new Date().toISOString() })),
        },
        'scans',
      ],
      [
        'check-ins/batch',
        { gate: 'N', scans: [{ scan_id: 'scan-1', code: 'x', scanned_at: new Date().toISOString() }] },
        'scans.0.scan_id',
      ],
      ['check-ins/batch', { gate: 'N', scans: [{ scan_id: randomUUID(), code: 'x', scanned_at: 'yesterday' }] }, 'scans.0.scanned_at'],
    ];
    for (const [path, body, field] of cases) {
      const res = await bookings.api('POST', `/api/events/${eventId}/${path}`, { token: staff.token, body });
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${res.text}`);
      assert.equal(res.body.error, 'validation_failed');
      assert.ok(
        Object.keys(res.body.details.fields).some((f) => f.startsWith(field)),
        `${field}: ${res.text.slice(0, 300)}`,
      );
    }
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const res = await scan(id, 'x', 'N');
      assert.deepEqual([res.status, res.body.error], [404, 'event_not_found']);
    }
    const anonymous = await bookings.api('POST', `/api/events/${eventId}/check-ins`, { body: { code: 'x', gate: 'N' } });
    assert.equal(anonymous.status, 401);
  });

  describe('POST /api/events/{id}/check-ins/batch (offline gates)', () => {
    const upload = (eventId: string, gate: string, scans: { scan_id?: string; code: string; scanned_at: Date }[]) =>
      bookings.api('POST', `/api/events/${eventId}/check-ins/batch`, {
        token: staff.token,
        body: {
          gate,
          scans: scans.map((x) => ({ scan_id: x.scan_id ?? randomUUID(), code: x.code, scanned_at: x.scanned_at.toISOString() })),
        },
      });
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

    it('resolves conflicts by the earliest scan: an earlier offline scan takes the admission over, a later one is already_used', async () => {
      const eventId = await newEvent();
      const [a, b, c] = await seedTickets(eventId, ['O1', 'O2', 'O3']);
      assert.equal((await scan(eventId, a!.code, 'Main')).body.result, 'valid');
      assert.equal((await scan(eventId, b!.code, 'Main')).body.result, 'valid');

      const res = await upload(eventId, 'Back door', [
        { code: a!.code, scanned_at: minutesAgo(10) }, // before the online scan: wins
        { code: b!.code, scanned_at: new Date(Date.now() + 1000) }, // after it: a duplicate entry
        { code: c!.code, scanned_at: minutesAgo(5) }, // never scanned online: admitted
        { code: c!.code, scanned_at: minutesAgo(4) }, // the same ticket again at this gate: already used
        { code: 'garbage', scanned_at: minutesAgo(3) },
      ]);
      assert.equal(res.status, 200, res.text);
      const results = res.body.results as { result: string; replaced?: { gate: string }; admission?: { gate: string; source: string } }[];
      assert.deepEqual(
        results.map((r) => r.result),
        ['valid', 'already_used', 'valid', 'already_used', 'invalid'],
      );
      assert.equal(results[0]!.replaced?.gate, 'Main');
      assert.equal(results[1]!.admission?.gate, 'Main');
      assert.equal(results[3]!.admission?.gate, 'Back door');
      assert.equal(results[2]!.replaced, undefined);

      const again = await scan(eventId, a!.code, 'Main');
      assert.equal(again.body.result, 'already_used');
      assert.deepEqual([again.body.admission.gate, again.body.admission.source], ['Back door', 'offline']);

      const db = bookings.deps.db;
      const rows = await db.query<{ seat: string; checked_in_gate: string }>(
        `SELECT seat, checked_in_gate FROM tickets WHERE event_id = $1 AND checked_in_at IS NOT NULL ORDER BY seat`,
        [eventId],
      );
      assert.deepEqual(
        rows.rows.map((r) => [r.seat, r.checked_in_gate]),
        [
          ['O1', 'Back door'],
          ['O2', 'Main'],
          ['O3', 'Back door'],
        ],
      );
      // One message per ticket, when it was first admitted: the takeover sends none.
      const messages = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND value->>'event_id' = $2`, [
        bookings.config.kafka.topics.ticketCheckIns,
        eventId,
      ]);
      assert.equal(messages.rows[0]!.n, 3);
      const att = await bookings.api('GET', `/api/events/${eventId}/check-ins`, { token: staff.token });
      assert.equal(att.body.admitted, 3);
      assert.deepEqual(
        att.body.gates.map((g: { gate: string; admitted: number }) => [g.gate, g.admitted]),
        [
          ['Back door', 2],
          ['Main', 1],
        ],
      );
    });

    it('answers a re-uploaded batch the same way and counts it once', async () => {
      const eventId = await newEvent();
      const [a, b] = await seedTickets(eventId, ['P1', 'P2']);
      await bookings.deps.db.query(`UPDATE tickets SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [b!.ticketId]);
      const scans = [
        { scan_id: randomUUID(), code: a!.code, scanned_at: minutesAgo(2) },
        { scan_id: randomUUID(), code: b!.code, scanned_at: minutesAgo(1) },
      ];
      const first = await upload(eventId, 'Side', scans);
      const second = await upload(eventId, 'Side', scans);
      assert.deepEqual(first.body, second.body);
      assert.deepEqual(
        first.body.results.map((r: { result: string }) => r.result),
        ['valid', 'cancelled'],
      );
      const att = await bookings.api('GET', `/api/events/${eventId}/check-ins`, { token: staff.token });
      assert.deepEqual(att.body.gates, [{ gate: 'Side', admitted: 1, scans: 2, refused: 1 }]);
    });

    it('refuses scan times in the future, naming the scan', async () => {
      const eventId = await newEvent();
      const [a] = await seedTickets(eventId, ['Q1']);
      const res = await upload(eventId, 'Side', [
        { code: a!.code, scanned_at: minutesAgo(1) },
        { code: a!.code, scanned_at: new Date(Date.now() + 3_600_000) },
      ]);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error, 'validation_failed');
      assert.ok('scans.1.scanned_at' in res.body.details.fields, res.text);
      // Nothing of the batch was recorded.
      const att = await bookings.api('GET', `/api/events/${eventId}/check-ins`, { token: staff.token });
      assert.equal(att.body.admitted, 0);
    });
  });
});
