import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from '@ticketing/errors';
import { testInfra, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import { createPgliteDatabase, type Database } from '@ticketing/db';
import { createKafkaBus, createLocalBus, type IncomingMessage, type MessageBus } from '../src/index.ts';

function waitFor<T>(predicate: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const v = predicate();
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 50);
    };
    tick();
  });
}

/** The same delivery contract holds for the Kafka adapter and the embedded (SQL-backed) bus. */
function describeBusContract(name: string, open: () => Promise<{ bus: MessageBus; close: () => Promise<void> }>) {
  describe(name, () => {
    let bus: MessageBus;
    let close: () => Promise<void>;
    before(async () => {
      ({ bus, close } = await open());
    });
    after(async () => close());

    it('delivers a published message to a consumer group with key, message_id and traceparent', async () => {
      const topic = uniqueTopicPrefix('roundtrip');
      await bus.ensureTopics([topic]);
      const messageId = randomUUID();
      await bus.publisher().publish([{ topic, key: 'booking-1', value: { hello: 'world', n: 1 }, messageId }]);
      const received: IncomingMessage[] = [];
      const sub = await bus.consume({ groupId: uniqueId('g'), topics: [topic], handler: async (m) => void received.push(m) });
      try {
        const msg = await waitFor(() => received[0]);
        assert.equal(msg.key, 'booking-1');
        assert.deepEqual(msg.json(), { hello: 'world', n: 1 });
        assert.equal(msg.messageId, messageId);
        assert.match(msg.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      } finally {
        await sub.close();
      }
    });

    it('creates topics that several starting processes ask for at the same moment, for each of them', async () => {
      // Two instances of a worker start together and both create their topics: neither may fail
      // because the other was first (the broker answers TOPIC_ALREADY_EXISTS to the loser).
      const topics = Array.from({ length: 6 }, () => uniqueTopicPrefix('together'));
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => bus.ensureTopics(topics, 1)));
      assert.deepEqual(
        results.filter((r) => r.status === 'rejected').map((r) => String(r.reason)),
        [],
      );
      await bus.publisher().publish(topics.map((topic) => ({ topic, key: 'k', value: { ok: true } })));
    });

    it('commits only handled messages: a new consumer in the same group starts after them', async () => {
      const topic = uniqueTopicPrefix('commit');
      const groupId = uniqueId('g');
      await bus.ensureTopics([topic], 1);
      await bus.publisher().publish([1, 2, 3].map((n) => ({ topic, key: 'k', value: { n } })));
      const first: number[] = [];
      const sub1 = await bus.consume({ groupId, topics: [topic], handler: async (m) => void first.push(m.json<{ n: number }>().n) });
      await waitFor(() => (first.length === 3 ? true : undefined));
      await sub1.close();
      await bus.publisher().publish([{ topic, key: 'k', value: { n: 4 } }]);
      const second: number[] = [];
      const sub2 = await bus.consume({ groupId, topics: [topic], handler: async (m) => void second.push(m.json<{ n: number }>().n) });
      try {
        await waitFor(() => (second.length >= 1 ? true : undefined));
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(first, [1, 2, 3]);
        assert.deepEqual(second, [4]);
      } finally {
        await sub2.close();
      }
    });

    it('retries a failing message, then dead-letters it; malformed messages go straight to the dead letter', async () => {
      const topic = uniqueTopicPrefix('dlq');
      await bus.ensureTopics([topic, `${topic}.dlq`], 1);
      const attempts = new Map<string, number>();
      const dead: string[] = [];
      const handled: string[] = [];
      const sub = await bus.consume({
        groupId: uniqueId('g'),
        topics: [topic],
        maxAttempts: 3,
        retryBaseMs: 10,
        handler: async (m) => {
          attempts.set(m.key, (attempts.get(m.key) ?? 0) + 1);
          if (m.key === 'always-fails') throw new Error('boom');
          if (m.key === 'flaky' && m.attempt < 2) throw new Error('transient');
          m.json();
          if (m.key === 'unrecoverable') throw new UnrecoverableError('never');
          handled.push(m.key);
        },
        onDeadLetter: (m) => void dead.push(m.key),
      });
      const dlqSeen: IncomingMessage[] = [];
      const dlqSub = await bus.consume({ groupId: uniqueId('g'), topics: [`${topic}.dlq`], handler: async (m) => void dlqSeen.push(m) });
      try {
        await bus.publisher().publish([
          { topic, key: 'always-fails', value: {} },
          { topic, key: 'flaky', value: {} },
          { topic, key: 'unrecoverable', value: {} },
          { topic, key: 'ok', value: {} },
        ]);
        await waitFor(() => (dlqSeen.length === 2 && handled.length === 2 ? true : undefined));
        assert.equal(attempts.get('always-fails'), 3);
        assert.equal(attempts.get('flaky'), 2);
        assert.equal(attempts.get('unrecoverable'), 1);
        assert.deepEqual(handled.sort(), ['flaky', 'ok']);
        assert.deepEqual(dead.sort(), ['always-fails', 'unrecoverable']);
        const reasons = Object.fromEntries(dlqSeen.map((m) => [m.key, m.headers['dlq-error-type']]));
        assert.deepEqual(reasons, { 'always-fails': 'Error', unrecoverable: 'UnrecoverableError' });
        assert.equal(dlqSeen[0]?.headers['dlq-original-topic'], topic);
      } finally {
        await sub.close();
        await dlqSub.close();
      }
    });
  });
}

