import { randomUUID } from 'node:crypto';
import type { OutboxSignal } from '@ticketing/bus';
import type { Cache } from '@ticketing/cache';
import { SEAT_STATUS_AFTER, type SeatChangeKind } from '@ticketing/contracts';
import type { Logger } from '@ticketing/http';
import type { EventCache } from '../events/event-cache.ts';
import { seatChannel, type SeatChangeMessage, type SeatStreamHub } from './seat-stream.ts';

export type { SeatChangeKind };

export interface SeatChange {
  change: SeatChangeKind;
  eventId: string;
  holdId: string;
  userId: string;
  bookingId?: string | null;
  /** Labels of the seats whose status changed. */
  seats: readonly string[];
}

/**
 * What follows every committed seat change: the event's caches are invalidated (awaited, so
 * the caller's next read sees the change) and the change is published on the event's pub/sub
 * channel for live seat maps. The Kafka domain event is not sent from here: it was written to
 * the outbox by the statement that changed the seats, and `signal` wakes this process's relay.
 * The database has already decided; none of these can fail the request.
 */
export function createSeatChanges(opts: {
  eventCache: EventCache;
  cache: Cache;
  hub: SeatStreamHub;
  signal?: OutboxSignal | undefined;
  logger: Logger;
  /** Seats of the event became free (released, expired, ...): the waiting list's hook and best available's scan hints, told after the commit. */
  onSeatsFreed?: ((eventId: string) => void) | undefined;
}) {
  const { eventCache, cache, hub, signal, logger } = opts;

  // Changes recorded in the same tick (a batch of holds) share one invalidation per event and
  // one pub/sub message per event and kind of change.
  let tick: { changes: SeatChange[]; done: Promise<void> } | undefined;

  async function flushTick(changes: SeatChange[]): Promise<void> {
    const at = new Date().toISOString();
    const groups = new Map<string, SeatChangeMessage>();
    for (const c of changes) {
      if (c.seats.length === 0) continue;
      const k = `${c.eventId}:${c.change}`;
      const g = groups.get(k);
      if (g) g.seats.push(...c.seats);
      else
        groups.set(k, {
          id: randomUUID(),
          event_id: c.eventId,
          change: c.change,
          status: SEAT_STATUS_AFTER[c.change],
          seats: [...c.seats],
          at,
        });
    }
    const events = [...new Set(changes.map((c) => c.eventId))];
    await Promise.all([
      ...events.map((e) => eventCache.invalidateSeats(e)),
      ...[...groups.values()].map((m) =>
        cache.publish(seatChannel(m.event_id), JSON.stringify(m)).catch((err: unknown) => {
          logger.debug({ err }, 'seat change not published on pub/sub; delivering locally');
          hub.deliverLocally(m.event_id, m);
        }),
      ),
    ]);
  }

  return {
    /** Resolves once the event's caches are invalidated (the caller's next read sees the change). */
    record(c: SeatChange): Promise<void> {
      signal?.notify();
      if (SEAT_STATUS_AFTER[c.change] === 'available' && c.seats.length > 0) opts.onSeatsFreed?.(c.eventId);
      if (!tick) {
        const changes: SeatChange[] = [];
        const done = new Promise<void>((resolve) =>
          setImmediate(() => {
            tick = undefined;
            void flushTick(changes).finally(resolve);
          }),
        );
        tick = { changes, done };
      }
      tick.changes.push(c);
      return tick.done;
    },

    /** Waits for the pub/sub messages of the current tick (on shutdown). */
    async close(): Promise<void> {
      await tick?.done;
    },
  };
}

export type SeatChanges = ReturnType<typeof createSeatChanges>;
