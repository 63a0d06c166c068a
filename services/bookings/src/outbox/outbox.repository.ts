import type { Queryable } from '@ticketing/db';

export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: unknown;
  headers: Record<string, string>;
}

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