describeBusContract('Kafka bus (real broker)', async () => {
  const bus = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('bus-test') });
  return { bus, close: () => bus.close() };
});

describeBusContract('embedded bus (PGlite)', async () => {
  const db: Database = await createPgliteDatabase({ dataDir: 'memory://', schema: 'bus' });
  const bus = await createLocalBus(db);
  return {
    bus,
    async close() {
      await bus.close();
      await db.close();
    },
  };
});

describe('embedded bus durability', () => {
  it('delivers messages published before a restart to the group afterwards', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dataDir = mkdtempSync(`${tmpdir()}/bus-`);
    const db1 = await createPgliteDatabase({ dataDir, schema: 'bus' });
    const bus1 = await createLocalBus(db1);
    await bus1.publisher().publish([{ topic: 'orders', key: 'a', value: { n: 1 } }]);
    await bus1.close();
    await db1.close();
    const db2 = await createPgliteDatabase({ dataDir, schema: 'bus' });
    const bus2 = await createLocalBus(db2);
    const seen: number[] = [];
    const sub = await bus2.consume({ groupId: 'g', topics: ['orders'], handler: async (m) => void seen.push(m.json<{ n: number }>().n) });
    try {
      await waitFor(() => (seen.length === 1 ? true : undefined));
      assert.deepEqual(seen, [1]);
    } finally {
      await sub.close();
      await bus2.close();
      await db2.close();
    }
  });
});

describe('dead-letter step failures', () => {
  it('retries a failing dead-letter hook instead of leaving a gap that blocks later commits', async () => {
    const db = await createPgliteDatabase({ dataDir: 'memory://', schema: 'bus' });
    const bus = await createLocalBus(db);
    try {
      let hookCalls = 0;
      const handled: string[] = [];
      const sub = await bus.consume({
        groupId: 'g',
        topics: ['t'],
        maxAttempts: 1,
        handler: async (m) => {
          if (m.key === 'bad') throw new UnrecoverableError('never');
          handled.push(m.key);
        },
        onDeadLetter: () => {
          hookCalls += 1;
          if (hookCalls < 3) throw new Error('hook down');
        },
      });
      await bus.publisher().publish([
        { topic: 't', key: 'bad', value: {} },
        { topic: 't', key: 'good', value: {} },
      ]);
      await waitFor(() => (handled.includes('good') && hookCalls >= 3 ? true : undefined));
      await sub.close();
      const { rows } = await db.query<{ last_id: string }>("SELECT last_id FROM bus_offsets WHERE group_id = 'g' AND topic = 't'");
      assert.equal(rows[0]?.last_id, '2', 'both messages committed once the hook succeeded');
    } finally {
      await bus.close();
      await db.close();
    }
  });
});

describe('embedded bus retention', () => {
  it('deletes old messages every group has consumed, and keeps the ones a group still needs', async () => {
    const db = await createPgliteDatabase({ dataDir: 'memory://', schema: 'bus' });
    const bus = await createLocalBus(db, { retentionMs: 100 });
    try {
      const seen: string[] = [];
      const subA = await bus.consume({ groupId: 'g', topics: ['done'], handler: async (m) => void seen.push(m.key) });
      // A group that has not reached the 'pending' message yet.
      await db.query("INSERT INTO bus_offsets (group_id, topic, last_id) VALUES ('slow', 'pending', 0)");
      await bus.publisher().publish([
        { topic: 'done', key: 'a', value: {} },
        { topic: 'pending', key: 'b', value: {} },
      ]);
      await waitFor(() => (seen.length === 1 ? true : undefined));
      let topics: string[] = [];
      for (let i = 0; i < 60; i++) {
        await new Promise((r) => setTimeout(r, 50));
        topics = (await db.query<{ topic: string }>('SELECT topic FROM bus_messages ORDER BY id')).rows.map((r) => r.topic);
        if (!topics.includes('done')) break;
      }
      assert.deepEqual(topics, ['pending']);
      await subA.close();
    } finally {
      await bus.close().catch(() => undefined);
      await db.close();
    }
  });
});
