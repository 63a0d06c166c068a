import { createGroupCommit } from '@ticketing/db';
import type { Logger } from '@ticketing/http';
import type { HoldsRepository, TransitionInput, TransitionOutcome } from './holds.repository.ts';

/** A booking's lock (at submit) and confirm (after payment) of its hold. */
export interface HoldTransitions {
  lock: (input: TransitionInput) => Promise<TransitionOutcome>;
  confirm: (input: TransitionInput) => Promise<TransitionOutcome>;
}

type Repository = Pick<HoldsRepository, 'transitionBatch'>;

/** Each lock and confirm in a statement of its own (group commit off). */
export function directTransitions(repository: Repository): HoldTransitions {
  const one = (kind: 'lock' | 'confirm') => async (input: TransitionInput) => (await repository.transitionBatch(kind, [input]))[0]!;
  return { lock: one('lock'), confirm: one('confirm') };
}

export interface HoldTransitionsOptions {
  repository: Repository;
  logger: Logger;
  /** How long the first call of a batch waits for company; unset: until the event loop's turn ends. */
  windowMs?: number | undefined;
  maxBatch: number;
  /** Batches running at once, per kind (each holds one pooled connection). */
  maxInFlight: number;
  onBatch?: (kind: 'lock' | 'confirm', size: number, seconds: number) => void;
  onFallback?: (err: unknown) => void;
}

/**
 * Group commit for the booking path: the locks (and the confirms) that arrive together are
 * decided by one transition_holds statement, one round trip and one WAL flush for the batch
 * (sql/06_transitions.sql). Every call gets the answer it would have got alone. A batch that
 * fails as a whole is decided again call by call: both transitions are idempotent per booking,
 * so a call the failed batch had committed answers the same hold again.
 */
export function createHoldTransitions(opts: HoldTransitionsOptions): HoldTransitions {
  const alone = directTransitions(opts.repository);
  const batched = (kind: 'lock' | 'confirm') =>
    createGroupCommit<TransitionInput, TransitionOutcome>({
      execute: (inputs) => opts.repository.transitionBatch(kind, inputs),
      retryEach: alone[kind],
      windowMs: opts.windowMs,
      maxBatch: opts.maxBatch,
      maxInFlight: opts.maxInFlight,
      onBatch: (size, seconds) => opts.onBatch?.(kind, size, seconds),
      onBatchFailed(err, size) {
        opts.logger.warn({ err, size, kind }, 'hold transition batch failed; deciding its calls one by one');
        opts.onFallback?.(err);
      },
    });
  return { lock: batched('lock'), confirm: batched('confirm') };
}
