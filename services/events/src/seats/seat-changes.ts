import { randomUUID } from 'node:crypto';
import type { MessageBus, OutgoingMessage } from '@ticketing/bus';
import type { Cache } from '@ticketing/cache';
import { SEAT_STATUS_AFTER, seatEvents, type SeatChangeKind } from '@ticketing/contracts';
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

// Kafka messages wait this long to be sent together; past the cap (Kafka down) the oldest are dropped.
const FLUSH_MS = 5;
const MAX_QUEUED = 10_000;

/**
 * What follows every committed seat change: the event's caches are invalidated (awaited, so
 * the caller's next read sees the change), the change is published on the event's pub/sub
 * channel for live seat maps, and a domain event goes to Kafka when a bus is configured. The
 * database has already decided; none of these can fail the request.
 */
export function createSeatChanges(opts: {
  eventCache: EventCache;
  cache: Cache;
  hub: SeatStreamHub;
  bus?: MessageBus | undefined;
  topic: string;
  logger: Logger;
}) {
  const { eventCache, cache, hub, bus, topic, logger } = opts;
  let queue: OutgoingMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    timer = undefined;
    if (!bus || queue.length === 0) return inflight;
    const batch = queue;
    queue = [];
    inflight = inflight
      .then(() => bus.publisher().publish(batch))
      .catch((err: unknown) => logger.warn({ err, messages: batch.length }, 'seat events not published to Kafka'));
    return inflight;
  }

  function enqueue(message: OutgoingMessage): void {
    if (!bus) return;
    if (queue.length >= MAX_QUEUED) {
      queue.shift();
      logger.warn('seat event queue full: dropped the oldest');
    }
    queue.push(message);
    timer ??= setTimeout(() => void flush(), FLUSH_MS);
  }

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
      enqueue(
        seatEvents.message({
          topic,
          key: c.eventId,
          messageId: randomUUID(),
          value: {
            type: `seats.${c.change}`,
            event_id: c.eventId,
            hold_id: c.holdId,
            user_id: c.userId,
            booking_id: c.bookingId ?? null,
            seats: [...c.seats],
            status: SEAT_STATUS_AFTER[c.change],
            timestamp: new Date().toISOString(),
          },
        }),
      );
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

    /** Sends what is queued for Kafka (on shutdown). */
    async close(): Promise<void> {
      if (timer) clearTimeout(timer);
      await flush();
    },
  };
}

export type SeatChanges = ReturnType<typeof createSeatChanges>;
