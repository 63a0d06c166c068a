/**
 * A bound on work in flight: at most `limit` holders at once. Callers either wait for a slot
 * (acquire, run), take one only if free (tryAcquire, to shed load), or wait for room without
 * taking it (whenAvailable, for a loop that fetches as much as there is room for).
 */
export interface Limiter {
  readonly limit: number;
  /** Slots taken now. */
  readonly active: number;
  /** Slots free now. */
  readonly available: number;
  /** Takes a slot if one is free; false at the limit. */
  tryAcquire(this: void): boolean;
  /** Takes a slot, waiting (first come, first served) while none is free. */
  acquire(this: void): Promise<void>;
  /** Gives a slot back: to the longest waiter, if any. */
  release(this: void): void;
  /** Runs `fn` in a slot (waiting for one) and gives it back however `fn` ends. */
  run<T>(this: void, fn: () => Promise<T>): Promise<T>;
  /** Resolves once a slot is free (without taking it). */
  whenAvailable(this: void): Promise<void>;
  /** Resolves once no slot is taken (drain). */
  whenIdle(this: void): Promise<void>;
}

const resolved = Promise.resolve();

export function createLimiter(limit: number): Limiter {
  const max = Math.max(1, Math.floor(limit));
  let active = 0;
  const acquirers: (() => void)[] = [];
  let roomWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  const wakeAll = (waiters: (() => void)[]) => {
    for (const resolve of waiters) resolve();
  };

  const limiter: Limiter = {
    limit: max,
    get active() {
      return active;
    },
    get available() {
      return max - active;
    },
    tryAcquire() {
      if (active >= max) return false;
      active++;
      return true;
    },
    acquire() {
      if (active < max) {
        active++;
        return resolved;
      }
      return new Promise<void>((resolve) => acquirers.push(resolve));
    },
    release() {
      // The slot passes straight to the next waiter: `active` does not change.
      const next = acquirers.shift();
      if (next) return next();
      active--;
      if (roomWaiters.length > 0) {
        const waiters = roomWaiters;
        roomWaiters = [];
        wakeAll(waiters);
      }
      if (active === 0 && idleWaiters.length > 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        wakeAll(waiters);
      }
    },
    async run(fn) {
      await limiter.acquire();
      try {
        return await fn();
      } finally {
        limiter.release();
      }
    },
    whenAvailable() {
      return active < max ? resolved : new Promise<void>((resolve) => roomWaiters.push(resolve));
    },
    whenIdle() {
      return active === 0 ? resolved : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
  return limiter;
}
