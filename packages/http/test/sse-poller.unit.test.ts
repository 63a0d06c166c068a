import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@ticketing/testing';
import pino from 'pino';
import { createSsePoller, type SsePollWatcher } from '../src/sse-poller.ts';

const until = (condition: () => boolean, what: string) => waitFor(condition, what, 5_000, 5);

/** A watcher that writes down what it was told, as the SSE route would send it. */
function recorder(): SsePollWatcher<{ n: number }> & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    view: (v) => seen.push(`view ${v.n}`),
    gone: () => seen.push('gone'),
    unavailable: () => seen.push('unavailable'),
  };
}

// The loop is driven by wake(); the interval is long so that no timed pass interferes.
function poller(read: (topic: string, keys: readonly string[]) => Promise<Map<string, { n: number } | undefined>>) {
  return createSsePoller({ read, intervalMs: 60_000, logger: pino({ level: 'silent' }), name: 'test stream' });
}

describe('createSsePoller', () => {
  it('sends the first view at once, then only views that changed, with one read per topic for all its watchers', async () => {
    const store = new Map([
      ['ann', { n: 1 }],
      ['ben', { n: 5 }],
    ]);
    const reads: string[][] = [];
    const streams = poller(async (topic, keys) => {
      reads.push([topic, ...keys]);
      return new Map(keys.map((k) => [k, store.get(k)]));
    });
    const [ann, ben, ben2] = [recorder(), recorder(), recorder()];
    streams.attach('e1', 'ann', ann, { n: 1 });
    streams.attach('e1', 'ben', ben, { n: 5 });
    streams.attach('e1', 'ben', ben2, { n: 5 });
    assert.equal(streams.watchers(), 3);
    await until(() => reads.length >= 1, 'the first pass');

    store.set('ann', { n: 2 });
    const before = reads.length;
    streams.wake('e1');
    await until(() => ann.seen.length === 2, 'the change');
    assert.deepEqual(ann.seen, ['view 1', 'view 2']);
    assert.deepEqual(ben.seen, ['view 5'], 'unchanged: nothing sent');
    assert.deepEqual(ben2.seen, ['view 5']);
    assert.deepEqual(reads.at(before), ['e1', 'ann', 'ben']);
    await streams.stop();
  });

  it('tells a watcher once that its view is gone, and once that reads fail; the view is sent again when reads work', async () => {
    let failing = false;
    const store = new Map<string, { n: number }>([['ann', { n: 1 }]]);
    let passes = 0;
    const streams = poller(async (_topic, keys) => {
      passes++;
      if (failing) throw new Error('store down');
      return new Map(keys.map((k) => [k, store.get(k)]));
    });
    const ann = recorder();
    streams.attach('e1', 'ann', ann, { n: 1 });
    // Passes never overlap: once the read of a second pass started, the first one has delivered.
    const pass = async () => {
      for (let i = 0; i < 2; i++) {
        const n = passes;
        streams.wake('e1');
        await until(() => passes > n, 'a pass');
      }
    };
    failing = true;
    await pass();
    await pass();
    assert.deepEqual(ann.seen, ['view 1', 'unavailable']);
    failing = false;
    await pass();
    assert.deepEqual(ann.seen, ['view 1', 'unavailable', 'view 1'], 'the same view again after the outage');
    store.delete('ann');
    await pass();
    await pass();
    assert.deepEqual(ann.seen, ['view 1', 'unavailable', 'view 1', 'gone']);
    await streams.stop();
  });

  it('stops reading a topic once its last watcher detached', async () => {
    const topicsRead = new Set<string>();
    const streams = poller(async (topic, keys) => {
      topicsRead.add(topic);
      return new Map(keys.map((k) => [k, { n: 1 }]));
    });
    const detachA = streams.attach('a', 'ann', recorder(), { n: 1 });
    streams.attach('b', 'ben', recorder(), { n: 1 });
    streams.wake('b'); // the first pass may have started before b was attached
    await until(() => topicsRead.size === 2, 'both topics read');
    detachA();
    assert.equal(streams.watchers(), 1);
    topicsRead.clear();
    streams.wake('a'); // no watcher left: no pass for it
    streams.wake('b');
    await until(() => topicsRead.size > 0, 'a pass');
    assert.deepEqual([...topicsRead], ['b']);
    await streams.stop();
  });
});
