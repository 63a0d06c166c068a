import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionTracker } from '../src/index.ts';

describe('PartitionTracker', () => {
  it('commits only the contiguous finished prefix', () => {
    const t = new PartitionTracker();
    const committed: number[] = [];
    for (const o of [1, 2, 3]) t.add(BigInt(o), async () => void committed.push(o));
    assert.equal(t.finish(2n), undefined);
    const c = t.finish(1n);
    assert.ok(c);
    void c();
    assert.deepEqual(committed, [2]);
    void t.finish(3n)?.();
    assert.deepEqual(committed, [2, 3]);
    assert.equal(t.size, 0);
  });
});
