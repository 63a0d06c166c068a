import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HoldSeatsInput } from '../src/holds/holds.repository.ts';
import { createEvent, expireHold, PROFILES, startEvents, type EventsServer } from './helpers.ts';

// Seat numbers of a 10-per-row layout: A1 = 1, A10 = 10, B1 = 11.
const A = (n: number) => n;
const B = (n: number) => 10 + n;

for (const profile of PROFILES) {
  describe(`hold_seats_batch: group commit decides like requests one after the other (${profile})`, () => {
    let server: EventsServer;
    before(async () => {
      server = await startEvents({}, {}, profile);
    });
    after(async () => server.close());

    const request = (eventId: string, userId: string, seatNos: number[], maxActiveHolds = 3): HoldSeatsInput => ({
      holdId: crypto.randomUUID(),
      eventId,
      userId,
      seatNos,
      maxActiveHolds,
    });

    it('gives a seat to the first request that asks for it, and frees the losers’ other seats for later ones', async () => {
      const event = await createEvent(server.api, server.user().token);
      const [u1, u2, u3] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
      const reqs = [
        request(event.event_id, u1, [A(1), A(2)]),
        request(event.event_id, u2, [A(2), A(3)]),
        request(event.event_id, u3, [A(3), A(4)]),
      ];
      const outcomes = await server.deps.holdsRepository.holdSeatsBatch(reqs);
      assert.deepEqual(
        outcomes.map((o) => o.kind),
        ['held', 'unavailable', 'held'],
      );
      assert.deepEqual(outcomes[1], { kind: 'unavailable', taken: ['A2'] });
      const held = outcomes[0]!.kind === 'held' ? outcomes[0]! : undefined;
      assert.deepEqual(held && [held.holdId, held.labels, held.totalPrice], [reqs[0]!.holdId, ['A1', 'A2'], '99.98']);
      const { rows } = await server.sql.query<{ label: string; hold_id: string | null }>(
        `SELECT label, hold_id FROM seats WHERE event_id = $1 AND seat_no <= 5 ORDER BY seat_no`,
        [event.event_id],
      );
      assert.deepEqual(
        rows.map((r) => r.hold_id),
        [reqs[0]!.holdId, reqs[0]!.holdId, reqs[2]!.holdId, reqs[2]!.holdId, null],
      );
      const holds = await server.sql.query<{ id: string; seat_labels: string[]; total_price: string }>(
        `SELECT id, seat_labels, total_price::text AS total_price FROM holds WHERE event_id = $1 ORDER BY seat_labels`,
        [event.event_id],
      );
      assert.deepEqual(
        holds.rows.map((h) => [h.id, h.seat_labels, h.total_price]),
        [
          [reqs[0]!.holdId, ['A1', 'A2'], '99.98'],
          [reqs[2]!.holdId, ['A3', 'A4'], '99.98'],
        ],
      );
    });

    it('counts a user’s earlier wins of the same batch against the limit', async () => {
      const event = await createEvent(server.api, server.user().token);
      const user = crypto.randomUUID();
      const outcomes = await server.deps.holdsRepository.holdSeatsBatch([
        request(event.event_id, user, [B(1)], 2),
        request(event.event_id, user, [B(2)], 2),
        request(event.event_id, user, [B(3)], 2),
        request(event.event_id, crypto.randomUUID(), [B(3)], 2),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.kind),
        ['held', 'held', 'limit_reached', 'held'],
      );
      assert.deepEqual(outcomes[2], { kind: 'limit_reached', live: 2 });
    });

    it('takes seats of expired holds, refuses held and booked ones, and knows closed and unknown events', async () => {
      const event = await createEvent(server.api, server.user().token);
      const old = await server.api('POST', `/api/events/${event.event_id}/hold`, {
        token: server.user().token,
        body: { seat_numbers: ['A7'] },
      });
      const live = await server.api('POST', `/api/events/${event.event_id}/hold`, {
        token: server.user().token,
        body: { seat_numbers: ['A8'] },
      });
      assert.equal(old.status, 201);
      assert.equal(live.status, 201);
      await expireHold(server.sql, old.body.hold_id, [server]);
      const closed = await createEvent(server.api, server.user().token);
      await server.sql.query(`UPDATE events SET event_date = now() - interval '1 minute' WHERE id = $1`, [closed.event_id]);
      const outcomes = await server.deps.holdsRepository.holdSeatsBatch([
        request(event.event_id, crypto.randomUUID(), [A(7)]),
        request(event.event_id, crypto.randomUUID(), [A(8), A(9)]),
        request(closed.event_id, crypto.randomUUID(), [A(1)]),
        request(crypto.randomUUID(), crypto.randomUUID(), [A(1)]),
        request(event.event_id, crypto.randomUUID(), [A(9)]),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.kind),
        ['held', 'unavailable', 'sales_closed', 'event_not_found', 'held'],
      );
      assert.deepEqual(outcomes[1], { kind: 'unavailable', taken: ['A8'] });
    });
  });
}
