import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createPostgresDatabase, type Database } from '@ticketing/db';
import { testInfra, uniqueId, uniqueTopicPrefix, waitFor } from '@ticketing/testing';
import {
  createKafkaBus,
  createOutboxRelay,
  createOutboxRepository,
  createOutboxSignal,
  OUTBOX_TABLE_SQL,
  type IncomingMessage,
  type MessageBus,
  type OutboxRelayOptions,
} from '../src/index.ts';

// The shared outbox (table convention + relay) on a schema of its own, against real Kafka.

let db: Database;
let bus: MessageBus;
const schema = `outbox_test_${randomUUID().slice(0, 8)}`;

before(async () => {
  db = createPostgresDatabase({ url: testInfra.databaseUrl, schema, poolSize: 10 });
  await db.query(`CREATE SCHEMA ${schema}`);
  await db.query(OUTBOX_TABLE_SQL);
  bus = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('outbox-test') });
});

function startRelay(opts: Omit<OutboxRelayOptions, 'db'>) {
  const relay = createOutboxRelay({ db, ...opts });
  relay.start();
  return relay;
}
after(async () => {
  await bus.close();
  await db.query(`DROP SCHEMA ${schema} CASCADE`);
  await db.close();
});

const outbox = () => createOutboxRepository(db);

async function addRows(topic: string, n: number) {
  const rows = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    topic,
    key: `key-${i}`,
    value: { n: i, booking_id: randomUUID(), nested: { total_amount: 12.5 } },
    headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
  }));
  await db.transaction(async (tx) => {
    for (const r of rows) await outbox().insert(tx, r);
  });
  return rows;
}

async function collect(topic: string) {
  const received: IncomingMessage[] = [];
  const sub = await bus.consume({ groupId: uniqueId('g'), topics: [topic], handler: async (m) => void received.push(m) });
  return { received, close: () => sub.close() };
}

const unpublished = async (ids: string[]) =>
  Number(
    (await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NULL', [ids])).rows[0]!
      .n,
  );

describe('outbox relay', () => {
  it('publishes rows with their key, value and headers, message_id = row id, and marks them published', async () => {
    const topic = uniqueTopicPrefix('outbox');
    await bus.ensureTopics([topic], 1);
    const rows = await addRows(topic, 3);
    const consumer = await collect(topic);
    const signal = createOutboxSignal();
    const relay = startRelay({
      publisher: bus.publisher(),
      signal,
      topics: [topic],
      intervalMs: 100,
      batchSize: 100,
      maxBackoffMs: 500,
      retentionSeconds: 3600,
    });
    try {
      signal.notify();
      await waitFor(() => (consumer.received.length >= 3 ? true : undefined), 'three messages');
      const byId = new Map(consumer.received.map((m) => [m.messageId, m]));
      for (const row of rows) {
        const m = byId.get(row.id);
        assert.ok(m, `message ${row.id} received`);
        assert.equal(m.key, row.key);
        assert.deepEqual(m.json(), row.value);
        assert.equal(m.headers.traceparent, row.headers.traceparent);
      }
      await waitFor(async () => ((await unpublished(rows.map((r) => r.id))) === 0 ? true : undefined), 'rows marked published');
    } finally {
      await relay.close();
      await consumer.close();
    }
  });

  it('lets several relays run at once without publishing a row twice', async () => {
    const topic = uniqueTopicPrefix('outbox-multi');
    await bus.ensureTopics([topic], 3);
    const rows = await addRows(topic, 300);
    const consumer = await collect(topic);
    const relays = Array.from({ length: 3 }, () =>
      startRelay({
        publisher: bus.publisher(),
        signal: createOutboxSignal(),
        topics: [topic],
        intervalMs: 20,
        batchSize: 25,
        maxBackoffMs: 500,
        retentionSeconds: 3600,
      }),
    );
    try {
      await waitFor(async () => ((await unpublished(rows.map((r) => r.id))) === 0 ? true : undefined), 'all rows published');
      await waitFor(() => (consumer.received.length >= rows.length ? true : undefined), 'every message consumed');
      const ids = consumer.received.map((m) => m.messageId);
      assert.equal(new Set(ids).size, ids.length, 'no message published twice');
      assert.deepEqual(new Set(ids), new Set(rows.map((r) => r.id)));
    } finally {
      await Promise.all(relays.map((r) => r.close()));
      await consumer.close();
    }
  });

  it('keeps rows while Kafka is unreachable, and another relay publishes them once it is back', async () => {
    const topic = uniqueId('outbox-down');
    const rows = await addRows(topic, 2);
    const deadBus = createKafkaBus({ brokers: ['127.0.0.1:1'], clientId: uniqueId('dead') });
    let failedPublishes = 0;
    const failing = startRelay({
      publisher: {
        async publish(messages) {
          try {
            await deadBus.publisher().publish(messages);
          } catch (err) {
            failedPublishes++;
            throw err;
          }
        },
        close: async () => undefined,
      },
      signal: createOutboxSignal(),
      topics: [topic],
      intervalMs: 50,
      batchSize: 10,
      maxBackoffMs: 200,
      retentionSeconds: 3600,
      publishTimeoutMs: 2000,
    });
    // It keeps trying (with backoff) and keeps the rows.
    await waitFor(() => (failedPublishes >= 2 ? true : undefined), 'two failed publish attempts');
    await failing.close();
    await deadBus.close();
    assert.equal(await unpublished(rows.map((r) => r.id)), 2);

    await bus.ensureTopics([topic], 1);
    const consumer = await collect(topic);
    const relay = startRelay({
      publisher: bus.publisher(),
      signal: createOutboxSignal(),
      topics: [topic],
      intervalMs: 50,
      batchSize: 10,
      maxBackoffMs: 500,
      retentionSeconds: 3600,
    });
    try {
      await waitFor(() => (consumer.received.length >= 2 ? true : undefined), 'messages after Kafka returned');
      assert.deepEqual(new Set(consumer.received.map((m) => m.messageId)), new Set(rows.map((r) => r.id)));
    } finally {
      await relay.close();
      await consumer.close();
    }
  });

  it('leaves rows of topics it does not serve to other relays', async () => {
    const mine = uniqueId('outbox-mine');
    const other = uniqueId('outbox-other');
    await bus.ensureTopics([mine], 1);
    const [row] = await addRows(other, 1);
    const [minesRow] = await addRows(mine, 1);
    const consumer = await collect(mine);
    const relay = startRelay({
      publisher: bus.publisher(),
      signal: createOutboxSignal(),
      topics: [mine],
      intervalMs: 50,
      batchSize: 10,
      maxBackoffMs: 500,
      retentionSeconds: 3600,
    });
    try {
      await waitFor(() => (consumer.received.length >= 1 ? true : undefined), 'its own message');
      assert.equal(consumer.received[0]!.messageId, minesRow!.id);
      assert.equal(await unpublished([row!.id]), 1);
    } finally {
      await relay.close();
      await consumer.close();
      await db.query('DELETE FROM outbox WHERE id = $1', [row!.id]);
    }
  });
});
