import { createGroupCommit } from '@ticketing/db';
import type { Logger } from '@ticketing/http';
import type { HoldSeatsInput, HoldSeatsOutcome, HoldsRepository } from './holds.repository.ts';

export interface HoldBatcherOptions {
  repository: Pick<HoldsRepository, 'holdSeats' | 'holdSeatsBatch' | 'findById'>;
  logger: Logger;
  /** How long the first request of a batch waits for company. */
  windowMs: number;
  maxBatch: number;
  /** Batches running at once; requests arriving meanwhile form the next batch. */
  maxInFlight: number;
  /** Observes every batch run: its size and how long it took (seconds). */
  onBatch?: (size: number, seconds: number) => void;
  /** Called when a batch failed as a whole and its requests were decided one by one. */
  onFallback?: (err: unknown) => void;
}

/**
 * Group commit in the application: hold requests that arrive together are decided by one
 * statement (hold_seats_batch, one round trip, one transaction, one WAL flush) instead of one
 * transaction each. The outcome of every request is exactly what it would have been alone, in
 * arrival order: the function takes the (event, user) advisory locks in sorted order with fresh
 * live-hold counts, locks every requested seat in (event, seat) order — the lock order of the
 * single-request statement, so batches and single requests never deadlock — decides the
 * requests one after the other against those rows (a seat won by an earlier request of the
 * batch is taken for the later ones), and writes the winners.
 *
 * A batch of one runs the single-request statement. If a batch fails as a whole, its requests
 * are retried one by one, so one bad request never fails the others.
 */
export function createHoldBatcher(opts: HoldBatcherOptions) {
  // The batch may have committed before failing (e.g. the connection dropped after COMMIT): a
  // request whose hold exists already won; only the others are decided again.
  async function decideAgain(input: HoldSeatsInput): Promise<HoldSeatsOutcome> {
    const existing = await opts.repository.findById(input.holdId);
    if (existing) {
      return {
        kind: 'held',
        holdId: existing.id,
        labels: existing.seat_labels,
        expiresAt: existing.expires_at,
        totalPrice: existing.total_price,
      };
    }
    return opts.repository.holdSeats(input);
  }

  const decide = createGroupCommit<HoldSeatsInput, HoldSeatsOutcome>({
    execute: (inputs) => opts.repository.holdSeatsBatch(inputs),
    executeOne: (input) => opts.repository.holdSeats(input),
    retryEach: decideAgain,
    windowMs: opts.windowMs,
    maxBatch: opts.maxBatch,
    maxInFlight: opts.maxInFlight,
    onBatch: opts.onBatch,
    onBatchFailed(err, size) {
      opts.logger.warn({ err, size }, 'hold batch failed; deciding its requests one by one');
      opts.onFallback?.(err);
    },
  });

  return {
    decide,
    /** Hold requests waiting for a batch or being decided in one now. */
    pending: () => decide.pending,
  };
}

export type HoldBatcher = ReturnType<typeof createHoldBatcher>;
