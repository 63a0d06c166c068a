import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, createEvent, expireAndSweep, expireHold, openStream, PROFILES, startEvents, type EventsServer } from './helpers.ts';

type Entry = {
  entry_id: string;
  status: string;
  position: number | null;
  quantity: number;
  section: string | null;
  offer: { hold_id: string; seats: string[]; expires_at: string; total_price: number } | null;
};

for (const profile of PROFILES) {
  describe(`waiting list (${profile} adapters)`, () => {
    let server: EventsServer;

    before(async () => {
      // Passes run on wake (seats freed, joins) and when a test asks; no timer, so nothing races the assertions.
      server = await startEvents({ waitlist: { intervalMs: 0, maxQuantity: 4 } }, {}, profile);
    });
    after(async () => server.close());

    /** An event of `rows` rows of 4 seats, every seat held by one buyer (hold ids returned). */
    async function soldOut(rows = 1) {
      const organizer = server.user();
      const ev = await createEvent(server.api, organizer.token, { total_seats: rows * 4, seats_per_row: 4, price_per_seat: 20 });
      const holds: string[] = [];
      for (let r = 0; r < rows; r++) {
        const row = String.fromCharCode(65 + r);
        const res = await server.api('POST', `/api/events/${ev.event_id}/hold`, {
          token: server.user().token,
          body: { seat_numbers: [1, 2, 3, 4].map((n) => `${row}${n}`) },
        });
        assert.equal(res.status, 201, res.text);
        holds.push(res.body.hold_id);
      }
      return { eventId: ev.event_id, holds };
    }

    async function join(eventId: string, token: string, body: unknown = { quantity: 1 }) {
      return server.api<Entry>('POST', `/api/events/${eventId}/waitlist`, { token, body });
    }

    async function mine(eventId: string, token: string): Promise<Entry[]> {
      const res = await server.api('GET', `/api/events/${eventId}/waitlist`, { token });
      assert.equal(res.status, 200, res.text);
      return res.body.entries;
    }

    it('lets buyers join a sold-out event once, with a quantity, and shows their place', async () => {
      const organizer = server.user();
      const open = await createEvent(server.api, organizer.token, { total_seats: 4, seats_per_row: 4 });
      const b = server.user();
      assertError(await join(open.event_id, b.token, { quantity: 2 }), 409, 'waitlist_seats_available');

      const { eventId } = await soldOut();
      const first = await join(eventId, b.token, { quantity: 2 });
      assert.equal(first.status, 201, first.text);
      assert.equal(first.body.status, 'waiting');
      assert.equal(first.body.position, 1);
      assert.equal(first.body.quantity, 2);
      assert.equal(first.body.offer, null);
      const again = await join(eventId, b.token, { quantity: 1 });
      assertError(again, 409, 'already_on_waitlist');
      assert.equal((again.body as any).details.entry.entry_id, first.body.entry_id);

      const c = server.user();
      const second = await join(eventId, c.token, { quantity: 1, section: 'general' });
      assert.equal(second.status, 201, second.text);
      assert.equal(second.body.position, 2);
      assert.equal(second.body.section, 'General');

      assertError(await join(eventId, c.token, { quantity: 5 }), 400, 'validation_failed');
      assertError(await join(eventId, c.token, { quantity: 1, section: 'Balcony' }), 400, 'validation_failed');
      assertError(await join(eventId, c.token, { quantity: 0 }), 400, 'validation_failed');
      assertError(await join('00000000-0000-4000-8000-000000000000', c.token), 404, 'event_not_found');
      assertError(await server.api('POST', `/api/events/${eventId}/waitlist`, { body: { quantity: 1 } }), 401, 'unauthorized');

      // Leaving moves the next one up.
      const left = await server.api<Entry>('DELETE', `/api/events/${eventId}/waitlist/${first.body.entry_id}`, { token: b.token });
      assert.equal(left.status, 200, left.text);
      assert.equal(left.body.status, 'left');
      assert.equal((await mine(eventId, c.token))[0]!.position, 1);
      // Someone else's entry is not found; an unknown one neither.
      assertError(
        await server.api('DELETE', `/api/events/${eventId}/waitlist/${second.body.entry_id}`, { token: b.token }),
        404,
        'waitlist_entry_not_found',
      );
      assertError(await server.api('DELETE', `/api/events/${eventId}/waitlist/abc`, { token: b.token }), 404, 'waitlist_entry_not_found');
      // Back on the list, at the end.
      const rejoined = await join(eventId, b.token, { quantity: 2 });
      assert.equal(rejoined.status, 201, rejoined.text);
      assert.equal(rejoined.body.position, 2);
    });

    it('offers seats of an expired hold in list order, to the first entry they fit, as a hold of that buyer', async () => {
      const { eventId, holds } = await soldOut();
      const [a, b, c, d] = [server.user(), server.user(), server.user(), server.user()];
      for (const [u, quantity] of [
        [a, 4],
        [b, 2],
        [c, 1],
        [d, 1],
      ] as const)
        assert.equal((await join(eventId, u.token, { quantity })).status, 201);

      // The hold of all four seats expires: a (4, first) fits and gets them all.
      await expireAndSweep(server, holds[0]!);
      await server.deps.waitlist.offerNow(eventId);
      const [ea] = await mine(eventId, a.token);
      assert.equal(ea!.status, 'offered');
      assert.deepEqual(ea!.offer!.seats, ['A1', 'A2', 'A3', 'A4']);
      assert.equal(ea!.offer!.total_price, 80);
      assert.equal((await mine(eventId, b.token))[0]!.status, 'waiting');
      assert.equal((await mine(eventId, b.token))[0]!.position, 1);

      // The offer is a hold of a: the public cannot take its seats, and a can read it.
      const taken = await server.api('POST', `/api/events/${eventId}/hold`, { token: server.user().token, body: { seat_numbers: ['A1'] } });
      assertError(taken, 409, 'seats_unavailable');
      const hold = await server.api('GET', `/api/events/holds/${ea!.offer!.hold_id}`, { token: a.token });
      assert.equal(hold.status, 200, hold.text);
      assert.equal(hold.body.status, 'active');

      // a declines: b (2) gets the best adjacent pair, c (1) one more, d (1) the last.
      const declined = await server.api<Entry>('POST', `/api/events/${eventId}/waitlist/${ea!.entry_id}/decline`, { token: a.token });
      assert.equal(declined.status, 200, declined.text);
      assert.equal(declined.body.status, 'declined');
      await server.deps.waitlist.offerNow(eventId);
      const eb = (await mine(eventId, b.token))[0]!;
      const ec = (await mine(eventId, c.token))[0]!;
      const ed = (await mine(eventId, d.token))[0]!;
      assert.deepEqual([eb.status, ec.status, ed.status], ['offered', 'offered', 'offered']);
      assert.equal(eb.offer!.seats.length, 2);
      const all = [...eb.offer!.seats, ...ec.offer!.seats, ...ed.offer!.seats].sort();
      assert.deepEqual(all, ['A1', 'A2', 'A3', 'A4'], 'every seat offered once');
      assertError(
        await server.api('POST', `/api/events/${eventId}/waitlist/${ea!.entry_id}/decline`, { token: a.token }),
        409,
        'waitlist_no_offer',
      );

      // In SQL: offers in list order, each seat in one live hold.
      const { rows } = await server.sql.query<{ entry_id: string }>(
        `SELECT o.entry_id::text FROM waitlist_offers o WHERE o.event_id = $1 ORDER BY o.seq`,
        [eventId],
      );
      assert.deepEqual(
        rows.map((r) => r.entry_id),
        [ea!.entry_id, eb.entry_id, ec.entry_id, ed.entry_id],
      );
    });

    it('moves an expired offer on to the next entry, and live streams show the offer', async () => {
      const { eventId, holds } = await soldOut();
      const [a, b] = [server.user(), server.user()];
      const ja = (await join(eventId, a.token, { quantity: 4 })).body;
      assert.equal((await join(eventId, b.token, { quantity: 4 })).status, 201);

      const stream = await openStream(`${server.baseUrl}/api/events/${eventId}/waitlist/stream?access_token=${b.token}`);
      try {
        assert.equal(stream.res.status, 200);
        const first = await stream.next((f) => f.event === 'entries');
        assert.equal(first.data.entries[0].position, 2);

        await expireAndSweep(server, holds[0]!);
        await server.deps.waitlist.offerNow(eventId);
        const offerA = (await mine(eventId, a.token))[0]!;
        assert.equal(offerA.status, 'offered');
        await stream.next((f) => f.event === 'entries' && f.data.entries[0].position === 1);

        // a's offer runs out: the entry ends as expired and b gets the seats.
        await expireHold(server.sql, offerA.offer!.hold_id, [server]);
        await server.deps.waitlist.offerNow(eventId);
        const endedA = (await mine(eventId, a.token)).find((e) => e.entry_id === ja.entry_id)!;
        assert.equal(endedA.status, 'expired');
        const offered = await stream.next((f) => f.event === 'entries' && f.data.entries[0].status === 'offered');
        assert.deepEqual(offered.data.entries[0].offer.seats, ['A1', 'A2', 'A3', 'A4']);
      } finally {
        await stream.close();
      }
    });

    it('holds an offer for the offer time the organizer set on the event, else the default', async () => {
      const organizer = server.user();
      const ev = await createEvent(server.api, organizer.token, {
        total_seats: 4,
        seats_per_row: 4,
        waitlist_offer_ttl_seconds: 120,
      });
      assert.equal(ev.waitlist_offer_ttl_seconds, 120);
      const patch = (body: unknown, token = organizer.token) => server.api('PATCH', `/api/events/${ev.event_id}`, { token, body });
      for (const bad of [59, 86_401, 90.5, '600', -1]) {
        assertError(await patch({ waitlist_offer_ttl_seconds: bad }), 400, 'validation_failed');
      }
      assertError(await patch({ waitlist_offer_ttl_seconds: 600 }, server.user().token), 404, 'event_not_found');
      const patched = await patch({ waitlist_offer_ttl_seconds: 3600 });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.waitlist_offer_ttl_seconds, 3600);
      assert.equal((await server.api('GET', `/api/events/${ev.event_id}`)).body.waitlist_offer_ttl_seconds, 3600);

      const held = await server.api('POST', `/api/events/${ev.event_id}/hold`, {
        token: server.user().token,
        body: { seat_numbers: ['A1', 'A2', 'A3', 'A4'] },
      });
      assert.equal(held.status, 201, held.text);
      const [a, b] = [server.user(), server.user()];
      assert.equal((await join(ev.event_id, a.token, { quantity: 4 })).status, 201);
      assert.equal((await join(ev.event_id, b.token, { quantity: 4 })).status, 201);
      await expireAndSweep(server, held.body.hold_id);
      await server.deps.waitlist.offerNow(ev.event_id);

      // The offer's hold (and the seats under it) expire the event's 3600 s after the offer.
      const offerTimes = async (token: string) => {
        const entry = (await mine(ev.event_id, token))[0]!;
        assert.equal(entry.status, 'offered');
        const { rows } = await server.sql.query<{ ttl: number; hold_expires: Date; seats_agree: boolean }>(
          `SELECT round(extract(epoch FROM o.expires_at - o.offered_at))::int AS ttl, h.expires_at AS hold_expires,
                  (SELECT bool_and(s.hold_expires_at = o.expires_at) FROM seats s WHERE s.hold_id = o.hold_id) AS seats_agree
             FROM waitlist_offers o JOIN holds h ON h.id = o.hold_id WHERE o.hold_id = $1`,
          [entry.offer!.hold_id],
        );
        const row = rows[0]!;
        assert.equal(new Date(row.hold_expires).toISOString(), new Date(entry.offer!.expires_at).toISOString());
        assert.equal(row.seats_agree, true, 'the offered seats are held until the offer expires');
        return { ttl: row.ttl, entry };
      };
      const first = await offerTimes(a.token);
      assert.equal(first.ttl, 3600);

      // Back to the platform default (config waitlist.offerTtlSeconds): the next offer uses it.
      const reset = await patch({ waitlist_offer_ttl_seconds: null });
      assert.equal(reset.status, 200, reset.text);
      assert.equal(reset.body.waitlist_offer_ttl_seconds, null);
      const declined = await server.api('POST', `/api/events/${ev.event_id}/waitlist/${first.entry.entry_id}/decline`, {
        token: a.token,
      });
      assert.equal(declined.status, 200, declined.text);
      await server.deps.waitlist.offerNow(ev.event_id);
      assert.equal((await offerTimes(b.token)).ttl, server.config.waitlist.offerTtlSeconds);
    });

    it('gives a live offer up when the buyer leaves', async () => {
      const { eventId, holds } = await soldOut();
      const [a, b] = [server.user(), server.user()];
      const ja = (await join(eventId, a.token, { quantity: 1 })).body;
      assert.equal((await join(eventId, b.token, { quantity: 1 })).status, 201);
      await expireAndSweep(server, holds[0]!);
      await server.deps.waitlist.offerNow(eventId);
      assert.equal((await mine(eventId, b.token))[0]!.status, 'offered', 'four seats: both fit');
      const offerA = (await mine(eventId, a.token))[0]!.offer!;
      const left = await server.api<Entry>('DELETE', `/api/events/${eventId}/waitlist/${ja.entry_id}`, { token: a.token });
      assert.equal(left.body.status, 'left');
      const { rows } = await server.sql.query<{ status: string }>('SELECT status FROM holds WHERE id = $1', [offerA.hold_id]);
      assert.equal(rows[0]!.status, 'released');
    });
  });
}
