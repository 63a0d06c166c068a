import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchLookups, createRevocationChecker, parseRevocationState, type RevocationState } from '../src/index.ts';

const claims = (gen: number | undefined, jti = 'j-1') => ({ user_id: 'u-1', jti, ...(gen === undefined ? {} : { gen }) });

describe('revocation checker (logic, fake lookup)', () => {
  it('refuses tokens of an older generation and revoked ids, reading each user once while fresh', async () => {
    let reads = 0;
    const checker = createRevocationChecker({
      lookup: async () => {
        reads++;
        return { generation: 2, jtis: ['gone'] };
      },
    });
    assert.equal(await checker.isRevoked(claims(undefined)), true);
    assert.equal(await checker.isRevoked(claims(1)), true);
    assert.equal(await checker.isRevoked(claims(2)), false);
    assert.equal(await checker.isRevoked(claims(3, 'gone')), true);
    assert.equal(reads, 1);
  });

  it('reads again after an announcement, and keeps no state a lookup started before it', async () => {
    let state: RevocationState = { generation: 0, jtis: [] };
    let announce: (userId: string) => void = () => undefined;
    let release: () => void = () => undefined;
    let slow = false;
    const checker = createRevocationChecker({
      lookup: async () => {
        const seen = state;
        if (slow) await new Promise<void>((r) => (release = r));
        return seen;
      },
      subscribe: async (onChange) => {
        announce = onChange;
        return async () => undefined;
      },
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(await checker.isRevoked(claims(0)), false);
    slow = true;
    checker.forget('u-1');
    const pending = checker.isRevoked(claims(0)); // reads the old state, slowly
    state = { generation: 1, jtis: [] };
    announce('u-1');
    release();
    assert.equal(await pending, false);
    slow = false;
    assert.equal(await checker.isRevoked(claims(0)), true, 'the stale read was not kept');
  });

  it('uses the last known state, or nothing, when the lookup fails', async () => {
    let fail = false;
    const errors: unknown[] = [];
    const checker = createRevocationChecker({
      lookup: async () => {
        if (fail) throw new Error('redis down');
        return { generation: 5, jtis: [] };
      },
      maxAgeMs: 0,
      onLookupError: (err) => errors.push(err),
    });
    assert.equal(await checker.isRevoked(claims(4)), true);
    fail = true;
    assert.equal(await checker.isRevoked(claims(4)), true, 'last known state');
    checker.forget('u-1');
    assert.equal(await checker.isRevoked(claims(4)), false, 'nothing known: not revoked');
    assert.equal(errors.length, 1, 'reported once per 10 s');
  });

  it('batches the lookups of one turn, at most maxBatch users a call, and fails only the batch whose read failed', async () => {
    const calls: string[][] = [];
    const lookup = batchLookups(async (ids) => {
      calls.push([...ids]);
      if (ids.includes('bad')) throw new Error('redis down');
      return ids.map((id) => ({ generation: Number(id.slice(1)), jtis: [] }));
    }, 2);
    const results = await Promise.allSettled(['u1', 'u2', 'u3', 'bad'].map(lookup));
    assert.deepEqual(calls, [
      ['u1', 'u2'],
      ['u3', 'bad'],
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value.generation : 'failed')),
      [1, 2, 'failed', 'failed'],
    );
    await lookup('u4');
    assert.deepEqual(calls.at(-1), ['u4'], 'a later turn is its own batch');
  });

  it('parses what the users service writes, and treats anything else as nothing revoked', () => {
    assert.deepEqual(parseRevocationState('{"generation":3,"jtis":["a"]}'), { generation: 3, jtis: ['a'] });
    assert.deepEqual(parseRevocationState(null), { generation: 0, jtis: [] });
    assert.deepEqual(parseRevocationState('not json'), { generation: 0, jtis: [] });
    assert.deepEqual(parseRevocationState('{"generation":-1,"jtis":[1]}'), { generation: 0, jtis: [] });
  });
});
