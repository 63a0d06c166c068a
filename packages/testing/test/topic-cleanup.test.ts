// Test topics do not stay on the shared broker: those named from a uniqueTopicPrefix are deleted
// once the process that made the prefix exits, and no other topic is touched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Admin } from '@platformatic/kafka';
import { testInfra, uniqueId, waitFor } from '../src/index.ts';
import { deleteTopicsWithPrefixes } from '../src/delete-topics.ts';

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: uniqueId('topic-cleanup-test'), bootstrapBrokers: testInfra.kafkaBrokers.split(',') });
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}

const exists = (topic: string) => withAdmin(async (admin) => (await admin.listTopics()).includes(topic));

describe('test topic cleanup', () => {
  it('deletes the topics of the given prefixes and leaves the others', async () => {
    const mine = uniqueId('cleanup-mine');
    const other = uniqueId('cleanup-other');
    const topics = [`${mine}.a`, `${mine}.a.dlq`, `${other}.a`];
    await withAdmin((admin) => admin.createTopics({ topics, partitions: 1, replicas: 1 }));
    try {
      assert.equal(await deleteTopicsWithPrefixes(testInfra.kafkaBrokers, [mine]), 2);
      await waitFor(async () => !(await exists(`${mine}.a`)) && !(await exists(`${mine}.a.dlq`)), 'the prefix’s topics to go');
      assert.ok(await exists(`${other}.a`), 'a topic of another prefix stays');
    } finally {
      await deleteTopicsWithPrefixes(testInfra.kafkaBrokers, [other]);
    }
  });

  it('deletes a process’s topics after it exits, without it waiting for that', async () => {
    // A test process in small: it names a topic from a prefix, creates it and exits.
    const child = `
      import { Admin } from '@platformatic/kafka';
      import { testInfra, uniqueTopicPrefix } from '@ticketing/testing';
      const topic = uniqueTopicPrefix('cleanup-exit') + '.events';
      const admin = new Admin({ clientId: 'topic-cleanup-child', bootstrapBrokers: testInfra.kafkaBrokers.split(',') });
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      await admin.close();
      console.log(topic);`;
    const topic = execFileSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' }).trim();
    assert.match(topic, /^cleanup-exit-[0-9a-f]{8}\.events$/);
    await waitFor(async () => !(await exists(topic)), `${topic} to be deleted after its process exited`);
  });
});
