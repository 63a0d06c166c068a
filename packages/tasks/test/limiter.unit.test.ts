import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createLimiter } from '../src/limiter.ts';

describe('createLimiter', () => {
  it('sheds with tryAcquire at the limit and takes again once a slot is released', () => {
    const limiter = createLimiter(2);
    assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.tryAcquire(), false);
    assert.equal(limiter.active, 2);
    assert.equal(limiter.available, 0);
    limiter.release();
    assert.equal(limiter.available, 1);
    assert.equal(limiter.tryAcquire(), true);
  });

  it('makes acquire() wait for a slot and hands released slots to waiters first come, first served', async () => {
    const limiter = createLimiter(1);
    await limiter.acquire();
    const order: number[] = [];
    const first = limiter.acquire().then(() => order.push(1));
    const second = limiter.acquire().then(() => order.push(2));
    await nextTurn();
    assert.deepEqual(order, []);
    assert.equal(limiter.tryAcquire(), false, 'a slot handed to a waiter is not free for others');
    limiter.release();
    await first;
    assert.deepEqual(order, [1]);
    limiter.release();
    await second;
    assert.deepEqual(order, [1, 2]);
    limiter.release();
    assert.equal(limiter.active, 0);
  });

  it('never runs more than `limit` functions at once through run(), and frees the slot when one throws', async () => {
    const limiter = createLimiter(3);
    let running = 0;
    let most = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          most = Math.max(most, ++running);
          await nextTurn();
          running--;
          if (i % 5 === 0) throw new Error(`task ${i}`);
          return i;
        }),
      ),
    );
    assert.equal(most, 3);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 4);
    assert.equal(limiter.active, 0);
  });

  it('whenAvailable() waits for room without taking it; whenIdle() waits for every slot', async () => {
    const limiter = createLimiter(2);
    limiter.tryAcquire();
    limiter.tryAcquire();
    let room = false;
    let idle = false;
    void limiter.whenAvailable().then(() => (room = true));
    void limiter.whenIdle().then(() => (idle = true));
    await nextTurn();
    assert.equal(room, false);
    limiter.release();
    await nextTurn();
    assert.equal(room, true);
    assert.equal(limiter.active, 1, 'whenAvailable took no slot');
    assert.equal(idle, false);
    limiter.release();
    await nextTurn();
    assert.equal(idle, true);
  });

  it('treats a limit below 1 as 1', () => {
    const limiter = createLimiter(0);
    assert.equal(limiter.limit, 1);
    assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.tryAcquire(), false);
  });
});
