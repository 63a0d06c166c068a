import type { Queryable } from '@ticketing/db';
import type { OutboxRow } from '../outbox/outbox.repository.ts';

export type BookingStatus = 'processing' | 'confirmed' | 'failed';
export type PaymentStatus = 'pending' | 'processing' | 'captured' | 'failed' | 'refunded';

export interface BookingRow {
  id: string;
  hold_id: string;
  user_id: string;
  user_email: string;
  user_name: string;
  idempotency_key: string | null;
  event_id: string;
  event_name: string;
  venue: string;
  event_date: Date;
  seats: string[];
  /** bigint arrives as text from the driver. */
  total_cents: string;
  currency: string;
  payment_method: string;
  status: BookingStatus;
  payment_status: PaymentStatus;
  payment_id: string | null;
  error_message: string | null;
  version: number;
  traceparent: string | null;
  created_at: Date;
  updated_at: Date;
  confirmed_at: Date | null;
  failed_at: Date | null;
}

export type NewBooking = Pick<
  BookingRow,
  | 'id'
  | 'hold_id'
  | 'user_id'
  | 'user_email'
  | 'user_name'
  | 'idempotency_key'
  | 'event_id'
  | 'event_name'
  | 'venue'
  | 'seats'
  | 'currency'
  | 'payment_method'
  | 'traceparent'
> & { event_date: string; total_cents: number };

export type FinalOutcome =
  | { status: 'confirmed'; paymentId: string }
  | { status: 'failed'; paymentStatus: 'failed' | 'refunded'; paymentId?: string | null; reason: string };

export interface ListFilter {
  limit: number;
  offset: number;
  status?: BookingStatus | undefined;
}

export interface BookingListItemRow {
  id: string;
  status: BookingStatus;
  event_name: string;
  venue: string;
  event_date: Date;
  seats: string[];
  total_cents: string;
  created_at: Date;
}

const COLUMNS = `id, hold_id, user_id, user_email, user_name, idempotency_key, event_id, event_name, venue, event_date,
  seats, total_cents, currency, payment_method, status, payment_status, payment_id, error_message, version, traceparent,
  created_at, updated_at, confirmed_at, failed_at`;

