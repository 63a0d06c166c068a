import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKafkaBus, type IncomingMessage, type MessageBus } from '@ticketing/bus';
import { seatEvents } from '@ticketing/contracts';
import { testInfra, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import { createEvent, expireAndSweep, startEvents, type EventsServer } from './helpers.ts';

// Seat events go to Kafka through the outbox: written with the seat change, published by the
// relay. Here the first event service talks to a dead broker the whole time; a second one,
// started once "Kafka is back", publishes what the first wrote. Every change arrives once.

let bus: MessageBus;
let deadBus: MessageBus;
const topic = uniqueTopicPrefix('seat-events-outbox');

before(async () => {
  bus = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('events-outbox-test') });
  deadBus = createKafkaBus({ brokers: ['127.0.0.1:1'], clientId: uniqueId('dead') });
  await bus.ensureTopics([topic], 3);
});
after(async () => {
  await deadBus.close();
  await bus.close();
});

const overrides = {
  kafka: { seatEventsTopic: topic },
  outbox: { intervalMs: 50, maxBackoffMs: 200 },
  groupCommit: { enabled: true, windowMs: 5 },
  maxActiveHoldsPerUser: 1000,
};

describe('seat-events while Kafka is unreachable', () => {
  it(
    'keeps every change (group-committed holds, release, confirm, expiry) and publishes each exactly once when Kafka is back',
    { timeout: 120_000 },
    async () => {
      const down: EventsServer = await startEvents(overrides, { bus: deadBus });
      const owner = down.user();
      const event = await createEvent(down.api, owner.token, { total_seats: 100, seats_per_row: 10 });
      const id = event.event_id;
      const hold = async (seats: string[], token = owner.token) => {
        const res = await down.api('POST', `/api/events/${id}/hold`, { token, body: { seat_numbers: seats } });
        assert.equal(res.status, 201, res.text);
        return res.body.hold_id as string;
      };
      let sweptHere = false;
      try {
        // 40 holds at once: the batcher decides them in a few group-committed statements.
        const rows = 'ABCD'.split('');
        const batch = await Promise.all(
          Array.from({ length: 40 }, (_, i) => hold([`${rows[Math.floor(i / 10)]}${(i % 10) + 1}`], down.user().token)),
        );
        const released = await hold(['E1', 'E2']);
        assert.equal((await down.api('DELETE', `/api/events/holds/${released}`, { token: owner.token })).status, 200);
        const booked = await hold(['F1']);
        const bookingId = crypto.randomUUID();
        const lock = await down.api('POST', `/internal/holds/${booked}/lock`, {
          token: down.internalToken,
          body: { user_id: owner.userId, booking_id: bookingId },
        });
        assert.equal(lock.status, 200, lock.text);
        const confirm = await down.api('POST', `/internal/holds/${booked}/confirm`, {
          token: down.internalToken,
          body: { booking_id: bookingId },
        });
        assert.equal(confirm.status, 200, confirm.text);
        const expiring = await hold(['G1']);
        sweptHere = await expireAndSweep(down, expiring);

        const waiting = await down.sql.query<{ n: string }>(
          `SELECT count(*) AS n FROM outbox WHERE topic = $1 AND key = $2 AND published_at IS NULL`,
          [topic, id],
        );
        assert.equal(Number(waiting.rows[0]!.n), 40 + 2 + 2 + 1 + (sweptHere ? 1 : 0), 'every change is waiting in the outbox');
        assert.equal(new Set(batch).size, 40);
        const sizes = await down.deps.metrics.registry.getSingleMetric('seat_hold_batch_size')!.get();
        const sum = sizes.values.find((v) => (v as { metricName?: string }).metricName === 'seat_hold_batch_size_sum')!.value;
        const count = sizes.values.find((v) => (v as { metricName?: string }).metricName === 'seat_hold_batch_size_count')!.value;
        assert.ok(sum > count, `some holds were group-committed (${sum} requests in ${count} batches)`);
      } finally {
        await down.close();
      }

      // Kafka is reachable again (a service restarted with a working broker).
      const received: IncomingMessage[] = [];
      const sub = await bus.consume({ groupId: uniqueId('g'), topics: [topic], handler: async (m) => void received.push(m) });
      const up = await startEvents(overrides, { bus });
      try {
        // What should have been announced, from the holds themselves.
        const { rows: holds } = await up.sql.query<{ id: string; status: string }>('SELECT id, status FROM holds WHERE event_id = $1', [
          id,
        ]);
        const expected: string[] = [];
        for (const h of holds) {
          expected.push(`seats.held ${h.id}`);
          if (h.status === 'released') expected.push(`seats.released ${h.id}`);
          if (h.status === 'confirmed') expected.push(`seats.booked ${h.id}`);
          if (h.status === 'expired' && sweptHere) expected.push(`seats.expired ${h.id}`);
        }
        assert.equal(holds.length, 43);
        const ours = () => received.filter((m) => m.key === id);
        const started = Date.now();
        while (ours().length < expected.length && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
        // A little longer, so that a duplicate would have arrived too.
        await new Promise((r) => setTimeout(r, 1500));
        const got = ours().map((m) => {
          const v = m.json<{ type: string; hold_id: string }>();
          return `${v.type} ${v.hold_id}`;
        });
        assert.deepEqual([...got].sort(), [...expected].sort(), 'each change exactly once');
        assert.equal(new Set(ours().map((m) => m.messageId)).size, got.length);
        // Built in SQL, checked against the contract (schema and version header).
        for (const m of ours()) seatEvents.decode(m);
        const booked = ours()
          .map((m) => m.json<Record<string, unknown>>())
          .find((v) => v.type === 'seats.booked')!;
        assert.equal(booked.status, 'booked');
        assert.deepEqual(booked.seats, ['F1']);
        assert.ok(!Number.isNaN(Date.parse(booked.timestamp as string)));
        const left = await up.sql.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE topic = $1 AND published_at IS NULL`, [
          topic,
        ]);
        assert.equal(Number(left.rows[0]!.n), 0);
      } finally {
        await up.close();
        await sub.close();
      }
    },
  );
});
