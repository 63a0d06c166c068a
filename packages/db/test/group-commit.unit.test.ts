import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { byKey, createGroupCommit } from '../src/group-commit.ts';

describe('createGroupCommit', () => {
  it('runs calls made together as few batches and gives every caller its own result', async () => {
    const batches: number[][] = [];
    const double = createGroupCommit<number, number>({
      maxInFlight: 1,
      execute: async (inputs) => {
        batches.push(inputs);
        await sleep(5);
        return inputs.map((n) => n * 2);
      },
    });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => double(i)));
    assert.deepEqual(
      results,
      Array.from({ length: 100 }, (_, i) => i * 2),
    );
    assert.equal(batches.flat().length, 100);
    assert.ok(batches.length < 100, `${batches.length} batches`);
  });

  it('without a window, groups the calls of one event-loop turn and waits no longer', async () => {
    const batches: number[][] = [];
    const run = createGroupCommit<number, number>({
      execute: async (inputs) => {
        batches.push(inputs);
        return inputs;
      },
    });
    await Promise.all([run(1), run(2), run(3)]);
    await run(4);
    assert.deepEqual(batches, [[1, 2, 3], [4]]);
  });

  it('splits batches at maxBatch and fails only the callers of a failing batch', async () => {
    const sizes: number[] = [];
    const run = createGroupCommit<number, number>({
      maxBatch: 10,
      maxInFlight: 2,
      execute: async (inputs) => {
        sizes.push(inputs.length);
        if (inputs.includes(13)) throw new Error('boom');
        return inputs;
      },
    });
    const settled = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => run(i)));
    assert.ok(Math.max(...sizes) <= 10);
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
    assert.ok(failed.includes(13));
    assert.ok(failed.length <= 10);
    assert.ok(settled.filter((s) => s.status === 'fulfilled').length >= 15);
  });

  it('never runs more than maxInFlight batches at once; calls queued meanwhile form the next batch', async () => {
    let running = 0;
    let most = 0;
    const batches: number[][] = [];
    const run = createGroupCommit<number, number>({
      maxInFlight: 2,
      maxBatch: 3,
      execute: async (inputs) => {
        batches.push(inputs);
        most = Math.max(most, ++running);
        await sleep(5);
        running--;
        return inputs;
      },
    });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => run(i)));
    assert.deepEqual(
      results,
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.equal(most, 2);
    assert.deepEqual(
      batches.flat().sort((a, b) => a - b),
      results,
    );
  });

  it('with a window, the first call waits for company and a full batch starts at once', async () => {
    const batches: number[][] = [];
    const run = createGroupCommit<number, number>({
      windowMs: 60_000,
      maxBatch: 3,
      execute: async (inputs) => {
        batches.push(inputs);
        return inputs;
      },
    });
    // A 60 s window: only reaching maxBatch can start this batch before the test times out.
    assert.deepEqual(await Promise.all([run(1), run(2), run(3)]), [1, 2, 3]);
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  it('with windowMs 0, starts a batch at once and groups only the calls queued behind busy batches', async () => {
    const batches: number[][] = [];
    const run = createGroupCommit<number, number>({
      windowMs: 0,
      maxInFlight: 1,
      execute: async (inputs) => {
        batches.push(inputs);
        await sleep(5);
        return inputs;
      },
    });
    await Promise.all([run(1), run(2), run(3)]);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  it('runs a batch of one with executeOne, and reports every batch to onBatch', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    const run = createGroupCommit<number, string>({
      execute: async (inputs) => inputs.map((n) => (seen.push(`batch ${n}`), `b${n}`)),
      executeOne: async (n) => (seen.push(`one ${n}`), `o${n}`),
      onBatch: (size, seconds) => {
        assert.ok(seconds >= 0);
        sizes.push(size);
      },
    });
    assert.equal(await run(1), 'o1');
    assert.deepEqual(await Promise.all([run(2), run(3)]), ['b2', 'b3']);
    assert.deepEqual(seen, ['one 1', 'batch 2', 'batch 3']);
    assert.deepEqual(sizes, [1, 2]);
  });

  it('when a batch fails as a whole, decides each call again with retryEach, which keeps what the batch committed', async () => {
    const committed = new Set<number>();
    const retried: number[] = [];
    const failures: [string, number][] = [];
    const run = createGroupCommit<number, string>({
      execute: async (inputs) => {
        committed.add(inputs[0]!); // The batch commits the first call, then the connection drops.
        throw new Error('connection lost after commit');
      },
      retryEach: async (n) => {
        if (committed.has(n)) return `kept ${n}`;
        retried.push(n);
        if (n === 3) throw new Error('3 fails alone too');
        return `alone ${n}`;
      },
      onBatchFailed: (err, size) => failures.push([(err as Error).message, size]),
    });
    const settled = await Promise.allSettled([run(1), run(2), run(3)]);
    assert.deepEqual(
      settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message)),
      ['kept 1', 'alone 2', '3 fails alone too'],
    );
    assert.deepEqual(retried, [2, 3]);
    assert.deepEqual(failures, [['connection lost after commit', 3]]);
  });
});

describe('byKey', () => {
  it('lets only the first call for a key win within a batch', async () => {
    const seen: string[][] = [];
    const claim = createGroupCommit<string, string | undefined>({
      execute: byKey(
        (k) => k,
        async (keys) => {
          seen.push(keys);
          return new Map(keys.map((k) => [k, `won:${k}`]));
        },
        () => undefined,
      ),
    });
    const results = await Promise.all(['a', 'b', 'a', 'a'].map((k) => claim(k)));
    assert.deepEqual(results, ['won:a', 'won:b', undefined, undefined]);
    assert.deepEqual(seen, [['a', 'b']]);
  });

  it('hands later calls for a key what duplicate() makes of the first output', async () => {
    const read = createGroupCommit<string, string | undefined>({
      execute: byKey(
        (k) => k,
        async (keys) => new Map(keys.map((k) => [k, `row:${k}`])),
        (first) => first,
      ),
    });
    assert.deepEqual(await Promise.all([read('x'), read('x')]), ['row:x', 'row:x']);
  });
});
