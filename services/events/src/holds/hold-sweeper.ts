import type { Logger } from '@ticketing/http';
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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<string[]> | undefined;
  let stopped = false;

  /**
   * Sweeps due holds, `batchSize` at a time, oldest first, until none is left (or
   * `maxBatches`); returns the ids of the holds it expired.
   */
  async function sweepOnce(maxBatches = Number.POSITIVE_INFINITY): Promise<string[]> {
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
      if (swept.length < opts.batchSize || stopped || batch >= maxBatches) return ids;
    }
  }

  function tick(): void {
    if (running) return;
    running = sweepOnce()
      .then((ids) => {
        if (ids.length > 0) opts.logger.info({ expired: ids.length }, 'expired holds swept');
        return ids;
      })
      .catch((err: unknown) => {
        opts.logger.warn({ err: (err as Error).message }, 'hold sweep failed; retrying next interval');
        return [];
      })
      .finally(() => {
        running = undefined;
      });
  }

  return {
    /**
     * Sweeps now. A background sweep in flight is waited for first: it may have taken the due
     * holds without having invalidated their caches yet, and the caller expects to see them.
     */
    async sweepOnce(maxBatches?: number): Promise<string[]> {
      if (running) await running;
      return sweepOnce(maxBatches);
    },
    start(): void {
      if (opts.intervalMs <= 0 || timer) return;
      stopped = false;
      timer = setInterval(tick, opts.intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type HoldSweeper = ReturnType<typeof createHoldSweeper>;
