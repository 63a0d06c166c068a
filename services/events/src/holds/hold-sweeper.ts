import type { Logger } from '@ticketing/http';
import { createPeriodicTask } from '@ticketing/tasks';
import type { SeatChanges } from '../seats/seat-changes.ts';
import type { HoldsRepository } from './holds.repository.ts';

export interface HoldSweeperOptions {
  repository: Pick<HoldsRepository, 'sweepExpired'>;
  changes: SeatChanges;
  logger: Logger;
  /** 0 disables the timer (sweepOnce still works). */
  intervalMs: number;
  batchSize: number;
  lockedGraceSeconds: number;
}

/**
 * Tidies up after expiry. Seats of an expired hold are already free for everyone (the
 * availability test reads the expiry); the sweeper marks the hold `expired`, frees its seat
 * rows, invalidates the caches and publishes the change. Safe with several instances running.
 */
export function createHoldSweeper(opts: HoldSweeperOptions) {
  /**
   * Sweeps due holds, `batchSize` at a time, oldest first, until none is left (or
   * `maxBatches`, or the sweeper stops); returns the ids of the holds it expired.
   */
  async function sweep(signal: AbortSignal, maxBatches = Number.POSITIVE_INFINITY): Promise<string[]> {
    const ids: string[] = [];
    for (let batch = 1; ; batch++) {
      const swept = await opts.repository.sweepExpired(opts.batchSize, opts.lockedGraceSeconds);
      ids.push(...swept.map((h) => h.id));
      await Promise.all(
        swept.map((h) =>
          opts.changes.record({
            change: 'expired',
            eventId: h.event_id,
            holdId: h.id,
            userId: h.user_id,
            bookingId: h.booking_id,
            seats: h.freed,
          }),
        ),
      );
      if (swept.length < opts.batchSize || signal.aborted || batch >= maxBatches) return ids;
    }
  }

  const task = createPeriodicTask({
    intervalMs: opts.intervalMs,
    async run(signal) {
      const ids = await sweep(signal);
      if (ids.length > 0) opts.logger.info({ expired: ids.length }, 'expired holds swept');
      return ids;
    },
    onError: (err) => opts.logger.warn({ err }, 'hold sweep failed; retrying next interval'),
  });

  return {
    /**
     * Sweeps now. A background sweep in flight is waited for first: it may have taken the due
     * holds without having invalidated their caches yet, and the caller expects to see them.
     */
    sweepOnce(maxBatches?: number): Promise<string[]> {
      return task.runOnce((signal) => sweep(signal, maxBatches));
    },
    /** Sweeps every `intervalMs` (the first sweep at once); does nothing when it is 0. */
    start: task.start,
    /** Stops sweeping and waits for the sweep in flight. */
    stop: task.stop,
  };
}

export type HoldSweeper = ReturnType<typeof createHoldSweeper>;
