// The dead-letter tool (`npm run dlq`, scripts/dlq.ts) as an operator runs it: real dead letters
// made by a real consumer giving up, then list, show and replay, on Kafka and on the embedded bus.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafkaBus, createLocalBus, type IncomingMessage, type MessageBus, type Subscription } from '@ticketing/bus';
import { createPgliteDatabase } from '@ticketing/db';
import { UnrecoverableError } from '@ticketing/errors';
import { testInfra, uniqueId, uniqueTopicPrefix, waitFor } from '@ticketing/testing';

const root = path.resolve(import.meta.dirname, '..');

function dlq(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/dlq.ts', ...args], {
      cwd: root,
      env: { ...process.env, KAFKA_BROKERS: testInfra.kafkaBrokers, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, out, err }));
  });
}

/** A consumer that dead-letters everything while `failing`, and records what it handled after. */
async function consumer(bus: MessageBus, topic: string, groupId = uniqueId('dlq-g')) {
  const state = { failing: true, handled: [] as IncomingMessage[] };
  const sub: Subscription = await bus.consume({
    groupId,
    topics: [topic],
    maxAttempts: 1,
    async handler(m) {
      if (state.failing) throw new UnrecoverableError(`cannot handle ${m.key}`);
      state.handled.push(m);
    },
  });
  return { state, close: () => sub.close() };
}

const original = (n: number) => ({ booking_id: crypto.randomUUID(), n });

describe('npm run dlq (Kafka)', () => {
  let bus: MessageBus;
  const topic = `${uniqueTopicPrefix('dlq')}.booking-requests`;
  before(async () => {
    bus = createKafkaBus({ brokers: testInfra.kafkaBrokers, clientId: uniqueId('dlq-test') });
    await bus.ensureTopics([topic, `${topic}.dlq`], 2);
  });
  after(() => bus.close());

  it('lists and shows dead letters, and replays one to its topic with its key and a new message id', { timeout: 120_000 }, async () => {
    const c = await consumer(bus, topic);
    try {
      const a = {
        topic,
        key: 'key-a',
        value: original(1),
        messageId: crypto.randomUUID(),
        headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
      };
      const b = { topic, key: 'key-b', value: original(2), messageId: crypto.randomUUID() };
      await bus.publisher().publish([a, b]);
      await waitFor(async () => ((await bus.readAll(`${topic}.dlq`)).length >= 2 ? true : undefined), 'two dead letters');

      const list = await dlq(['list', '--topic', topic]);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, new RegExp(`${a.messageId} .*key=key-a .*UnrecoverableError: cannot handle key-a`));
      assert.match(list.out, new RegExp(`${b.messageId} .*key=key-b`));
      const listed = JSON.parse((await dlq(['list', '--topic', `${topic}.dlq`, '--json'])).out) as { id: string; original_topic: string }[];
      assert.deepEqual(listed.map((l) => l.id).sort(), [a.messageId, b.messageId].sort());
      assert.ok(listed.every((l) => l.original_topic === topic));

      const show = await dlq(['show', '--topic', topic, '--id', a.messageId]);
      assert.equal(show.code, 0, show.err);
      const shown = JSON.parse(show.out) as { value: unknown; key: string; headers: Record<string, string> };
      assert.deepEqual(shown.value, a.value);
      assert.equal(shown.key, 'key-a');
      assert.equal(shown.headers.traceparent, a.headers.traceparent);

      c.state.failing = false;
      const replay = await dlq(['replay', '--topic', topic, '--id', a.messageId]);
      assert.equal(replay.code, 0, replay.err);
      const replayed = await waitFor(() => c.state.handled.find((m) => m.key === 'key-a'), 'the replayed message');
      assert.notEqual(replayed.messageId, a.messageId, 'a new message id');
      assert.ok(replay.out.includes(`as ${replayed.messageId}`), replay.out);
      assert.deepEqual(replayed.json(), a.value);
      assert.equal(replayed.headers['dlq-replay-of'], a.messageId);
      assert.equal(replayed.headers.traceparent, a.headers.traceparent);
      await sleep(1000);
      assert.deepEqual(
        c.state.handled.map((m) => m.key),
        ['key-a'],
        'only the one asked for',
      );
    } finally {
      await c.close();
    }
  });

  it('refuses unclear requests with a usage message', async () => {
    const noTarget = await dlq(['replay', '--topic', topic]);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.err, /replay needs --id/);
    const unknown = await dlq(['show', '--topic', topic, '--id', 'no-such-id']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no dead letter with id no-such-id/);
    assert.equal((await dlq(['purge'])).code, 2);
  });
});

describe('npm run dlq --embedded (the embedded bus under DATA_DIR)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dlq-embedded-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const open = async () => {
    const db = await createPgliteDatabase({ dataDir: path.join(dataDir, 'pglite', 'bus'), schema: 'bus' });
    return { db, bus: await createLocalBus(db) };
  };

  it('replays a dead letter of the stopped platform, consumed when it starts again', { timeout: 120_000 }, async () => {
    const topic = 'notification-requests';
    const value = { type: 'booking_confirmed', recipient_email: 'a@example.test', booking_data: { booking_id: crypto.randomUUID() } };
    let { db, bus } = await open();
    const group = uniqueId('notification-service');
    let c = await consumer(bus, topic, group);
    await bus.publisher().publish([{ topic, key: 'k-1', value }]);
    const [dead] = await waitFor(async () => {
      const letters = await bus.readAll(`${topic}.dlq`);
      return letters.length > 0 ? letters : undefined;
    }, 'the dead letter');
    await c.close();
    await bus.close();
    await db.close();

    // The platform is stopped: the tool opens its bus database.
    const list = await dlq(['list', '--embedded'], { DATA_DIR: dataDir });
    assert.equal(list.code, 0, list.err);
    assert.ok(list.out.includes(dead!.messageId), list.out);
    const replay = await dlq(['replay', '--embedded', '--all'], { DATA_DIR: dataDir });
    assert.equal(replay.code, 0, replay.err);

    ({ db, bus } = await open());
    c = await consumer(bus, topic, group);
    c.state.failing = false;
    try {
      const replayed = await waitFor(() => c.state.handled[0], 'the replayed notification');
      assert.deepEqual(replayed.json(), value);
      assert.equal(replayed.key, 'k-1');
      assert.equal(replayed.headers['dlq-replay-of'], dead!.messageId);
      assert.notEqual(replayed.messageId, dead!.messageId);
    } finally {
      await c.close();
      await bus.close();
      await db.close();
    }
  });
});
