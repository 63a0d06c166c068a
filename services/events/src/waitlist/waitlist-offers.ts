import type { Logger } from '@ticketing/http';
import { createPeriodicTask } from '@ticketing/tasks';
import type { SeatChanges } from '../seats/seat-changes.ts';
import type { OfferPassRow, WaitlistRepository } from './waitlist.repository.ts';

export interface WaitlistOffersOptions {
  repository: Pick<WaitlistRepository, 'offerPass' | 'eventsWithList'>;
  changes: SeatChanges;
  logger: Logger;
  /** Every this often, every event with a list gets a pass (offers that expired, seats freed elsewhere); 0: only on wake. */
  intervalMs: number;
  /** How long an offer is held when the event sets no TTL of its own. */
  defaultTtlSeconds: number;
  /** Entries of this event changed (an offer made or settled): live streams look again. */
  onEntriesChanged?: (eventId: string) => void;
  onOffered?: (count: number) => void;
}

/**
 * The offering loop of the waiting list. Seats coming back call `seatsFreed(eventId)` (after the
 * commit that freed them); a pass then runs the event's offering statement (waitlist_offer,
 * sql/05_waitlist.sql), which decides everything in one transaction under a per-event database
 * lock: safe with any number of instances, and nothing here needs to be exact — a periodic pass
 * over every event with a list catches what a wake missed (another instance freed the seats, an
 * offer or a hold simply expired).
 */
export function createWaitlistOffers(opts: WaitlistOffersOptions) {
  const pending = new Set<string>();
  let lastFullPass = 0;

  async function passEvent(eventId: string): Promise<OfferPassRow[]> {
    const rows = await opts.repository.offerPass(eventId, opts.defaultTtlSeconds);
    const offered = rows.filter((r) => r.kind === 'offered');
    if (offered.length > 0) opts.onOffered?.(offered.length);
    await Promise.all(
      offered.map((r) => opts.changes.record({ change: 'held', eventId, holdId: r.hold_id, userId: r.user_id, seats: r.seat_labels })),
    );
    if (rows.length > 0) opts.onEntriesChanged?.(eventId);
    return rows;
  }

  async function pass(signal: AbortSignal): Promise<number> {
    const events = new Set(pending);
    pending.clear();
    if (opts.intervalMs > 0 && Date.now() - lastFullPass >= opts.intervalMs) {
      lastFullPass = Date.now();
      for (const id of await opts.repository.eventsWithList()) events.add(id);
    }
    let offered = 0;
    for (const eventId of events) {
      if (signal.aborted) {
        pending.add(eventId);
        continue;
      }
      try {
        offered += (await passEvent(eventId)).filter((r) => r.kind === 'offered').length;
      } catch (err) {
        // The event is looked at again by the next pass.
        pending.add(eventId);
        throw err;
      }
    }
    return offered;
  }

  const task = createPeriodicTask({
    run: pass,
    intervalMs: opts.intervalMs,
    // Seats freed by one request come in a burst (a sweep, a batch): one pass takes them together.
    coalesceMs: 5,
    again: () => pending.size > 0,
    maxBackoffMs: 5000,
    onError: (err, failures) => opts.logger.warn({ err, failures }, 'waiting list offering pass failed; retrying'),
  });

  return {
    /**
     * THE hook for seats coming back (expired or released holds, failed payments, cancelled
     * bookings): call it after the commit that freed seats of the event. Never throws, never waits.
     */
    seatsFreed(eventId: string): void {
      pending.add(eventId);
      if (task.started) task.wake();
      else void task.runOnce().catch((err: unknown) => opts.logger.warn({ err }, 'waiting list offering pass failed'));
    },
    /** Runs the event's pass now (tests, and after a join) and returns what it did. */
    offerNow(eventId: string): Promise<OfferPassRow[]> {
      return task.runOnce(() => passEvent(eventId));
    },
    start: task.start,
    stop: task.stop,
  };
}

export type WaitlistOffers = ReturnType<typeof createWaitlistOffers>;
