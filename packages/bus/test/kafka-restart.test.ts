// A Kafka consumer whose stream fails for good while the broker is away (longer than the
// client's own retries) must consume again once the broker is back, without a process restart.
// The broker is a private one of this test (scripts/infra.sh on its own ports and state
// directory); the shared broker is never stopped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { uniqueId } from '@ticketing/testing';
import { createKafkaBus, type MessageBus, type Subscription } from '../src/index.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const port = Number(process.env.KAFKA_RESTART_TEST_PORT ?? 15440);
const dir = mkdtempSync(path.join(tmpdir(), 'kafka-restart-'));
const env = {
  ...process.env,
  INFRA_DIR: dir,
  INFRA_KAFKA_PORT: String(port),
  INFRA_KAFKA_CONTROLLER_PORT: String(port + 1),
  INFRA_PG_PORT: String(port + 2),
  INFRA_REDIS_PORT: String(port + 3),
  KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
};
const infra = (action: 'up' | 'down') =>
  promisify(execFile)('bash', [path.join(root, 'scripts/infra.sh'), action, 'kafka'], { env, timeout: 300_000, maxBuffer: 16 << 20 });

const logs: string[] = [];
const logger = {
  info: (obj: object, msg: string) => logs.push(`${msg} ${JSON.stringify(obj)}`),
  warn: (obj: object, msg: string) => logs.push(`${msg} ${JSON.stringify(obj)}`),
  error: (obj: object, msg: string) => logs.push(`${msg} ${JSON.stringify(obj)}`),
};
let bus: MessageBus | undefined;
let subscription: Subscription | undefined;

before(async () => {
  await infra('up');
});
after(async () => {
  await subscription?.close();
  await bus?.close();
  await infra('down').catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; bus log:\n${logs.slice(-20).join('\n')}`);
    await sleep(100);
  }
}

describe('Kafka consumer across a broker outage', () => {
  it('consumes again after its stream failed for good, once the broker is back', async (t) => {
    const topic = uniqueId('restart');
    bus = createKafkaBus({ brokers: `127.0.0.1:${port}`, clientId: uniqueId('restart'), logger });
    await bus.ensureTopics([topic], 1);
    const received: string[] = [];
    subscription = await bus.consume({
      groupId: uniqueId('restart-group'),
      topics: [topic],
      handler: async (m) => {
        received.push(m.json<{ n: string }>().n);
      },
    });
    await bus.publisher().publish([{ topic, key: 'k', value: { n: 'before' } }]);
    await waitFor('the first message', () => received.includes('before'), 60_000);

    await infra('down');
    await waitFor('the consumer stream to fail', () => logs.some((l) => l.startsWith('consumer stream failed')), 180_000);
    await infra('up');
    const back = Date.now();

    // The producer may need a few tries while the broker elects leaders again.
    for (let attempt = 0; ; attempt++) {
      try {
        await bus.publisher().publish([{ topic, key: 'k', value: { n: 'after' } }]);
        break;
      } catch (err) {
        if (attempt >= 60) throw err;
        await sleep(1000);
      }
    }
    await waitFor('the message published after the restart', () => received.includes('after'), 120_000);
    t.diagnostic(`consumed again ${Date.now() - back} ms after the broker answered`);
  });
});
