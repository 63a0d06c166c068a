import type { Cache } from '@ticketing/cache';
import type { Logger } from '@ticketing/http';
import type { BookingRow } from '../bookings/bookings.repository.ts';
import { toStatusUpdate, type StatusUpdate } from '../bookings/bookings.views.ts';

/** One channel for every booking: each API process holds one subscription and fans out in-process. */
export const STATUS_CHANNEL = 'bookings:status';

export interface StatusPublisher {
  /** Announces a committed change; never throws (pub/sub is best effort, streams resync from the database). */
  publish(row: BookingRow): void;
}

/**
 * Publishes status changes on the status channel. Changes made in the same turn of the event
 * loop go out as one message (a JSON array): under load that is one Redis write for many
 * bookings instead of one each, at the cost of no added delay.
 */
export function createStatusPublisher(cache: Cache, logger: Logger): StatusPublisher {
  let lastWarn = 0;
  let pending: StatusUpdate[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    cache.publish(STATUS_CHANNEL, JSON.stringify(batch.length === 1 ? batch[0] : batch)).catch((err: unknown) => {
      if (Date.now() - lastWarn > 10_000) {
        lastWarn = Date.now();
        logger.warn({ err }, 'status publish failed (streams will resync)');
      }
    });
  };
  return {
    publish(row) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(toStatusUpdate(row));
    },
  };
}
