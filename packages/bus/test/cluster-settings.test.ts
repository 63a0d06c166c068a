// The production settings reach the broker: topics are created with the configured replication
// factor and min.insync.replicas, and a producer with acks=leader (not idempotent) delivers. The
// shared broker has one node, so the replication factor tried is 1; a factor the cluster cannot
// satisfy is refused by the broker, which shows the setting is passed, not ignored.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Admin, ConfigResourceTypes } from '@platformatic/kafka';
import { testInfra, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import { createKafkaBus, type IncomingMessage, type MessageBus } from '../src/index.ts';

const brokers = testInfra.kafkaBrokers.split(',');
const buses: MessageBus[] = [];
after(async () => {
  for (const bus of buses) await bus.close();
});

function bus(cluster: Parameters<typeof createKafkaBus>[0]['cluster']): MessageBus {
  const created = createKafkaBus({ brokers, clientId: uniqueId('cluster-settings'), cluster });
  buses.push(created);
  return created;
}

async function topicConfig(topic: string, name: string): Promise<string | null | undefined> {
  const admin = new Admin({ clientId: uniqueId('describe'), bootstrapBrokers: brokers });
  try {
    const [description] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [name] }],
    });
    return description?.configs.find((c) => c.name === name)?.value;
  } finally {
    await admin.close();
  }
}

describe('Kafka production settings', () => {
  it('creates topics with the configured min.insync.replicas, and delivers with acks=leader', async () => {
    const topic = uniqueTopicPrefix('isr');
    const leaderAcks = bus({ replicationFactor: 1, minInsyncReplicas: 1, acks: 'leader' });
    await leaderAcks.ensureTopics([topic], 2);
    assert.equal(await topicConfig(topic, 'min.insync.replicas'), '1');

    const received: IncomingMessage[] = [];
    const sub = await leaderAcks.consume({ groupId: uniqueId('g'), topics: [topic], handler: async (m) => void received.push(m) });
    try {
      await leaderAcks.publisher().publish([{ topic, key: 'k', value: { n: 1 } }]);
      for (let i = 0; received.length === 0 && i < 300; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(received[0]?.json(), { n: 1 });
    } finally {
      await sub.close();
    }
  });

  it('asks the broker for the configured replication factor (a one-broker cluster refuses 3)', async () => {
    await assert.rejects(bus({ replicationFactor: 3 }).ensureTopics([uniqueId('rf3')], 1), (err: unknown) =>
      // The broker's own refusal, deep in the client's error: INVALID_REPLICATION_FACTOR (38).
      inspect(err, { depth: 8 }).includes('INVALID_REPLICATION_FACTOR'),
    );
  });
});
