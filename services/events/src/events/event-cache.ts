import type { Cache } from '@ticketing/cache';
import type { Logger } from '@ticketing/http';

export interface EventCacheOptions {
  eventTtlSeconds: number;
  countTtlSeconds: number;
  listTtlSeconds: number;
  seatMapTtlSeconds: number;
}

/** A cached value that must not be used past `validUntil` (ms since epoch): the first hold expiry it counts. */
interface Expiring<T> {
  value: T;
  validUntil: number | null;
}

/** A read-through slot: `value` when cached, else `store` (a no-op when the cache is down). */
export interface Cached<T> {
  value: T | undefined;
  store(value: T, validUntil?: Date | null): Promise<void>;
}

// Versions live long; the values under a version live only their short TTL.
const VERSION_WINDOW_MS = 7 * 24 * 3600 * 1000;

/**
 * Redis caching of the event service. PostgreSQL always decides; the cache only serves reads.
 * Invalidation is explicit and scan-free: every seat change of an event bumps that event's
 * version key, and its counts and seat map are stored under the version they were read at, so
 * a value computed before a change can never be served after it. New events bump a global
 * list version the same way. Every call is wrapped: with Redis down, reads miss and writes are
 * skipped (logged at debug), and the service works from PostgreSQL alone.
 */
export function createEventCache(cache: Cache, opts: EventCacheOptions, logger: Logger) {
  async function safe<T>(op: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      logger.debug({ op, err }, 'cache call failed; using the database');
      return undefined;
    }
  }

  const versionKey = (eventId: string) => `events:ver:${eventId}`;
  const listVersionKey = 'events:list:ver';
  const detailsVersionKey = (eventId: string) => `events:dver:${eventId}`;

  async function readVersion(key: string): Promise<string | undefined> {
    const v = await safe('get version', () => cache.get(key));
    return v === undefined ? undefined : (v ?? '0');
  }

  async function slot<T>(key: (version: string) => string, versionOf: string, ttlSeconds: number): Promise<Cached<T>> {
    const version = await readVersion(versionOf);
    if (version === undefined) return { value: undefined, store: async () => undefined };
    const k = key(version);
    const raw = await safe('get', () => cache.get(k));
    let value: T | undefined;
    if (raw) {
      const parsed = JSON.parse(raw) as Expiring<T>;
      if (parsed.validUntil === null || parsed.validUntil > Date.now()) value = parsed.value;
    }
    return {
      value,
      async store(v: T, validUntil?: Date | null) {
        const until = validUntil ? validUntil.getTime() : null;
        const ttl = until === null ? ttlSeconds : Math.min(ttlSeconds, Math.max(1, Math.ceil((until - Date.now()) / 1000)));
        const body: Expiring<T> = { value: v, validUntil: until };
        await safe('set', () => cache.set(k, JSON.stringify(body), ttl));
      },
    };
  }

  return {
    /**
     * An event's row as of its current details version: an edit bumps the version, so a copy
     * read before the edit is never served after it (every process, same instant). `version` is
     * undefined when the cache is unreachable: then only the database is trusted.
     */
    async getEvent<T>(eventId: string): Promise<{ version: string | undefined; value: T | undefined }> {
      const version = await readVersion(detailsVersionKey(eventId));
      if (version === undefined) return { version, value: undefined };
      const raw = await safe('get event', () => cache.get(`events:event:${eventId}:${version}`));
      return { version, value: raw ? (JSON.parse(raw) as T) : undefined };
    },
    async setEvent(eventId: string, version: string | undefined, value: unknown): Promise<void> {
      if (version === undefined) return;
      await safe('set event', () => cache.set(`events:event:${eventId}:${version}`, JSON.stringify(value), opts.eventTtlSeconds));
    },
    /** The current details version alone (one round trip), to check an in-process copy against. */
    detailsVersion(eventId: string): Promise<string | undefined> {
      return readVersion(detailsVersionKey(eventId));
    },
    /** After an edit, publish or status change: every copy of the event is read afresh. */
    async invalidateEvent(eventId: string): Promise<boolean> {
      const bumped = await safe('bump details version', () => cache.incrWindow(detailsVersionKey(eventId), VERSION_WINDOW_MS));
      return bumped !== undefined;
    },

    counts<T>(eventId: string): Promise<Cached<T>> {
      return slot<T>((v) => `events:counts:${eventId}:${v}`, versionKey(eventId), opts.countTtlSeconds);
    },

    seatMap(eventId: string): Promise<Cached<string>> {
      return slot<string>((v) => `events:seatmap:${eventId}:${v}`, versionKey(eventId), opts.seatMapTtlSeconds);
    },

    compactSeatMap(eventId: string): Promise<Cached<string>> {
      return slot<string>((v) => `events:seatmapc:${eventId}:${v}`, versionKey(eventId), opts.seatMapTtlSeconds);
    },

    listPage<T>(queryKey: string): Promise<Cached<T>> {
      return slot<T>((v) => `events:list:${v}:${queryKey}`, listVersionKey, opts.listTtlSeconds);
    },

    /** After any seat change of an event: its counts and seat map are read afresh. */
    async invalidateSeats(eventId: string): Promise<void> {
      await safe('bump version', () => cache.incrWindow(versionKey(eventId), VERSION_WINDOW_MS));
    },

    /** After an event is created or changed: every list page is read afresh. */
    async invalidateLists(): Promise<void> {
      await safe('bump list version', () => cache.incrWindow(listVersionKey, VERSION_WINDOW_MS));
    },
  };
}

export type EventCache = ReturnType<typeof createEventCache>;
