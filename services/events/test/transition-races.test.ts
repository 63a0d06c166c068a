import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertHoldsConsistent, createEvent, PROFILES, startEvents, type EventsServer } from './helpers.ts';

// Bookings lock and confirm their holds through transition_holds, many in one statement (group
// commit). These race real HTTP clients against one server: every call must get the answer it
// would have got alone, and SQL must show each hold taken by one booking, each seat by one hold.

const uuid = () => crypto.randomUUID();

/** The sum and count of a histogram series of /metrics, e.g. hold_transition_batch_size{kind="lock"}. */
function histogram(metrics: string, name: string, kind: string): { sum: number; count: number } {
  const read = (suffix: string) => Number(new RegExp(`${name}_${suffix}\\{[^}]*kind="${kind}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
  return { sum: read('sum'), count: read('count') };
}

for (const profile of PROFILES) {
  describe(`hold locks and confirms racing (${profile} adapters)`, () => {
    let server: EventsServer;
    before(async () => {
      server = await startEvents({}, {}, profile);
    });
    after(async () => server.close());

    const call = (path: string, body: unknown) => server.api('POST', path, { token: server.internalToken, body });

    it('gives each hold to one booking, books each seat once, and answers every call as if alone', async () => {
      const owner = server.user();
      const event = await createEvent(server.api, owner.token, { total_seats: 100, seats_per_row: 10 });
      const holds: { holdId: string; userId: string; seats: string[]; a: string; b: string }[] = [];
      for (let i = 0; i < 30; i++) {
        const buyer = server.user();
        const row = String.fromCharCode(65 + Math.floor(i / 5));
        const seats = [`${row}${(i % 5) * 2 + 1}`, `${row}${(i % 5) * 2 + 2}`];
        const res = await server.api('POST', `/api/events/${event.event_id}/hold`, { token: buyer.token, body: { seat_numbers: seats } });
        assert.equal(res.status, 201, res.text);
        holds.push({ holdId: res.body.hold_id as string, userId: buyer.userId, seats, a: uuid(), b: uuid() });
      }
      const metricsBefore = (await server.api('GET', '/metrics')).text;

      // Per hold: booking a twice, booking b once, and a stranger; all at once.
      const locks = await Promise.all(
        holds.flatMap((h) => [
          call(`/internal/holds/${h.holdId}/lock`, { user_id: h.userId, booking_id: h.a }).then((r) => ({ h, who: 'a', r })),
          call(`/internal/holds/${h.holdId}/lock`, { user_id: h.userId, booking_id: h.b }).then((r) => ({ h, who: 'b', r })),
          call(`/internal/holds/${h.holdId}/lock`, { user_id: h.userId, booking_id: h.a }).then((r) => ({ h, who: 'a', r })),
          call(`/internal/holds/${h.holdId}/lock`, { user_id: uuid(), booking_id: uuid() }).then((r) => ({ h, who: 'stranger', r })),
        ]),
      );
      const winner = new Map<string, string>();
      for (const { h, who, r } of locks) {
        if (who === 'stranger') {
          assert.equal(r.status, 404, r.text);
          assert.equal(r.body.error, 'hold_not_found');
          continue;
        }
        if (r.status === 200) {
          assert.equal(r.body.status, 'locked');
          assert.equal(r.body.booking_id, who === 'a' ? h.a : h.b);
          const first = winner.get(h.holdId);
          assert.ok(first === undefined || first === who, `hold ${h.holdId} locked by both bookings`);
          winner.set(h.holdId, who);
        } else {
          assert.equal(r.status, 409, r.text);
          assert.equal(r.body.error, 'hold_not_active');
          assert.match(r.body.message, /locked by another booking/);
        }
      }
      assert.equal(winner.size, holds.length, 'every hold was locked by one of its bookings');
      // Booking a asked twice: both of its calls agree.
      for (const h of holds) {
        const mine = locks.filter((l) => l.h === h && l.who === 'a');
        assert.equal(new Set(mine.map((l) => l.r.status)).size, 1, `booking a got ${mine.map((l) => l.r.status).join(', ')}`);
      }

      // Confirms: the winner twice, the loser once, while other buyers try to hold the same seats.
      const bookingOf = (h: (typeof holds)[number]) => (winner.get(h.holdId) === 'a' ? h.a : h.b);
      const loserOf = (h: (typeof holds)[number]) => (winner.get(h.holdId) === 'a' ? h.b : h.a);
      const [confirms, grabs] = await Promise.all([
        Promise.all(
          holds.flatMap((h) => [
            call(`/internal/holds/${h.holdId}/confirm`, { booking_id: bookingOf(h) }).then((r) => ({ h, mine: true, r })),
            call(`/internal/holds/${h.holdId}/confirm`, { booking_id: loserOf(h) }).then((r) => ({ h, mine: false, r })),
            call(`/internal/holds/${h.holdId}/confirm`, { booking_id: bookingOf(h) }).then((r) => ({ h, mine: true, r })),
          ]),
        ),
        Promise.all(
          holds.map((h) =>
            server.api('POST', `/api/events/${event.event_id}/hold`, { token: server.user().token, body: { seat_numbers: h.seats } }),
          ),
        ),
      ]);
      for (const { h, mine, r } of confirms) {
        if (mine) {
          assert.equal(r.status, 200, r.text);
          assert.equal(r.body.status, 'confirmed');
          assert.equal(r.body.booking_id, bookingOf(h));
        } else {
          assert.equal(r.status, 409, r.text);
          assert.equal(r.body.error, 'hold_not_active');
        }
      }
      for (const g of grabs) assert.equal(g.status, 409, g.text);

      // SQL: each hold confirmed for its winner, its seats booked by it and no other hold.
      const { rows } = await server.sql.query<{ id: string; status: string; booking_id: string; booked: number }>(
        `SELECT h.id, h.status, h.booking_id,
                (SELECT count(*)::int FROM seats s WHERE s.event_id = h.event_id AND s.hold_id = h.id AND s.status = 'booked') AS booked
           FROM holds h WHERE h.id = ANY($1::uuid[])`,
        [holds.map((h) => h.holdId)],
      );
      for (const h of holds) {
        const row = rows.find((x) => x.id === h.holdId)!;
        assert.deepEqual(
          { status: row.status, booking_id: row.booking_id, booked: row.booked },
          { status: 'confirmed', booking_id: bookingOf(h), booked: 2 },
        );
      }
      const { rows: doubly } = await server.sql.query(
        `SELECT s.seat_no FROM seats s JOIN holds h ON h.event_id = s.event_id AND s.seat_no = ANY(h.seat_nos)
          WHERE s.event_id = $1 AND h.status IN ('confirmed', 'locked', 'active') GROUP BY s.seat_no HAVING count(*) > 1`,
        [event.event_id],
      );
      assert.deepEqual(doubly, [], 'no seat belongs to two holds');
      await assertHoldsConsistent(server, event.event_id);

      // Every call went through the batched statement (sizes add up to the calls made).
      const metricsAfter = (await server.api('GET', '/metrics')).text;
      for (const [kind, calls] of [
        ['lock', holds.length * 4],
        ['confirm', holds.length * 3],
      ] as const) {
        const was = histogram(metricsBefore, 'hold_transition_batch_size', kind);
        const now = histogram(metricsAfter, 'hold_transition_batch_size', kind);
        assert.equal(now.sum - was.sum, calls, `${kind} calls decided in batches`);
        assert.ok(now.count - was.count >= 1 && now.count - was.count <= calls);
      }
    });
  });
}
