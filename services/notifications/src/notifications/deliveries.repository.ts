import type { Queryable } from '@ticketing/db';
import type { NotificationType } from './notification-message.ts';

export type DeliveryStatus = 'sending' | 'sent' | 'failed' | 'dead';

export interface DeliveryRow {
  id: string;
  message_id: string;
  /** Null for account emails (users service), which are deduplicated by message id alone. */
  booking_id: string | null;
  /** A NotificationType, or an account email's type. */
  type: string;
  recipient_email: string;
  event_name: string;
  subject: string;
  status: DeliveryStatus;
  attempts: number;
  duplicates: number;
  last_error: string | null;
  smtp_message_id: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  /** While 'sending': until when the claiming worker owns the row (a later claim may take it over). */
  lease_until: Date | null;
  /** Whether the lease is still running, by the database's clock. */
  lease_live: boolean;
}

const COLUMNS =
  'id, message_id, booking_id, type, recipient_email, event_name, subject, status, attempts, duplicates, last_error, smtp_message_id, created_at, updated_at, sent_at, lease_until, coalesce(lease_until > now(), false) AS lease_live';

export interface DeliveryKey {
  messageId: string;
  bookingId: string | null;
  type: string;
}

export function createDeliveriesRepository(db: Queryable) {
  return {
    /**
     * Claims a new delivery: inserts it as 'sending' with a lease of `leaseMs` and the claimer's
     * token, or does nothing when this message id or this (booking, type) already has a row. A
     * concurrent claim of the same key waits here until the first claim's transaction ends.
     */
    async insertClaim(
      tx: Queryable,
      row: DeliveryKey & { id: string; recipientEmail: string; eventName: string; subject: string; claimToken: string; leaseMs: number },
    ): Promise<DeliveryRow | undefined> {
      const { rows } = await tx.query<DeliveryRow>(
        `INSERT INTO deliveries (id, message_id, booking_id, type, recipient_email, event_name, subject, status, claim_token, lease_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'sending', $8, now() + make_interval(secs => $9::float8 / 1000))
         ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS}`,
        [row.id, row.messageId, row.bookingId, row.type, row.recipientEmail, row.eventName, row.subject, row.claimToken, row.leaseMs],
      );
      return rows[0];
    },

    /** The rows holding this message id or this (booking, type), locked for the transaction. */
    async lockExisting(tx: Queryable, key: DeliveryKey): Promise<DeliveryRow[]> {
      const { rows } = await tx.query<DeliveryRow>(
        `SELECT ${COLUMNS} FROM deliveries
         WHERE message_id = $1 OR (booking_id = $2 AND type = $3)
         ORDER BY id FOR UPDATE`,
        [key.messageId, key.bookingId, key.type],
      );
      return rows;
    },

    /**
     * Takes over a 'failed' or 'dead' row, or a 'sending' one whose lease has passed (its worker
     * died), for a new attempt under a new lease and token (the row is locked by the caller).
     */
    async reclaim(
      tx: Queryable,
      id: string,
      row: { recipientEmail: string; eventName: string; subject: string; claimToken: string; leaseMs: number },
    ): Promise<void> {
      await tx.query(
        `UPDATE deliveries SET status = 'sending', recipient_email = $2, event_name = $3, subject = $4, claim_token = $5,
           lease_until = now() + make_interval(secs => $6::float8 / 1000), updated_at = now()
         WHERE id = $1`,
        [id, row.recipientEmail, row.eventName, row.subject, row.claimToken, row.leaseMs],
      );
    },

    async countDuplicate(tx: Queryable, id: string): Promise<void> {
      await tx.query(`UPDATE deliveries SET duplicates = duplicates + 1 WHERE id = $1`, [id]);
    },

    async markSent(tx: Queryable, id: string, smtpMessageId: string): Promise<void> {
      await tx.query(
        `UPDATE deliveries SET status = 'sent', smtp_message_id = $2, attempts = attempts + 1, last_error = NULL,
           sent_at = now(), updated_at = now(), lease_until = NULL
         WHERE id = $1`,
        [id, smtpMessageId],
      );
    },

    /** Records a refused send, unless another worker took the row over meanwhile (its claim token differs). */
    async markFailed(tx: Queryable, id: string, claimToken: string, status: 'failed' | 'dead', error: string): Promise<void> {
      await tx.query(
        `UPDATE deliveries SET status = $3, attempts = attempts + 1, last_error = $4, updated_at = now(), lease_until = NULL
         WHERE id = $1 AND claim_token = $2 AND status = 'sending'`,
        [id, claimToken, status, error.slice(0, 2000)],
      );
    },

    /** After the bus gave up on a message: its delivery (if it was still to be retried) is dead. */
    async markGivenUp(key: DeliveryKey, error: string): Promise<void> {
      await db.query(
        `UPDATE deliveries SET status = 'dead', last_error = $4, updated_at = now()
         WHERE (message_id = $1 OR (booking_id = $2 AND type = $3)) AND status = 'failed'`,
        [key.messageId, key.bookingId, key.type, error.slice(0, 2000)],
      );
    },

    async listForRecipient(email: string, page: { limit: number; offset: number; type?: NotificationType | undefined }) {
      const params: unknown[] = [email.toLowerCase()];
      // Booking emails only: account emails (links to reset a password) are not listed.
      let where = 'lower(recipient_email) = $1 AND booking_id IS NOT NULL';
      if (page.type) {
        params.push(page.type);
        where += ` AND type = $${params.length}`;
      }
      const [list, count] = await Promise.all([
        db.query<DeliveryRow>(
          `SELECT ${COLUMNS} FROM deliveries WHERE ${where} ORDER BY created_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, page.limit, page.offset],
        ),
        db.query<{ total: string }>(`SELECT count(*)::text AS total FROM deliveries WHERE ${where}`, params),
      ]);
      return { rows: list.rows, total: Number(count.rows[0]?.total ?? 0) };
    },
  };
}

export type DeliveriesRepository = ReturnType<typeof createDeliveriesRepository>;
