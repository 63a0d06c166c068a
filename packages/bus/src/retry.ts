import { findDependencyUnavailable, UnrecoverableError } from '@ticketing/errors';
import type { ConsumeOptions, IncomingMessage } from './types.ts';

export type Outcome = { kind: 'done' } | { kind: 'dead'; error: unknown };

/**
 * Waits out a backoff, or less once `stopped` aborts: a consumer that stops must not sit out a
 * ten-second backoff before it can drain (the message it was for stays uncommitted).
 */
function backoff(ms: number, stopped: AbortSignal | undefined): Promise<void> {
  if (stopped?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stopped?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stopped?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs the handler with retries and exponential backoff. An UnrecoverableError goes to the dead
 * letter at once; any other error is retried until `maxAttempts`, then dead-lettered. A failure
 * caused by a DependencyUnavailableError (our own database restarting) says nothing about the
 * message, so it does not use up an attempt: the message waits, retried at the backoff's pace,
 * until the dependency is back (or the consumer stops) instead of being dead-lettered by an outage.
 */
export async function handleWithRetry(
  message: Omit<IncomingMessage, 'attempt'>,
  options: ConsumeOptions,
  isStopping: () => boolean,
  stopped?: AbortSignal,
): Promise<Outcome> {
  const maxAttempts = options.maxAttempts ?? 5;
  const base = options.retryBaseMs ?? 200;
  const max = options.retryMaxMs ?? 10_000;
  let counted = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await options.handler({ ...message, attempt, ...(stopped ? { stopping: stopped } : {}) });
      return { kind: 'done' };
    } catch (error) {
      if (error instanceof UnrecoverableError) return { kind: 'dead', error };
      // While stopping, a failure (a handler that gave up at a safe point, too) is left to the
      // next consumer, never dead-lettered: the message stays uncommitted.
      if (isStopping()) throw error;
      if (!findDependencyUnavailable(error)) counted++;
      if (counted >= maxAttempts) return { kind: 'dead', error };
      await backoff(Math.min(max, base * 2 ** Math.min(attempt - 1, 20)), stopped);
      if (isStopping()) throw error;
    }
  }
}

/** Commits one partition's offsets in order even though messages finish out of order. */
export class PartitionTracker {
  private readonly pending: { offset: bigint; done: boolean; commit: () => Promise<void> }[] = [];

  add(offset: bigint, commit: () => Promise<void>): void {
    this.pending.push({ offset, done: false, commit });
  }

  /** Marks one offset done and returns the commit of the highest contiguous finished message. */
  finish(offset: bigint): (() => Promise<void>) | undefined {
    const entry = this.pending.find((p) => p.offset === offset);
    if (entry) entry.done = true;
    let last: (() => Promise<void>) | undefined;
    while (this.pending[0]?.done) last = this.pending.shift()!.commit;
    return last;
  }

  get size(): number {
    return this.pending.length;
  }
}

/**
 * Runs `fn` until it succeeds, backing off, or until the consumer stops (then the last error is
 * thrown and the message stays uncommitted, to be redelivered; `stopped` cuts a backoff short). Used for the dead-letter step:
 * giving up on it would leave a gap that blocks every later commit of the partition.
 */
export async function untilDone(
  fn: () => Promise<void>,
  isStopping: () => boolean,
  baseMs = 200,
  maxMs = 5_000,
  stopped?: AbortSignal,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (error) {
      if (isStopping()) throw error;
      await backoff(Math.min(maxMs, baseMs * 2 ** (attempt - 1)), stopped);
      if (isStopping()) throw error;
    }
  }
}
