import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { assertError, assertHoldsConsistent, createEvent, PROFILES, startEvents, type EventsServer } from './helpers.ts';

/** Raw POST, so that tests can send headers and read the answer's headers. */
async function hold(server: EventsServer, eventId: string, token: string, body: unknown, key?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  if (key !== undefined) headers['idempotency-key'] = key;
  const res = await fetch(`${server.baseUrl}/api/events/${eventId}/hold`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any, replayed: res.headers.get('idempotent-replayed') };
}

/** Seat numbers of a label list in a 10-per-row event ("B3" → 13). */
function seatNo(label: string): number {
  return (label.charCodeAt(0) - 65) * 10 + Number(label.slice(1));
}

function assertAdjacent(labels: string[]) {
  const nos = labels.map(seatNo).sort((a, b) => a - b);
  assert.ok(
    labels.every((l) => l[0] === labels[0]![0]),
    `one row: ${labels.join(',')}`,
  );
  assert.ok(
    nos.every((n, i) => i === 0 || n === nos[i - 1]! + 1),
    `adjacent: ${labels.join(',')}`,
  );
}

for (const profile of PROFILES) {
  describe(`hold requests (${profile} adapters)`, () => {
    let server: EventsServer;
    before(async () => {
      server = await startEvents({}, {}, profile);
    });
    after(async () => server.close());

    /** A fresh event (rows of 10 seats) and a buyer. */
    async function setup(overrides: Record<string, unknown> = {}) {
      const owner = server.user();
      const event = await createEvent(server.api, owner.token, overrides);
      return { eventId: event.event_id, buyer: server.user() };
    }

    describe('Idempotency-Key', () => {
      it('answers a retry with the same hold, not a conflict with the buyer’s own seats', async () => {
        const { eventId, buyer } = await setup();
        const key = randomUUID();
        const first = await hold(server, eventId, buyer.token, { seat_numbers: ['A1', 'A2'] }, key);
        assert.equal(first.status, 201, JSON.stringify(first.body));
        assert.equal(first.replayed, null);
        const retry = await hold(server, eventId, buyer.token, { seat_numbers: ['A2', 'A1'] }, key);
        assert.equal(retry.status, 201, JSON.stringify(retry.body));
        assert.equal(retry.replayed, 'true');
        assert.deepEqual(retry.body, first.body);
        // A best-available retry answers the first pick, not a second one.
        const ba = await hold(server, eventId, buyer.token, { quantity: 2 }, `${key}-ba`);
        const baRetry = await hold(server, eventId, buyer.token, { quantity: 2 }, `${key}-ba`);
        assert.equal(ba.status, 201);
        assert.deepEqual(baRetry.body, ba.body);
        const { rows } = await server.sql.query<{ n: number; seats: number }>(
          `SELECT count(*)::int AS n, sum(seat_count)::int AS seats FROM holds WHERE event_id = $1 AND user_id = $2`,
          [eventId, buyer.userId],
        );
        assert.deepEqual(rows[0], { n: 2, seats: 4 });
        // Without the key, the same request is a new one and conflicts with the buyer's own hold.
        assertError(await hold(server, eventId, buyer.token, { seat_numbers: ['A1', 'A2'] }), 409, 'seats_unavailable');
      });

      it('refuses the same key with a different body (422), and keys are per buyer', async () => {
        const { eventId, buyer } = await setup();
        const key = `retry-${randomUUID()}`;
        assert.equal((await hold(server, eventId, buyer.token, { seat_numbers: ['B1'] }, key)).status, 201);
        assertError(await hold(server, eventId, buyer.token, { seat_numbers: ['B2'] }, key), 422, 'idempotency_key_mismatch');
        assertError(await hold(server, eventId, buyer.token, { quantity: 1 }, key), 422, 'idempotency_key_mismatch');
        // Another buyer's key of the same text is theirs.
        const other = server.user();
        assert.equal((await hold(server, eventId, other.token, { seat_numbers: ['B3'] }, key)).status, 201);
        // Only a hold stores the key: a refused request may be retried with it.
        const refusedKey = randomUUID();
        assertError(await hold(server, eventId, other.token, { seat_numbers: ['B1'] }, refusedKey), 409, 'seats_unavailable');
        assert.equal((await hold(server, eventId, other.token, { seat_numbers: ['B4'] }, refusedKey)).status, 201);
      });

      if (profile === 'production') {
        it('answers 409 idempotency_key_in_use while a request with the key is being decided', async () => {
          const { eventId, buyer } = await setup();
          const key = randomUUID();
          // A transaction holding the key's lock is what a request still being decided looks like.
          await server.sql.transaction(async (tx) => {
            await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('events.hold_key:' || $1 || ':' || $2, 0))`, [buyer.userId, key]);
            assertError(await hold(server, eventId, buyer.token, { seat_numbers: ['C1'] }, key), 409, 'idempotency_key_in_use');
          });
          assert.equal((await hold(server, eventId, buyer.token, { seat_numbers: ['C1'] }, key)).status, 201);
        });

        it('decides concurrent duplicates once: one hold, the others the same hold or 409', async () => {
          const { eventId, buyer } = await setup();
          const key = randomUUID();
          const answers = await Promise.all(
            Array.from({ length: 8 }, () => hold(server, eventId, buyer.token, { seat_numbers: ['D1', 'D2'] }, key)),
          );
          const held = answers.filter((a) => a.status === 201);
          assert.ok(held.length >= 1, JSON.stringify(answers.map((a) => a.status)));
          assert.ok(held.every((a) => a.body.hold_id === held[0]!.body.hold_id));
          assert.ok(answers.every((a) => a.status === 201 || (a.status === 409 && a.body.error === 'idempotency_key_in_use')));
          const { rows } = await server.sql.query(`SELECT id FROM holds WHERE user_id = $1 AND idempotency_key = $2`, [buyer.userId, key]);
          assert.equal(rows.length, 1);
          await assertHoldsConsistent(server, eventId);
        });
      }
    });

    describe('best available (quantity)', () => {
      it('holds adjacent seats in the best row, near its middle', async () => {
        const { eventId, buyer } = await setup();
        const res = await hold(server, eventId, buyer.token, { quantity: 4 });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.held_seats.length, 4);
        assert.ok(res.body.held_seats.every((l: string) => l.startsWith('A')));
        assertAdjacent(res.body.held_seats);
        assert.deepEqual(res.body.held_seats, ['A4', 'A5', 'A6', 'A7']);
        assert.equal(res.body.total_price, 199.96);
        await assertHoldsConsistent(server, eventId);
      });

      it('leaves no single seat stranded where it can, and only where it cannot', async () => {
        const { eventId, buyer } = await setup();
        const other = server.user();
        // Row A has one gap of four free seats (A4–A7).
        assert.equal((await hold(server, eventId, other.token, { seat_numbers: ['A1', 'A2', 'A3'] })).status, 201);
        assert.equal((await hold(server, eventId, other.token, { seat_numbers: ['A8', 'A9', 'A10'] })).status, 201);
        // Three of the four would strand one: row B instead.
        const three = await hold(server, eventId, buyer.token, { quantity: 3 });
        assert.equal(three.status, 201, JSON.stringify(three.body));
        assert.ok(
          three.body.held_seats.every((l: string) => l.startsWith('B')),
          String(three.body.held_seats),
        );
        assertAdjacent(three.body.held_seats);
        // Two of the four leave two together: row A.
        const two = await hold(server, eventId, buyer.token, { quantity: 2 });
        assert.deepEqual(two.body.held_seats.sort(), ['A4', 'A5']);

        // A 10-seat event with only that gap: stranding cannot be avoided, so it is allowed.
        const small = await setup({ total_seats: 10 });
        await hold(server, small.eventId, other.token, { seat_numbers: ['A1', 'A2', 'A3'] });
        await hold(server, small.eventId, other.token, { seat_numbers: ['A8', 'A9', 'A10'] });
        const forced = await hold(server, small.eventId, small.buyer.token, { quantity: 3 });
        assert.equal(forced.status, 201, JSON.stringify(forced.body));
        assertAdjacent(forced.body.held_seats);
        // Now only one seat is free: no two adjacent ones.
        const none = await hold(server, small.eventId, server.user().token, { quantity: 2 });
        assertError(none, 409, 'seats_unavailable');
        assert.deepEqual(none.body.details, { quantity: 2 });
      });

      it('reads the best rows again when seats there come back, also after selling out', async () => {
        const { eventId } = await setup({ total_seats: 20 });
        const release = async (holdId: string, token: string) => {
          const res = await fetch(`${server.baseUrl}/api/events/${eventId}/hold/${holdId}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(res.status, 200, await res.text());
        };
        // Row A sold out by groups (the next picks start reading at row B), then row B too.
        const holds: { id: string; token: string; seats: string[] }[] = [];
        for (const q of [4, 3, 3, 4, 3, 3]) {
          const buyer = server.user();
          const res = await hold(server, eventId, buyer.token, { quantity: q });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          holds.push({ id: res.body.hold_id, token: buyer.token, seats: res.body.held_seats });
        }
        assertError(await hold(server, eventId, server.user().token, { quantity: 1 }), 409, 'seats_unavailable');
        // A group in row A lets go: the next buyer gets those seats, not a refusal.
        const inRowA = holds.find((h) => h.seats[0]!.startsWith('A') && h.seats.length === 3)!;
        await release(inRowA.id, inRowA.token);
        const again = await hold(server, eventId, server.user().token, { quantity: 3 });
        assert.equal(again.status, 201, JSON.stringify(again.body));
        assert.deepEqual([...again.body.held_seats].sort(), [...inRowA.seats].sort());
        await assertHoldsConsistent(server, eventId);
      });

      it('never leaves a single seat stranded while filling an event with groups of 2–4', async () => {
        const { eventId } = await setup({ total_seats: 60 });
        // Groups of 2 and 3 per row of 10 can always avoid strands (10 = 2+2+3+3, 2+2+2+2+2).
        const sizes = [3, 2, 3, 2, 2, 3, 3, 2, 2, 2, 3, 3];
        for (const q of sizes) {
          const res = await hold(server, eventId, server.user().token, { quantity: q });
          assert.equal(res.status, 201, JSON.stringify(res.body));
          assertAdjacent(res.body.held_seats);
        }
        // A free seat with a taken (or no) seat on both sides in its row is stranded.
        const { rows } = await server.sql.query(
          `SELECT s.label FROM seats s
            WHERE s.event_id = $1 AND s.status = 'available'
              AND NOT EXISTS (SELECT 1 FROM seats n WHERE n.event_id = s.event_id AND n.status = 'available'
                                AND n.seat_no IN (s.seat_no - 1, s.seat_no + 1) AND (n.seat_no - 1) / 10 = (s.seat_no - 1) / 10)`,
          [eventId],
        );
        assert.deepEqual(rows, []);
        await assertHoldsConsistent(server, eventId);
      });

      it('refuses bad requests with 400', async () => {
        const { eventId, buyer } = await setup();
        const cases: [unknown, string][] = [
          [{ quantity: 2, seat_numbers: ['A1', 'A2'] }, 'seat_numbers'],
          [{}, 'seat_numbers'],
          [{ quantity: 0 }, 'quantity'],
          [{ quantity: 1.5 }, 'quantity'],
          [{ quantity: 11 }, 'quantity'],
          [{ seat_numbers: ['A1'], section: 'Floor' }, 'section'],
          [{ quantity: 2, section: 'Nowhere' }, 'section'],
        ];
        for (const [body, field] of cases) {
          const res = await hold(server, eventId, buyer.token, body);
          assertError(res, 400, 'validation_failed');
          assert.ok(field in res.body.details.fields, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
        }
        assertError(await hold(server, eventId, buyer.token, { quantity: 1 }, 'has space'), 400, 'validation_failed');
      });
    });

    if (profile === 'production') {
      it('races best-available and named-seat holds without a seat in two holds', async () => {
        const { eventId } = await setup({ total_seats: 60 });
        let seed = 7;
        const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const requests = Array.from({ length: 60 }, (_, i) => {
          if (i % 2 === 0) return { quantity: 1 + Math.floor(rnd() * 4) };
          const first = 1 + Math.floor(rnd() * 58);
          const labels = [first, first + 1].map((n) => `${String.fromCharCode(65 + Math.floor((n - 1) / 10))}${((n - 1) % 10) + 1}`);
          return { seat_numbers: labels };
        });
        const answers = await Promise.all(requests.map((body) => hold(server, eventId, server.user().token, body)));
        assert.ok(
          answers.every((a) => a.status === 201 || (a.status === 409 && a.body.error === 'seats_unavailable')),
          JSON.stringify(answers.filter((a) => a.status !== 201 && a.status !== 409).slice(0, 3)),
        );
        const won = answers.filter((a) => a.status === 201);
        assert.ok(won.length > 0);
        for (const [i, a] of answers.entries()) {
          if (a.status === 201 && 'quantity' in requests[i]!) assertAdjacent(a.body.held_seats);
        }
        // Every seat a winner was told it holds is its own in the database.
        for (const a of won) {
          const { rows } = await server.sql.query<{ label: string }>(
            `SELECT label FROM seats WHERE event_id = $1 AND hold_id = $2 AND status = 'held' ORDER BY seat_no`,
            [eventId, a.body.hold_id],
          );
          assert.deepEqual(rows.map((r) => r.label).sort(), [...a.body.held_seats].sort());
        }
        await assertHoldsConsistent(server, eventId);
      });
    }
  });
}
