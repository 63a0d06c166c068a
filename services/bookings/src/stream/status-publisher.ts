import type { Cache } from '@ticketing/cache';
import type { Logger } from '@ticketing/http';
import type { BookingRow } from '../bookings/bookings.repository.ts';
import { toStatusUpdate } from '../bookings/bookings.views.ts';

/** One channel for every booking: each API process holds one subscription and fans out in-process. */
export const STATUS_CHANNEL = 'bookings:status';

export interface StatusPublisher {
  /** Announces a committed change; never throws (pub/sub is best effort, streams resync from the database). */
  publish(row: BookingRow): void;
}

export function createStatusPublisher(cache: Cache, logger: Logger): StatusPublisher {
  let lastWarn = 0;
  return {
    publish(row) {
      cache.publish(STATUS_CHANNEL, JSON.stringify(toStatusUpdate(row))).catch((err: unknown) => {
        if (Date.now() - lastWarn > 10_000) {
          lastWarn = Date.now();
          logger.warn({ err: (err as Error).message }, 'status publish failed (streams will resync)');
        }
      });
    },
  };
}
