import type { Database, Queryable } from '@ticketing/db';
import type { Publisher } from './types.ts';

/**
 * The transactional outbox, shared by every service that publishes: a row is written in the
 * transaction of the change it announces, and a relay publishes it. Each service's migrations
 * create the table in its own schema, exactly as below (bookings 001, events 005):
 */
export const OUTBOX_TABLE_SQL = `CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  topic text NOT NULL,
  key text NOT NULL,
  value json NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  claimed_until timestamptz,
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (topic, created_at) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;`;

/** One message of the outbox. `id` becomes the `message_id` header (consumers dedupe on it). */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: unknown;
  headers: Record<string, string>;
}

/**
 * In-process "there is something new in the outbox" signal: code that commits an outbox row
 * calls notify(), and the relay in this process (if any) publishes at once instead of waiting
 * for its next poll. Relays in other processes still find the row by polling.
 */
export interface OutboxSignal {
  notify(): void;
  onNotify(listener: () => void): () => void;
}

export function createOutboxSignal(): OutboxSignal {
  const listeners = new Set<() => void>();
  return {
    notify() {
      for (const l of listeners) l();
    },
    onNotify(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The outbox SQL (table OUTBOX_TABLE_SQL in the database's own schema). */
export function createOutboxRepository(db: Queryable) {
  return {
    /** Adds a message; call it inside the transaction that stores the change it announces. */
    async insert(tx: Queryable, row: OutboxRow): Promise<void> {
      await tx.query('INSERT INTO outbox (id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)', [
        row.id,
        row.topic,
        row.key,
        JSON.stringify(row.value),
        JSON.stringify(row.headers),
      ]);
    },

    /**
     * Claims the oldest unpublished rows of these topics for `leaseMs`. FOR UPDATE SKIP LOCKED
     * plus the lease let several relays (in several processes) work at once on disjoint batches;
     * a relay that dies mid-batch leaves rows that another claims once the lease has passed.
     */
    async claimBatch(topics: readonly string[], limit: number, leaseMs: number): Promise<OutboxRow[]> {
      const { rows } = await db.query<OutboxRow & { created_at: Date }>(
        `UPDATE outbox SET claimed_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
          WHERE id IN (
            SELECT id FROM outbox
             WHERE published_at IS NULL AND topic = ANY($1::text[])
               AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
             ORDER BY created_at, id
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
          RETURNING id, topic, key, value, headers, created_at`,
        [topics, limit, leaseMs],
      );
      // RETURNING does not keep the subquery's order.
      rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1));
      return rows.map(({ id, topic, key, value, headers }) => ({ id, topic, key, value, headers }));
    },

    async markPublished(ids: readonly string[]): Promise<void> {
      await db.query('UPDATE outbox SET published_at = now(), claimed_until = NULL WHERE id = ANY($1::uuid[])', [ids]);
    },

    /** Gives a batch back after a failed publish, so the next attempt need not wait for the lease. */
    async releaseClaim(ids: readonly string[]): Promise<void> {
      await db.query('UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1::uuid[]) AND published_at IS NULL', [ids]);
    },

    async deletePublishedBefore(seconds: number, limit = 10_000): Promise<number> {
      const { rowCount } = await db.query(
        `DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1) LIMIT $2
         )`,
        [seconds, limit],
      );
      return rowCount;
    },
  };
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>;

export interface OutboxRelayOptions {
  /** The database whose `outbox` table this relay empties. */
  db: Database | Queryable;
  publisher: Publisher;
  /** Topics this relay publishes (rows of other topics are left to other relays). */
  topics: readonly string[];
  /** Wakes the relay right after a commit in this process. */
  signal?: OutboxSignal | undefined;
  logger?: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void } | undefined;
  /** Poll interval for rows written by other processes. @defaultValue 250 */
  intervalMs?: number | undefined;
  /** @defaultValue 500 */
  batchSize?: number | undefined;
  /** Longest wait between attempts while the broker is down. @defaultValue 5000 */
  maxBackoffMs?: number | undefined;
  /** Published rows are deleted after this long. @defaultValue 3600 */
  retentionSeconds?: number | undefined;
  /** A publish that takes longer is abandoned (its claim released, retried). @defaultValue 15000 */
  publishTimeoutMs?: number | undefined;
  /**
   * After a wake-up, how long to wait for more commits before claiming, so that under load one
   * batch carries many messages instead of one round trip each. @defaultValue 5
   */
  coalesceMs?: number | undefined;
}

export interface OutboxRelay {
  /** Publishes one batch now; resolves with the number of messages published. */
  runOnce(): Promise<number>;
  /** Stops the loop; a publish still in flight after a short grace is abandoned and its rows given back. */
  close(): Promise<void>;
}

const CLEANUP_EVERY_MS = 60_000;
const CLOSE_GRACE_MS = 2000;

/**
 * Starts the relay of one outbox: claim a batch (FOR UPDATE SKIP LOCKED, with a lease), publish
 * it, mark it published. No transaction or connection is held while the broker is called. A
 * crash between publish and mark publishes the batch again once the lease passes (consumers
 * dedupe by message_id = row id). Woken by the signal after each commit, polls on an interval,
 * and backs off exponentially while the broker is down. Any number of relays may run at once.
 */
export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const outbox = createOutboxRepository(opts.db);
  const { publisher, logger } = opts;
  const intervalMs = opts.intervalMs ?? 250;
  const batchSize = opts.batchSize ?? 500;
  const maxBackoffMs = opts.maxBackoffMs ?? 5000;
  const retentionSeconds = opts.retentionSeconds ?? 3600;
  const publishTimeoutMs = opts.publishTimeoutMs ?? 15_000;
  const coalesceMs = opts.coalesceMs ?? 5;
  let stopped = false;
  let pending = false;
  let wakeUp: (() => void) | undefined;
  let lastCleanup = Date.now();
  const inFlight = new Set<(err: Error) => void>();

  const wake = () => {
    pending = true;
    wakeUp?.();
  };
  const unsubscribe = opts.signal?.onNotify(wake);

  /** Waits `ms`; a commit signal ends the wait early unless we are backing off (only close() does). */
  const pause = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = wakeable ? done : () => (stopped ? done() : undefined);
    });

  async function runOnce(): Promise<number> {
    const rows = await outbox.claimBatch(opts.topics, batchSize, publishTimeoutMs * 2);
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    let timer: NodeJS.Timeout | undefined;
    let abandon: ((err: Error) => void) | undefined;
    const abandoned = new Promise<never>((_, reject) => {
      abandon = reject;
      timer = setTimeout(() => reject(new Error(`publish timed out after ${publishTimeoutMs} ms`)), publishTimeoutMs);
    });
    inFlight.add(abandon!);
    try {
      await Promise.race([
        publisher.publish(rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value, messageId: r.id, headers: r.headers }))),
        abandoned,
      ]);
    } catch (err) {
      await outbox.releaseClaim(ids).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
      inFlight.delete(abandon!);
    }
    await outbox.markPublished(ids);
    return rows.length;
  }

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      pending = false;
      let published = 0;
      try {
        published = await runOnce();
        if (failures > 0) logger?.info({ after_failures: failures, topics: opts.topics }, 'outbox relay recovered');
        failures = 0;
      } catch (err) {
        failures++;
        // Logged on the first failure and then rarely, so a long broker outage does not flood the log.
        if (!stopped && (failures === 1 || failures % 20 === 0)) {
          logger?.warn({ err: (err as Error).message, failures, topics: opts.topics }, 'outbox publish failed; backing off');
        }
      }
      if (stopped) break;
      if (failures > 0) {
        await pause(Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures - 1, 16)), false);
        continue;
      }
      if (Date.now() - lastCleanup > CLEANUP_EVERY_MS) {
        lastCleanup = Date.now();
        await outbox
          .deletePublishedBefore(retentionSeconds)
          .catch((err: unknown) => logger?.warn({ err: (err as Error).message }, 'outbox cleanup failed'));
      }
      if (published === batchSize) continue;
      if (!pending) await pause(intervalMs, true);
      if (!stopped && coalesceMs > 0) await pause(coalesceMs, false);
    }
  })();

  return {
    runOnce,
    async close() {
      stopped = true;
      unsubscribe?.();
      wakeUp?.();
      // A publish in flight gets a moment to finish (a healthy broker answers fast); past that
      // (the broker is down) it is abandoned and its rows are given back for the next relay.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([loop, new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(grace);
      for (const abandon of inFlight) abandon(new Error('relay stopped'));
      await loop;
    },
  };
}
