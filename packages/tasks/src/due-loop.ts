import { createPeriodicTask, type PeriodicTask } from './periodic-task.ts';

export interface DueLoopOptions {
  /**
   * Claims the next due row (in one statement that moves it a lease ahead, so other processes
   * skip it and a process that dies leaves it due again) and handles it; false when none is due.
   * A rejection ends this pass (e.g. the database is unreachable) and is reported to onError.
   */
  next: (signal: AbortSignal) => Promise<boolean>;
  /** Rows handled at once by this process. */
  concurrency: number;
  /** Pause between passes when nothing is due. */
  intervalMs: number;
  /** After a wake(), wait this long so rows written together are taken by one pass. @defaultValue 0 */
  coalesceMs?: number;
  onError: (err: unknown, failures: number) => void;
}

/**
 * The loop over due rows of a table (`next_attempt_at <= now`), shared by every scheduler that
 * retries work later (reminders, webhook deliveries): `concurrency` lanes each take the next due
 * row until none is left, then the loop sleeps `intervalMs` or until woken. A pass resolves with
 * how many rows it handled; stop() waits for the rows in flight.
 */
export function createDueLoop(opts: DueLoopOptions): PeriodicTask<number> {
  async function pass(signal: AbortSignal): Promise<number> {
    let handled = 0;
    // Every lane finishes before the pass ends (stop() relies on it), even when one fails.
    const lanes = await Promise.allSettled(
      Array.from({ length: Math.max(1, opts.concurrency) }, async () => {
        while (!signal.aborted && (await opts.next(signal))) handled++;
      }),
    );
    const failed = lanes.find((l) => l.status === 'rejected');
    if (failed) throw failed.reason;
    return handled;
  }
  return createPeriodicTask({
    intervalMs: opts.intervalMs,
    run: pass,
    ...(opts.coalesceMs !== undefined ? { coalesceMs: opts.coalesceMs } : {}),
    onError: opts.onError,
  });
}
