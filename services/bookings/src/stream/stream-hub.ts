import type { Cache } from '@ticketing/cache';
import type { Logger } from '@ticketing/http';
import type { BookingRow } from '../bookings/bookings.repository.ts';
import { toStatusUpdate, type StatusUpdate } from '../bookings/bookings.views.ts';
import { STATUS_CHANNEL } from './status-publisher.ts';

/** One open stream, as the hub sees it. */
export interface StreamSink {
  readonly bookingId: string;
  /** Sends the update if it is newer than what the client has; ends the stream on a final status. */
  deliver(update: StatusUpdate): void;
  end(): void;
}

export interface StreamHubOptions {
  cache: Cache;
  logger: Logger;
  /** 0 disables the periodic resync from the database. */
  resyncIntervalMs: number;
  loadBookings(ids: readonly string[]): Promise<BookingRow[]>;
}

export interface StreamHub {
  /** Subscribes to the status channel (once per process). */
  start(): Promise<void>;
  /** Registers a stream; returns its removal. */
  add(sink: StreamSink): () => void;
  readonly size: number;
  /** Ends every open stream (server shutdown) and unsubscribes. */
  close(): Promise<void>;
}

/**
 * Fans status changes out to the open SSE streams of this process: ONE pub/sub subscription for
 * all bookings, and (as a safety net for messages lost
 * while Redis was unreachable) one periodic query for the bookings of all open streams, never a
 * query per client.
 */
export function createStreamHub(opts: StreamHubOptions): StreamHub {
  const byBooking = new Map<string, Set<StreamSink>>();
  let count = 0;
  let unsubscribe: (() => Promise<void>) | undefined;
  let resync: NodeJS.Timeout | undefined;
  let resyncing = false;

  const dispatch = (update: StatusUpdate) => {
    const sinks = byBooking.get(update.booking_id);
    if (!sinks) return;
    for (const sink of [...sinks]) sink.deliver(update);
  };

  // A message is one update, or an array of the updates a publisher made in one turn.
  const onMessage = (message: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    for (const update of Array.isArray(parsed) ? parsed : [parsed]) {
      const u = update as StatusUpdate | null;
      if (typeof u?.booking_id === 'string' && typeof u.version === 'number') dispatch(u);
    }
  };

  async function resyncOnce() {
    if (resyncing || byBooking.size === 0) return;
    resyncing = true;
    try {
      const ids = [...byBooking.keys()];
      for (let i = 0; i < ids.length; i += 1000) {
        const rows = await opts.loadBookings(ids.slice(i, i + 1000));
        for (const row of rows) dispatch(toStatusUpdate(row));
      }
    } catch (err) {
      opts.logger.warn({ err }, 'stream resync failed');
    } finally {
      resyncing = false;
    }
  }

  return {
    async start() {
      if (opts.resyncIntervalMs > 0) {
        resync = setInterval(() => void resyncOnce(), opts.resyncIntervalMs);
        resync.unref();
      }
      // While Redis is down the subscription is made when it comes back; streams still resync.
      const subscribed = opts.cache.subscribe(STATUS_CHANNEL, onMessage).then((u) => (unsubscribe = u));
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([subscribed.then(() => undefined), timeout]).catch((err: unknown) => {
        opts.logger.warn({ err }, 'status channel subscription failed');
      });
    },

    add(sink) {
      let sinks = byBooking.get(sink.bookingId);
      if (!sinks) byBooking.set(sink.bookingId, (sinks = new Set()));
      sinks.add(sink);
      count++;
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        count--;
        sinks.delete(sink);
        if (sinks.size === 0 && byBooking.get(sink.bookingId) === sinks) byBooking.delete(sink.bookingId);
      };
    },

    get size() {
      return count;
    },

    async close() {
      clearInterval(resync);
      for (const sinks of [...byBooking.values()]) for (const sink of [...sinks]) sink.end();
      await unsubscribe?.().catch(() => undefined);
    },
  };
}
