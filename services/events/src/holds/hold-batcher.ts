import type { Database } from '@ticketing/db';
import type { Logger } from '@ticketing/http';
import type { HoldSeatsInput, HoldSeatsOutcome, HoldsRepository } from './holds.repository.ts';

export interface HoldBatcherOptions {
  db: Database;
  repository: Pick<HoldsRepository, 'holdSeats' | 'lockForBatch' | 'insertBatch'>;
  logger: Logger;
  /** How long the first request of a batch waits for company. */
  windowMs: number;
  maxBatch: number;
  /** Batches running at once; requests arriving meanwhile form the next batch. */
  maxInFlight: number;
  /** Observes every batch run: its size and how long it took (seconds). */
  onBatch?: (size: number, seconds: number) => void;
}

interface Pending {
  input: HoldSeatsInput;
  resolve: (outcome: HoldSeatsOutcome) => void;
  reject: (err: unknown) => void;
}

const key = (eventId: string, seatNo: number) => `${eventId}:${seatNo}`;

/**
 * Group commit in the application: hold requests that arrive together are decided in one
 * transaction, so they share one WAL flush and a handful of round trips instead of one
 * transaction each. The outcome of every request is exactly what it would have been alone,
 * in arrival order:
 *
 * 1. one statement takes the per-(event, user) advisory locks (sorted) with fresh live-hold
 *    counts, then locks every requested seat in (event, seat) order — the same lock order as
 *    the single-request statement, so batches and single requests never deadlock;
 * 2. the requests are decided in arrival order against those locked rows (a seat won by an
 *    earlier request of the batch is taken for the later ones);
 * 3. one statement inserts the winners' holds and marks their seats; then COMMIT.
 *
 * A batch of one runs the single-request statement. If a batch fails as a whole, its requests
 * are retried one by one, so one bad request never fails the others.
 */
export function createHoldBatcher(opts: HoldBatcherOptions) {
  const queue: Pending[] = [];
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;

  async function runBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    try {
      await decideAll(batch);
    } finally {
      opts.onBatch?.(batch.length, (performance.now() - started) / 1000);
    }
  }

  async function decideAll(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0]!;
      await opts.repository.holdSeats(only.input).then(only.resolve, only.reject);
      return;
    }
    let outcomes: HoldSeatsOutcome[];
    try {
      outcomes = await opts.db.transaction((tx) =>
        decideBatch(
          tx,
          batch.map((p) => p.input),
        ),
      );
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message, size: batch.length }, 'hold batch failed; deciding its requests one by one');
      await Promise.all(batch.map((p) => opts.repository.holdSeats(p.input).then(p.resolve, p.reject)));
      return;
    }
    batch.forEach((p, i) => p.resolve(outcomes[i]!));
  }

  async function decideBatch(
    tx: Parameters<Parameters<Database['transaction']>[0]>[0],
    inputs: HoldSeatsInput[],
  ): Promise<HoldSeatsOutcome[]> {
    const { live, seats } = await opts.repository.lockForBatch(tx, inputs);
    const taken = new Set<string>();
    const wonBy = new Map<string, number>();
    const winners: HoldSeatsInput[] = [];
    const outcomes: (HoldSeatsOutcome | undefined)[] = inputs.map((input) => {
      const userKey = `${input.eventId}:${input.userId}`;
      const liveNow = (live.get(userKey) ?? 0) + (wonBy.get(userKey) ?? 0);
      if (liveNow >= input.maxActiveHolds) return { kind: 'limit_reached', live: liveNow };
      const unavailable = input.seatNos.filter((n) => {
        const seat = seats.get(key(input.eventId, n));
        return !seat || !seat.free || taken.has(key(input.eventId, n));
      });
      if (unavailable.length > 0) {
        return { kind: 'unavailable', taken: unavailable.map((n) => seats.get(key(input.eventId, n))?.label ?? String(n)) };
      }
      for (const n of input.seatNos) taken.add(key(input.eventId, n));
      wonBy.set(userKey, (wonBy.get(userKey) ?? 0) + 1);
      winners.push(input);
      return undefined;
    });
    const held = winners.length > 0 ? await opts.repository.insertBatch(tx, winners) : new Map();
    return inputs.map((input, i) => {
      const decided = outcomes[i];
      if (decided) return decided;
      const h = held.get(input.holdId);
      // Not inserted: the event had started (the insert checks the date with the database clock).
      return h ?? { kind: 'sales_closed' };
    });
  }

  function take(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (queue.length > 0 && inFlight < opts.maxInFlight) {
      const batch = queue.splice(0, opts.maxBatch);
      inFlight++;
      void runBatch(batch).finally(() => {
        inFlight--;
        // Whoever queued meanwhile has waited long enough: no window for them.
        if (queue.length > 0) take();
      });
    }
  }

  function schedule(): void {
    if (queue.length === 0 || inFlight >= opts.maxInFlight) return;
    if (queue.length >= opts.maxBatch || opts.windowMs <= 0) take();
    else timer ??= setTimeout(take, opts.windowMs);
  }

  return {
    decide(input: HoldSeatsInput): Promise<HoldSeatsOutcome> {
      return new Promise<HoldSeatsOutcome>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        schedule();
      });
    },
  };
}

export type HoldBatcher = ReturnType<typeof createHoldBatcher>;
