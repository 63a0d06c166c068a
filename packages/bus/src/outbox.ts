import type { Database, Queryable } from '@ticketing/db';
import { createPeriodicTask } from '@ticketing/tasks';
import { activeTraceHeaders } from '@ticketing/telemetry';
import type { Publisher } from './types.ts';

/**
 * The transactional outbox, shared by every service that publishes: a row is written in the
 * transaction of the change it announces, and a relay publishes it. Each service's migrations
 * create the table in its own schema, exactly as below (bookings 001, events 007):
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
    /** Unpublished rows of each of these topics and the age of the oldest (0 when none): a relay's backlog. */
    async backlog(topics: readonly string[]): Promise<{ topic: string; rows: number; oldestAgeSeconds: number }[]> {
      const { rows } = await db.query<{ topic: string; rows: string; age: number | null }>(
        `SELECT t.topic, count(o.id) AS rows, extract(epoch FROM clock_timestamp() - min(o.created_at))::float8 AS age
           FROM unnest($1::text[]) AS t(topic)
           LEFT JOIN outbox o ON o.topic = t.topic AND o.published_at IS NULL
          GROUP BY t.topic`,
        [topics],
      );
      return rows.map((r) => ({ topic: r.topic, rows: Number(r.rows), oldestAgeSeconds: Math.max(0, r.age ?? 0) }));
    },

    /**
     * Adds a message; call it inside the transaction that stores the change it announces. The
     * active span's trace headers go with it (when tracing is on), so its publish joins the trace.
     */
    async insert(tx: Queryable, row: OutboxRow): Promise<void> {
      await tx.query('INSERT INTO outbox (id, topic, key, value, headers) VALUES ($1, $2, $3, $4, $5)', [
        row.id,
        row.topic,
        row.key,
        JSON.stringify(row.value),
        JSON.stringify({ ...row.headers, ...activeTraceHeaders() }),
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
  /** Starts publishing in the background (the entry point's call). */
  start(this: void): void;
  /** Publishes one batch now (after the pass in flight); resolves with the number of messages published. */
  runOnce(this: void): Promise<number>;
  /** Stops; a publish still in flight after a short grace is abandoned and its rows given back. */
  close(this: void): Promise<void>;
}

const CLEANUP_EVERY_MS = 60_000;
const CLOSE_GRACE_MS = 2000;

/**
 * The relay of one outbox: claim a batch (FOR UPDATE SKIP LOCKED, with a lease), publish it,
 * mark it published. No transaction or connection is held while the broker is called. A crash
 * between publish and mark publishes the batch again once the lease passes (consumers dedupe by
 * message_id = row id). A periodic task (@ticketing/tasks): woken by the signal after each
 * commit, polling every `intervalMs`, a full batch followed at once by the next, backing off
 * exponentially while the broker is down. Any number of relays may run at once.
 */
export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const outbox = createOutboxRepository(opts.db);
  const { publisher, logger } = opts;
  const batchSize = opts.batchSize ?? 500;
  const retentionSeconds = opts.retentionSeconds ?? 3600;
  const publishTimeoutMs = opts.publishTimeoutMs ?? 15_000;
  let lastCleanup = Date.now();

  /** Rejects after `publishTimeoutMs`, or `CLOSE_GRACE_MS` after the relay is stopped. */
  function abandonment(signal: AbortSignal): { promise: Promise<never>; clear: () => void } {
    const timers: NodeJS.Timeout[] = [];
    let onAbort: (() => void) | undefined;
    const promise = new Promise<never>((_, reject) => {
      timers.push(setTimeout(() => reject(new Error(`publish timed out after ${publishTimeoutMs} ms`)), publishTimeoutMs));
      onAbort = () => timers.push(setTimeout(() => reject(new Error('relay stopped')), CLOSE_GRACE_MS));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    return {
      promise,
      clear() {
        for (const t of timers) clearTimeout(t);
        if (onAbort) signal.removeEventListener('abort', onAbort);
      },
    };
  }

  async function publishBatch(signal: AbortSignal): Promise<number> {
    const rows = await outbox.claimBatch(opts.topics, batchSize, publishTimeoutMs * 2);
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    const abandon = abandonment(signal);
    try {
      await Promise.race([
        publisher.publish(rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value, messageId: r.id, headers: r.headers }))),
        abandon.promise,
      ]);
    } catch (err) {
      await outbox.releaseClaim(ids).catch(() => undefined);
      throw err;
    } finally {
      abandon.clear();
    }
    await outbox.markPublished(ids);
    return rows.length;
  }

  const task = createPeriodicTask({
    intervalMs: opts.intervalMs ?? 250,
    maxBackoffMs: opts.maxBackoffMs ?? 5000,
    coalesceMs: opts.coalesceMs ?? 5,
    async run(signal) {
      const published = await publishBatch(signal);
      if (published < batchSize && Date.now() - lastCleanup > CLEANUP_EVERY_MS) {
        lastCleanup = Date.now();
        await outbox.deletePublishedBefore(retentionSeconds).catch((err: unknown) => logger?.warn({ err }, 'outbox cleanup failed'));
      }
      return published;
    },
    again: (published) => published === batchSize,
    // Logged on the first failure and then rarely, so a long broker outage does not flood the log.
    onError: (err, failures) => {
      if (failures === 1 || failures % 20 === 0) {
        logger?.warn({ err, failures, topics: opts.topics }, 'outbox publish failed; backing off');
      }
    },
    onRecovered: (failures) => logger?.info({ after_failures: failures, topics: opts.topics }, 'outbox relay recovered'),
  });
  const unsubscribe = opts.signal?.onNotify(task.wake);

  return {
    start: task.start,
    runOnce: () => task.runOnce(),
    async close() {
      unsubscribe?.();
      await task.stop();
    },
  };
}
