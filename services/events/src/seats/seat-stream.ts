import type { Cache } from '@ticketing/cache';
import type { SeatChangeKind, SeatStatus } from '@ticketing/contracts';
import type { Logger } from '@ticketing/http';

/** One seat-status change as published on the event's channel and sent to stream clients. */
export interface SeatChangeMessage {
  id: string;
  event_id: string;
  change: SeatChangeKind;
  status: SeatStatus;
  seats: string[];
  at: string;
}

export interface StreamClient {
  send(message: SeatChangeMessage): void;
}

export const seatChannel = (eventId: string) => `events:seats:${eventId}`;

/**
 * Fans seat changes out to the Server-Sent-Events clients of this process: one pub/sub
 * subscription per event with at least one client, however many clients watch it.
 */
export function createSeatStreamHub(cache: Cache, logger: Logger) {
  const topics = new Map<string, { clients: Set<StreamClient>; unsubscribe: Promise<(() => Promise<void>) | undefined> }>();

  function deliver(eventId: string, message: SeatChangeMessage): void {
    for (const client of topics.get(eventId)?.clients ?? []) {
      try {
        client.send(message);
      } catch (err) {
        logger.debug({ err }, 'seat stream client write failed');
      }
    }
  }

  return {
    /**
     * Adds a client. `ready` resolves once the event's subscription is in place (or after
     * `readyTimeoutMs` when the pub/sub server is unreachable), so that a snapshot read after
     * it misses no change.
     */
    attach(eventId: string, client: StreamClient, readyTimeoutMs = 1000): { detach: () => void; ready: Promise<void> } {
      let topic = topics.get(eventId);
      if (!topic) {
        const unsubscribe = cache
          .subscribe(seatChannel(eventId), (raw) => {
            try {
              deliver(eventId, JSON.parse(raw) as SeatChangeMessage);
            } catch {
              logger.warn({ eventId }, 'ignored a malformed seat change message');
            }
          })
          .catch((err: unknown) => {
            logger.debug({ err }, 'seat channel subscription failed');
            return undefined;
          });
        topic = { clients: new Set(), unsubscribe };
        topics.set(eventId, topic);
      }
      topic.clients.add(client);
      const current = topic;
      let timer: NodeJS.Timeout | undefined;
      const ready = Promise.race([
        current.unsubscribe.then(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, readyTimeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      const detach = () => {
        current.clients.delete(client);
        if (current.clients.size === 0 && topics.get(eventId) === current) {
          topics.delete(eventId);
          void current.unsubscribe.then((fn) => fn?.()).catch(() => undefined);
        }
      };
      return { detach, ready };
    },

    /** Delivers a change to this process's clients directly (when the pub/sub publish failed). */
    deliverLocally: deliver,

    subscribedEvents(): number {
      return topics.size;
    },

    /** Open seat-map streams in this process. */
    clientCount(): number {
      let n = 0;
      for (const topic of topics.values()) n += topic.clients.size;
      return n;
    },
  };
}

export type SeatStreamHub = ReturnType<typeof createSeatStreamHub>;
