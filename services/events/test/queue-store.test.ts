// The waiting room's queue contract, run on both adapters: the Redis scripts (production) and the
// in-memory queue (embedded). Times are given, so nothing here depends on the machine's speed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRedisCache, type Cache } from '@ticketing/cache';
import { testInfra, uniqueId } from '@ticketing/testing';
import { createMemoryQueueStore, type QueueStore } from '../src/waiting-room/queue-store.ts';
import { createRedisQueueStore } from '../src/waiting-room/redis-queue-store.ts';

const T = Date.UTC(2030, 0, 1, 10, 0, 0);
const MINUTE = 60_000;
const base = { tokenTtlMs: 10 * MINUTE, retentionMs: 3_600_000 };
const admitAll = { opensAt: T, perMinute: 600_000, graceMs: 10 * MINUTE, maxBatch: 1000 };

let redis: Cache | undefined;
after(async () => {
  await redis?.close();
});

const adapters: [string, () => QueueStore][] = [
  [
    'redis',
    () => {
      redis ??= createRedisCache(testInfra.redisUrl, { keyPrefix: `${uniqueId('qs')}:` });
      return createRedisQueueStore(redis);
    },
  ],
  ['memory', () => createMemoryQueueStore()],
];

for (const [name, make] of adapters) {
  describe(`queue store (${name})`, () => {
    const store = make();
    before(async () => {
      for (let i = 0; redis && i < 50; i++) {
        try {
          return await redis.ping();
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });

    async function join(eventId: string, userId: string, now: number, lottery = Math.random()) {
      return store.join(eventId, userId, { ...base, now, opensAt: T, lottery, entryId: randomUUID() });
    }

    it('orders arrivals before T by their draw, and arrivals after T behind them in arrival order', async () => {
      const event = randomUUID();
      await join(event, 'early-b', T - 5000, 0.9);
      await join(event, 'early-a', T - 4000, 0.1);
      await join(event, 'late-1', T + 10);
      await join(event, 'early-c', T - 1, 0.5);
      await join(event, 'late-2', T + 20);
      const places = await store.places(event, ['early-a', 'early-c', 'early-b', 'late-1', 'late-2'], T + 30);
      assert.deepEqual(
        places.map((p) => (p?.state === 'waiting' ? p.position : undefined)),
        [1, 2, 3, 4, 5],
      );
      assert.deepEqual(await store.admit(event, { ...admitAll, now: T + 1000 }), ['early-a', 'early-c', 'early-b', 'late-1', 'late-2']);
      const admitted = await store.places(event, ['early-a', 'late-2'], T + 1001);
      assert.deepEqual(
        admitted.map((p) => (p?.state === 'admitted' ? p.admissionNo : undefined)),
        [1, 5],
      );
    });

    it('keeps one entry per account: a second join returns the first place', async () => {
      const event = randomUUID();
      const first = await join(event, 'u1', T + 1);
      const results = await Promise.all(Array.from({ length: 10 }, () => join(event, 'u1', T + 2)));
      assert.equal(first.created, true);
      assert.ok(results.every((r) => !r.created && r.place.entryId === first.place.entryId));
      assert.equal((await store.stats(event, T + 3)).waiting, 1);
    });

    it('admits nobody before T, then at the set rate, without a burst after an idle time', async () => {
      const event = randomUUID();
      for (let i = 0; i < 50; i++) await join(event, `u${i}`, T - 100 + i);
      const rate = { opensAt: T, perMinute: 600, graceMs: 10 * MINUTE, maxBatch: 1000 };
      assert.deepEqual(await store.admit(event, { ...rate, now: T - 1 }), []);
      // 600 a minute = 10 a second: one second after T, ten; half a second later, five more.
      assert.equal((await store.admit(event, { ...rate, now: T + 1000 })).length, 10);
      assert.equal((await store.admit(event, { ...rate, now: T + 1500 })).length, 5);
      // A minute without a pass saves up at most one second's worth.
      assert.equal((await store.admit(event, { ...rate, now: T + 61_500 })).length, 10);
      const stats = await store.stats(event, T + 61_500);
      assert.deepEqual(stats, { waiting: 25, admittedTotal: 25, admittedLastMinute: 10 + 0 + 0, ratePerMinute: 600 });
    });

    it('drops a waiting buyer absent for longer than the grace period when their turn comes, and keeps one who came back', async () => {
      const event = randomUUID();
      await join(event, 'gone', T + 1);
      await join(event, 'back', T + 2);
      await join(event, 'stays', T + 3);
      // "back" left and returned within the grace period (asking counts as being present).
      await store.places(event, ['back', 'stays'], T + 50_000);
      const admitted = await store.admit(event, { ...admitAll, graceMs: 30_000, now: T + 60_000 });
      assert.deepEqual(admitted, ['back', 'stays']);
      assert.deepEqual(await store.places(event, ['gone'], T + 60_001), [undefined]);
    });

    it('uses an admission once; a failed hold gives it back; a used or stale admission lets the buyer join again', async () => {
      const event = randomUUID();
      const { place } = await join(event, 'u', T + 1);
      assert.equal(await store.consume(event, 'u', place.entryId), 'unknown', 'not admitted yet');
      await store.admit(event, { ...admitAll, now: T + 1000 });
      assert.equal(await store.consume(event, 'u', randomUUID()), 'unknown', 'another entry');
      const both = await Promise.all([store.consume(event, 'u', place.entryId), store.consume(event, 'u', place.entryId)]);
      assert.deepEqual(both.sort(), ['ok', 'used']);
      await store.unconsume(event, 'u', place.entryId);
      assert.equal(await store.consume(event, 'u', place.entryId), 'ok');
      const again = await join(event, 'u', T + 2000);
      assert.equal(again.created, true);
      assert.notEqual(again.place.entryId, place.entryId);
      assert.equal(await store.consume(event, 'u', place.entryId), 'unknown', 'the old admission is gone');

      // An admission not used within the token's lifetime: a join makes a new entry too.
      const other = await join(event, 'v', T + 3000);
      await store.admit(event, { ...admitAll, now: T + 4000 });
      assert.equal((await join(event, 'v', T + 5000)).created, false);
      const later = await join(event, 'v', T + 4000 + base.tokenTtlMs);
      assert.equal(later.created, true);
      assert.notEqual(later.place.entryId, other.place.entryId);
    });
  });
}
