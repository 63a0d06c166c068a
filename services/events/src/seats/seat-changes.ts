import { randomUUID } from 'node:crypto';
import type { MessageBus, OutgoingMessage } from '@ticketing/bus';
import type { Cache } from '@ticketing/cache';
import type { Logger } from '@ticketing/http';
import type { EventCache } from '../events/event-cache.ts';
import { seatChannel, type SeatChangeMessage, type SeatStreamHub } from './seat-stream.ts';

export type SeatChangeKind = SeatChangeMessage['change'];

export interface SeatChange {
  change: SeatChangeKind;
  eventId: string;
  holdId: string;
  userId: string;
  bookingId?: string | null;
  /** Labels of the seats whose status changed. */
  seats: readonly string[];
}

const STATUS: Record<SeatChangeKind, SeatChangeMessage['status']> = {
  held: 'held',
  released: 'available',
  booked: 'booked',
  expired: 'available',
};

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
      .catch((err: unknown) => logger.warn({ err: (err as Error).message, messages: batch.length }, 'seat events not published to Kafka'));
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

  return {
    async record(c: SeatChange): Promise<void> {
      const at = new Date().toISOString();
      const message: SeatChangeMessage = {
        id: randomUUID(),
        event_id: c.eventId,
        change: c.change,
        status: STATUS[c.change],
        seats: [...c.seats],
        at,
      };
      const publish =
        c.seats.length === 0
          ? Promise.resolve()
          : cache.publish(seatChannel(c.eventId), JSON.stringify(message)).catch((err: unknown) => {
              logger.debug({ err: (err as Error).message }, 'seat change not published on pub/sub; delivering locally');
              hub.deliverLocally(c.eventId, message);
            });
      enqueue({
        topic,
        key: c.eventId,
        messageId: message.id,
        value: {
          type: `seats.${c.change}`,
          event_id: c.eventId,
          hold_id: c.holdId,
          user_id: c.userId,
          booking_id: c.bookingId ?? null,
          seats: [...c.seats],
          status: STATUS[c.change],
          timestamp: at,
        },
      });
      await Promise.all([eventCache.invalidateSeats(c.eventId), publish]);
    },

    /** Sends what is queued for Kafka (on shutdown). */
    async close(): Promise<void> {
      if (timer) clearTimeout(timer);
      await flush();
    },
  };
}

export type SeatChanges = ReturnType<typeof createSeatChanges>;