export function createBookingsRepository(db: Queryable) {
  const one = async (sql: string, params: readonly unknown[], q: Queryable = db) => (await q.query<BookingRow>(sql, params)).rows[0];

  return {
    findById: (id: string, q: Queryable = db) => one(`SELECT ${COLUMNS} FROM bookings WHERE id = $1`, [id], q),

    findByIdempotencyKey: (userId: string, key: string) =>
      one(`SELECT ${COLUMNS} FROM bookings WHERE user_id = $1 AND idempotency_key = $2`, [userId, key]),

    /**
     * Inserts the booking and, only if it was inserted, its outbox message: one statement, so one
     * round trip and one atomic commit. Undefined when a booking for the hold (or the
     * idempotency key) already exists.
     */
    insertWithOutbox: (b: NewBooking, message: OutboxRow) =>
      one(
        `WITH ins AS (
           INSERT INTO bookings (id, hold_id, user_id, user_email, user_name, idempotency_key, event_id, event_name, venue,
                                 event_date, seats, total_cents, currency, payment_method, traceparent)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           ON CONFLICT DO NOTHING
           RETURNING ${COLUMNS}
         ), msg AS (
           INSERT INTO outbox (id, topic, key, value, headers)
           SELECT $16, $17, ins.id::text, $18::json, $19::jsonb FROM ins
         )
         SELECT * FROM ins`,
        [
          b.id,
          b.hold_id,
          b.user_id,
          b.user_email,
          b.user_name,
          b.idempotency_key,
          b.event_id,
          b.event_name,
          b.venue,
          b.event_date,
          b.seats,
          b.total_cents,
          b.currency,
          b.payment_method,
          b.traceparent,
          message.id,
          message.topic,
          JSON.stringify(message.value),
          JSON.stringify(message.headers),
        ],
      ),

    /** pending → processing, just before the charge; undefined when the booking is not pending. */
    markPaymentProcessing: (id: string) =>
      one(
        `UPDATE bookings SET payment_status = 'processing', version = version + 1, updated_at = now()
          WHERE id = $1 AND status = 'processing' AND payment_status = 'pending'
          RETURNING ${COLUMNS}`,
        [id],
      ),

    /** Records a captured payment on a booking still processing; undefined when it is already final. */
    markCaptured: (id: string, paymentId: string) =>
      one(
        `UPDATE bookings SET payment_status = 'captured', payment_id = $2, version = version + 1, updated_at = now()
          WHERE id = $1 AND status = 'processing' AND payment_status IN ('pending', 'processing')
          RETURNING ${COLUMNS}`,
        [id, paymentId],
      ),

    /** A payment captured after the booking was already failed (and then refunded) is recorded as refunded. */
    markLateRefund: (id: string, paymentId: string) =>
      one(
        `UPDATE bookings SET payment_status = 'refunded', payment_id = $2, version = version + 1, updated_at = now()
          WHERE id = $1 AND status = 'failed' AND payment_status = 'failed'
          RETURNING ${COLUMNS}`,
        [id, paymentId],
      ),

    /**
     * Moves a booking to its final state, once, and writes its notification in the same
     * statement: the WHERE status = 'processing' makes every later attempt (redelivery,
     * reconciler, second worker) a no-op that returns undefined and writes no message.
     */
    finalizeWithOutbox(id: string, outcome: FinalOutcome, message: OutboxRow) {
      const confirmed = outcome.status === 'confirmed';
      return one(
        `WITH upd AS (
           UPDATE bookings
              SET status = $2::text, payment_status = $3::text, payment_id = COALESCE($4::text, payment_id), error_message = $5::text,
                  confirmed_at = CASE WHEN $2::text = 'confirmed' THEN now() END,
                  failed_at = CASE WHEN $2::text = 'failed' THEN now() END,
                  version = version + 1, updated_at = now()
            WHERE id = $1 AND status = 'processing'
            RETURNING ${COLUMNS}
         ), msg AS (
           INSERT INTO outbox (id, topic, key, value, headers)
           SELECT $6, $7, upd.id::text, $8::json, $9::jsonb FROM upd
         )
         SELECT * FROM upd`,
        [
          id,
          outcome.status,
          confirmed ? 'captured' : outcome.paymentStatus,
          confirmed ? outcome.paymentId : (outcome.paymentId ?? null),
          confirmed ? null : outcome.reason,
          message.id,
          message.topic,
          JSON.stringify(message.value),
          JSON.stringify(message.headers),
        ],
      );
    },

    /**
     * Claims bookings that have been processing without any change for `olderThanSeconds`:
     * touching updated_at hides them from other reconcilers for another period.
     */
    async claimStuck(olderThanSeconds: number, limit: number): Promise<BookingRow[]> {
      const { rows } = await db.query<BookingRow>(
        `UPDATE bookings SET updated_at = now()
          WHERE id IN (
            SELECT id FROM bookings
             WHERE status = 'processing' AND updated_at < now() - make_interval(secs => $1)
             ORDER BY updated_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
            AND status = 'processing'
          RETURNING ${COLUMNS}`,
        [olderThanSeconds, limit],
      );
      return rows;
    },

    async findMany(ids: readonly string[]): Promise<BookingRow[]> {
      if (ids.length === 0) return [];
      const { rows } = await db.query<BookingRow>(`SELECT ${COLUMNS} FROM bookings WHERE id = ANY($1::uuid[])`, [ids]);
      return rows;
    },

    async listByUser(userId: string, filter: ListFilter): Promise<{ rows: BookingListItemRow[]; total: number }> {
      const status = filter.status ?? null;
      const [page, count] = await Promise.all([
        db.query<BookingListItemRow>(
          `SELECT id, status, event_name, venue, event_date, seats, total_cents, created_at FROM bookings
            WHERE user_id = $1 AND ($2::text IS NULL OR status = $2)
            ORDER BY created_at DESC, id DESC
            LIMIT $3 OFFSET $4`,
          [userId, status, filter.limit, filter.offset],
        ),
        db.query<{ total: string }>(`SELECT count(*) AS total FROM bookings WHERE user_id = $1 AND ($2::text IS NULL OR status = $2)`, [
          userId,
          status,
        ]),
      ]);
      return { rows: page.rows, total: Number(count.rows[0]?.total ?? 0) };
    },
  };
}

export type BookingsRepository = ReturnType<typeof createBookingsRepository>;
