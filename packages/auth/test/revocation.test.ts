// The revocation check every service runs, against the real Redis the users service writes to:
// a burst of new users is read in one round trip, and a revoked token stops working at the
// users service's announcement, or after `maxAgeMs` when the announcement is lost.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisCache, type Cache } from '@ticketing/cache';
import { testInfra, waitFor } from '@ticketing/testing';
import { createCacheRevocationChecker, REVOCATION_CHANNEL, revocationKey, type RevocationStore } from '../src/index.ts';

let cache: Cache;
const written: string[] = [];

/** What the users service does on a password change: the new generation in the cache (and, unless lost, an announcement). */
async function revokeOlderThan(userId: string, generation: number, announce: boolean): Promise<void> {
  written.push(revocationKey(userId));
  await cache.set(revocationKey(userId), JSON.stringify({ generation, jtis: [] }), 3600);
  if (announce) await cache.publish(REVOCATION_CHANNEL, userId);
}

/** The real cache, counting the multi-key reads that reach Redis. */
function counting(reads: number[]): RevocationStore {
  return {
    get: (key) => cache.get(key),
    getMany: (keys) => {
      reads.push(keys.length);
      return cache.getMany(keys);
    },
    subscribe: (channel, onMessage) => cache.subscribe(channel, onMessage),
  };
}

before(async () => {
  cache = createRedisCache(testInfra.redisUrl, { keyPrefix: `revocation-test-${randomUUID()}:` });
  // A fresh client refuses commands until it is connected (no offline queue).
  await waitFor(
    () =>
      cache.ping().then(
        () => true,
        () => false,
      ),
    'Redis to answer',
  );
});

after(async () => {
  if (written.length > 0) await cache.del(...written);
  await cache.close();
});

describe('revocation checks against Redis', () => {
  it('reads a burst of new users in one round trip, refuses their revoked tokens, and reads none of them again while fresh', async () => {
    const users = Array.from({ length: 60 }, () => randomUUID());
    const revoked = new Set(users.filter((_, i) => i % 3 === 0));
    for (const u of revoked) await revokeOlderThan(u, 2, false);
    const reads: number[] = [];
    const checker = createCacheRevocationChecker(counting(reads));
    try {
      const answers = await Promise.all(users.map((u) => checker.isRevoked({ user_id: u, jti: randomUUID(), gen: 1 })));
      assert.deepEqual(
        answers,
        users.map((u) => revoked.has(u)),
      );
      assert.deepEqual(reads, [60], 'one MGET for the 60 users asked within one turn');
      const again = await Promise.all(users.map((u) => checker.isRevoked({ user_id: u, jti: randomUUID(), gen: 2 })));
      assert.ok(
        again.every((r) => r === false),
        'tokens of the current generation pass',
      );
      assert.deepEqual(reads, [60], 'no read while the local copies are fresh');
    } finally {
      await checker.close();
    }
  });

  it('stops a revoked token at the announcement, and after maxAgeMs when the announcement is lost', async () => {
    const announced = randomUUID();
    const lost = randomUUID();
    const token = (userId: string) => ({ user_id: userId, jti: randomUUID(), gen: 0 });
    const checker = createCacheRevocationChecker(cache, { maxAgeMs: 60_000 });
    const unbuffered = createCacheRevocationChecker(cache, { maxAgeMs: 0 });
    try {
      assert.equal(await checker.isRevoked(token(announced)), false);
      assert.equal(await checker.isRevoked(token(lost)), false);
      assert.equal(await unbuffered.isRevoked(token(lost)), false);

      // No announcement: the checker keeps its copy for up to maxAgeMs, one without a copy refuses at once.
      await revokeOlderThan(lost, 1, false);
      assert.equal(await checker.isRevoked(token(lost)), false, 'within maxAgeMs the local copy still counts');
      assert.equal(await unbuffered.isRevoked(token(lost)), true);

      // Announced: refused as soon as the announcement arrives (the subscription is made in the background).
      let refused = false;
      for (let i = 0; i < 100 && !refused; i++) {
        await revokeOlderThan(announced, 1, true);
        await sleep(50);
        refused = await checker.isRevoked(token(announced));
      }
      assert.ok(refused, 'the announcement dropped the local copy');
    } finally {
      await checker.close();
      await unbuffered.close();
    }
  });
});
