import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@ticketing/testing';
import { assertHoldsConsistent, createEvent, startEvents, type EventsServer } from './helpers.ts';

/** The value of a metric (its first series) in a Prometheus text exposition; NaN when absent. */
function metricValue(text: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
}

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function post(baseUrl: string, path: string, token: string, body: unknown) {
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

interface Attempt {
  userId: string;
  seats: string[];
  status: number;
  body: any;
}

/** Fires every request at once (fetch's default agent opens a socket per request in flight); returns each request with its answer. */
async function stampede(server: EventsServer, eventId: string, requests: string[][]): Promise<Attempt[]> {
  const users = requests.map(() => server.user());
  const answers = await Promise.all(
    requests.map((seats, i) => post(server.baseUrl, `/api/events/${eventId}/hold`, users[i]!.token, { seat_numbers: seats })),
  );
  return answers.map((a, i) => ({ userId: users[i]!.userId, seats: requests[i]!, ...a }));
}

/** The invariants, checked in SQL after the fact. */
async function assertNoDoubleHolds(server: EventsServer, eventId: string, attempts: Attempt[]) {
  const statuses = attempts.map((a) => a.status);
  assert.ok(
    attempts.every((a) => a.status === 201 || (a.status === 409 && a.body.error === 'seats_unavailable')),
    `unexpected answers: ${JSON.stringify(attempts.filter((a) => a.status !== 201 && a.status !== 409).slice(0, 3))}`,
  );
  const winners = attempts.filter((a) => a.status === 201);
  assert.ok(winners.length > 0, String(statuses));

  // No seat is in two live holds; every live hold owns exactly its seats.
  await assertHoldsConsistent(server, eventId);

  // Exactly the winners have holds, and each winner owns every seat it asked for.
  const holds = await server.sql.query<{ id: string; user_id: string; seat_labels: string[] }>(
    `SELECT id, user_id, seat_labels FROM holds WHERE event_id = $1`,
    [eventId],
  );
  assert.equal(holds.rows.length, winners.length);
  const seats = await server.sql.query<{ label: string; status: string; hold_id: string | null }>(
    `SELECT label, status, hold_id FROM seats WHERE event_id = $1`,
    [eventId],
  );
  const seatByLabel = new Map(seats.rows.map((s) => [s.label, s]));
  const owner = new Map<string, string>();
  for (const w of winners) {
    assert.deepEqual([...w.body.held_seats].sort(), [...w.seats].sort());
    const row = holds.rows.find((h) => h.id === w.body.hold_id);
    assert.ok(row, `hold ${w.body.hold_id} of a 201 is missing`);
    assert.equal(row.user_id, w.userId);
    for (const label of w.seats) {
      const seat = seatByLabel.get(label)!;
      assert.equal(seat.status, 'held', label);
      assert.equal(seat.hold_id, w.body.hold_id, label);
      owner.set(label, w.body.hold_id);
    }
  }
  // Held seats are exactly the winners' seats.
  const held = seats.rows.filter((s) => s.status === 'held');
  assert.equal(held.length, owner.size);

  // Every loser was refused for a seat a winner really holds, and got nothing.
  for (const l of attempts.filter((a) => a.status === 409)) {
    const taken: string[] = l.body.details.unavailable_seats;
    assert.ok(taken.length > 0);
    assert.ok(
      taken.every((s) => owner.has(s)),
      `loser told ${taken.join(',')} were taken`,
    );
    assert.ok(taken.every((s) => l.seats.includes(s)));
    const alternatives: string[] = l.body.details.available_alternatives;
    assert.ok(
      alternatives.length <= l.seats.length && alternatives.every((s) => seatByLabel.has(s) && !l.seats.includes(s)),
      String(alternatives),
    );
  }
  return { winners: winners.length, losers: attempts.length - winners.length, seatsHeld: owner.size };
}

for (const groupCommit of [false, true]) {
  describe(`concurrent holds over HTTP (group commit ${groupCommit ? 'on' : 'off'})`, () => {
    let server: EventsServer;
    before(async () => {
      server = await startEvents({ database: { poolSize: 20 }, groupCommit: { enabled: groupCommit } });
    });
    after(async () => server.close());

    it('gives each of 600 overlapping requests all its seats or none, never one seat twice', async () => {
      const owner = server.user();
      const event = await createEvent(server.api, owner.token, { total_seats: 200, seats_per_row: 20 });
      const rnd = random(groupCommit ? 7 : 42);
      // 600 buyers fight over the first 60 seats (rows A–C), 1 to 4 seats each.
      const requests = Array.from({ length: 600 }, () => {
        const want = 1 + Math.floor(rnd() * 4);
        const picked = new Set<string>();
        while (picked.size < want) {
          const n = Math.floor(rnd() * 60);
          picked.add(`${'ABC'[Math.floor(n / 20)]}${(n % 20) + 1}`);
        }
        return [...picked];
      });
      const attempts = await stampede(server, event.event_id, requests);
      const outcome = await assertNoDoubleHolds(server, event.event_id, attempts);
      assert.ok(outcome.winners + outcome.losers === 600);
      assert.ok(outcome.seatsHeld <= 60);
      assert.ok(outcome.winners >= 5, `only ${outcome.winners} winners`);
      const details = await server.api('GET', `/api/events/${event.event_id}`);
      assert.equal(details.body.available_seats, 200 - outcome.seatsHeld);
    });

    it('gives two contested seats to exactly one of 500 buyers', async () => {
      const owner = server.user();
      const event = await createEvent(server.api, owner.token, { total_seats: 50, seats_per_row: 10 });
      const requests = Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? ['A1', 'A2'] : ['A2', 'A1']));
      const attempts = await stampede(server, event.event_id, requests);
      const outcome = await assertNoDoubleHolds(server, event.event_id, attempts);
      assert.equal(outcome.winners, 1);
      assert.equal(outcome.seatsHeld, 2);
    });

    if (groupCommit) {
      it('decided each of the 1,100 requests once, in batches, none by the fallback', async () => {
        const metrics = (await server.api('GET', '/metrics')).text;
        const batchLines = metrics
          .split('\n')
          .filter((l) => l.includes('batch'))
          .join('\n');
        assert.equal(metricValue(metrics, 'seat_hold_batch_size_sum'), 1100, batchLines);
        assert.ok(metricValue(metrics, 'seat_hold_batch_size_count') >= 1, batchLines);
        assert.equal(metricValue(metrics, 'seat_hold_batch_fallbacks_total'), 0, batchLines);
      });

      it('decides requests that arrive while the batches wait together, whatever the load', async () => {
        const owner = server.user();
        const event = await createEvent(server.api, owner.token, { total_seats: 40, seats_per_row: 10 });
        const before = (await server.api('GET', '/metrics')).text;
        const requests = Array.from({ length: 30 }, (_, i) => [`${'ABC'[Math.floor(i / 10)]}${(i % 10) + 1}`]);
        let release!: () => void;
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        // The test holds every seat's row lock: the batches that start wait for it, and the
        // requests arriving meanwhile queue behind them (at most maxInFlight batches run).
        const holding = server.sql.transaction(async (tx) => {
          await tx.query('SELECT 1 FROM seats WHERE event_id = $1 FOR UPDATE', [event.event_id]);
          locked();
          await new Promise<void>((resolve) => (release = resolve));
        });
        await isLocked;
        const answers = stampede(server, event.event_id, requests);
        // Every request has reached the group commit (none can be answered while the lock is held).
        await waitFor(
          async () => metricValue((await server.api('GET', '/metrics')).text, 'seat_hold_requests_pending') === requests.length,
          'all 30 requests to wait for the group commit',
        );
        release();
        await holding;
        const attempts = await answers;
        assert.deepEqual(
          attempts.map((a) => a.status),
          requests.map(() => 201),
        );
        await assertNoDoubleHolds(server, event.event_id, attempts);
        const after = (await server.api('GET', '/metrics')).text;
        const decided = metricValue(after, 'seat_hold_batch_size_sum') - metricValue(before, 'seat_hold_batch_size_sum');
        const batches = metricValue(after, 'seat_hold_batch_size_count') - metricValue(before, 'seat_hold_batch_size_count');
        assert.equal(decided, requests.length);
        // The batches running when the lock went, then one with everything queued behind them.
        assert.ok(batches <= server.config.groupCommit.maxInFlight + 1, `${batches} batches for ${requests.length} requests`);
      });
    }
  });
}
