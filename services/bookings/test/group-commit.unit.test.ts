import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { byKey, createGroupCommit } from '../src/group-commit.ts';

describe('group commit', () => {
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
});
