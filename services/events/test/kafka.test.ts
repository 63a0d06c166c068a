import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKafkaBus, type IncomingMessage } from '@ticketing/bus';
import { testInfra, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import { createEvent, expireAndSweep, startEvents } from './helpers.ts';

async function waitFor<T>(predicate: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = predicate();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out; ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('seat domain events on Kafka', () => {
  it('publishes held, released, booked and expired changes keyed by event id', async () => {
    const topic = uniqueTopicPrefix('seat-events');
    const bus = createKafkaBus({ brokers: [testInfra.kafkaBrokers], clientId: uniqueId('events-test') });
    await bus.ensureTopics([topic], 1);
    const server = await startEvents({ kafka: { seatEventsTopic: topic } }, { bus });
    const received: IncomingMessage[] = [];
    const sub = await bus.consume({ groupId: uniqueId('g'), topics: [topic], handler: async (m) => void received.push(m) });
    try {
      const owner = server.user();
      const event = await createEvent(server.api, owner.token);
      const id = event.event_id;
      const hold = async (seats: string[]) =>
        (await server.api('POST', `/api/events/${id}/hold`, { token: owner.token, body: { seat_numbers: seats } })).body.hold_id as string;
      const first = await hold(['A1', 'A2']);
      await server.api('DELETE', `/api/events/holds/${first}`, { token: owner.token });
      const second = await hold(['B1']);
      const bookingId = crypto.randomUUID();
      await server.api('POST', `/internal/holds/${second}/lock`, {
        token: server.internalToken,
        body: { user_id: owner.userId, booking_id: bookingId },
      });
      await server.api('POST', `/internal/holds/${second}/confirm`, { token: server.internalToken, body: { booking_id: bookingId } });
      const third = await hold(['C1']);
      const sweptHere = await expireAndSweep(server, third);

      // The sweeper is global: other tests' expired holds may show up too, keyed by their own events.
      const ours = () => received.filter((m) => m.key === id);
      const expected = [
        ['seats.held', id, first, ['A1', 'A2'], 'held'],
        ['seats.released', id, first, ['A1', 'A2'], 'available'],
        ['seats.held', id, second, ['B1'], 'held'],
        ['seats.booked', id, second, ['B1'], 'booked'],
        ['seats.held', id, third, ['C1'], 'held'],
        // Announced by the server whose sweeper expired the hold (see expireAndSweep).
        ...(sweptHere ? [['seats.expired', id, third, ['C1'], 'available']] : []),
      ];
      await waitFor(
        () => (ours().length >= expected.length ? true : undefined),
        60_000,
        () => `received ${JSON.stringify(ours().map((m) => m.json<Record<string, unknown>>().type))} of ${received.length} messages`,
      );
      assert.ok(ours().every((m) => m.messageId.length > 0 && /^00-/.test(m.headers.traceparent ?? '')));
      const values = ours().map((m) => m.json<Record<string, unknown>>());
      assert.deepEqual(
        values.map((v) => [v.type, v.event_id, v.hold_id, v.seats, v.status]),
        expected,
      );
      assert.equal(values[3]!.booking_id, bookingId);
      assert.equal(values[0]!.user_id, owner.userId);
      assert.ok(!Number.isNaN(Date.parse(values[0]!.timestamp as string)));
    } finally {
      await sub.close();
      await server.close();
      await bus.close();
    }
  });
});
