import { byKey, createGroupCommit, type Database } from '@ticketing/db';
import type { OutboxRow } from '@ticketing/bus';
import { cancelForSeats, type NewTicket } from '../tickets/tickets.repository.ts';

export type BookingStatus = 'processing' | 'payment_action_required' | 'confirmed' | 'failed' | 'cancelled';

/** Statuses that are not final: the booking still waits for its payment (SQL: status IN OPEN_STATUSES_SQL). */
export const isOpenStatus = (status: BookingStatus): boolean => status === 'processing' || status === 'payment_action_required';
const OPEN = `('processing', 'payment_action_required')`;
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
  /** payment_action_required: what the buyer's browser completes the payment with (owner only). */
  payment_action_secret: string | null;
  error_message: string | null;
  version: number;
  traceparent: string | null;
  created_at: Date;
  updated_at: Date;
  confirmed_at: Date | null;
  failed_at: Date | null;
  cancelled_at: Date | null;
  /** Seats given back by cancellations (a subset of `seats`); the booking is cancelled when all are. */
  cancelled_seats: string[];
  /** Given back so far (bigint as text). */
  refunded_cents: string;
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
  currency: string;
  created_at: Date;
}

const COLUMNS = `id, hold_id, user_id, user_email, user_name, idempotency_key, event_id, event_name, venue, event_date,
  seats, total_cents, currency, payment_method, status, payment_status, payment_id, payment_action_secret, error_message, version, traceparent,
  created_at, updated_at, confirmed_at, failed_at, cancelled_at, cancelled_seats, refunded_cents`;
/** Every column of a booking row (BookingRow), for statements of other features that return one. */
export const BOOKING_COLUMNS = COLUMNS;

/**
 * The bookings SQL. The hot-path writes (insert with its message, payment started, payment
 * captured, outcome with its notification) and the read by id are group-committed: calls made
 * at the same time run as one set-based statement, each caller getting its own row back. Rows
 * for one booking id are deduplicated within a batch, so the conditional updates keep their
 * "exactly one winner" meaning.
 */
export function createBookingsRepository(db: Database, opts: { maxBatch?: number; maxInFlight?: number } = {}) {
  const rowsById = (rows: BookingRow[]) => new Map(rows.map((r) => [r.id, r]));
  const group = <I, O>(execute: (inputs: I[]) => Promise<O[]>) => createGroupCommit<I, O>({ execute, ...opts });
  // A second call for one booking in the same batch sees the row as the first call left it: for a
  // read that is the row, for a conditional write it is "not by you".
  const asRead = (first: BookingRow | undefined) => first;
  const lost = () => undefined;

  const findByIdBatch = group<string, BookingRow | undefined>(
    byKey(
      (id) => id,
      async (ids) => rowsById((await db.query<BookingRow>(`SELECT ${COLUMNS} FROM bookings WHERE id = ANY($1::uuid[])`, [ids])).rows),
      asRead,
    ),
  );

  const insertBatch = group<{ booking: NewBooking; message: OutboxRow }, BookingRow | undefined>(
    byKey(
      (i) => i.booking.id,
      async (inputs) => {
        const col = <K extends keyof NewBooking>(k: K) => inputs.map((i) => i.booking[k]);
        const { rows } = await db.query<BookingRow>(
          `WITH input AS (
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[],
                                  $9::text[], $10::timestamptz[], $11::text[], $12::bigint[], $13::text[], $14::text[], $15::text[],
                                  $16::uuid[], $17::text[], $18::text[], $19::text[])
               AS t(id, hold_id, user_id, user_email, user_name, idempotency_key, event_id, event_name, venue, event_date, seats,
                    total_cents, currency, payment_method, traceparent, msg_id, msg_topic, msg_value, msg_headers)
           ), ins AS (
             INSERT INTO bookings (id, hold_id, user_id, user_email, user_name, idempotency_key, event_id, event_name, venue,
                                   event_date, seats, total_cents, currency, payment_method, traceparent)
             SELECT id, hold_id, user_id, user_email, user_name, idempotency_key, event_id, event_name, venue, event_date,
                    ARRAY(SELECT json_array_elements_text(seats::json)), total_cents, currency, payment_method, traceparent
               FROM input
             ON CONFLICT DO NOTHING
             RETURNING ${COLUMNS}
           ), msg AS (
             INSERT INTO outbox (id, topic, key, value, headers)
             SELECT i.msg_id, i.msg_topic, i.id::text, i.msg_value::json, i.msg_headers::jsonb FROM input i JOIN ins ON ins.id = i.id
           )
           SELECT * FROM ins`,
          [
            col('id'),
            col('hold_id'),
            col('user_id'),
            col('user_email'),
            col('user_name'),
            col('idempotency_key'),
            col('event_id'),
            col('event_name'),
            col('venue'),
            col('event_date'),
            inputs.map((i) => JSON.stringify(i.booking.seats)),
            col('total_cents'),
            col('currency'),
            col('payment_method'),
            col('traceparent'),
            inputs.map((i) => i.message.id),
            inputs.map((i) => i.message.topic),
            inputs.map((i) => JSON.stringify(i.message.value)),
            inputs.map((i) => JSON.stringify(i.message.headers)),
          ],
        );
        return rowsById(rows);
      },
      lost,
    ),
  );

  const markProcessingBatch = group<string, BookingRow | undefined>(
    byKey(
      (id) => id,
      async (ids) =>
        rowsById(
          (
            await db.query<BookingRow>(
              `UPDATE bookings SET payment_status = 'processing', version = version + 1, updated_at = now()
                WHERE id = ANY($1::uuid[]) AND status = 'processing' AND payment_status = 'pending'
                RETURNING ${COLUMNS}`,
              [ids],
            )
          ).rows,
        ),
      lost,
    ),
  );

  const markCapturedBatch = group<{ id: string; paymentId: string }, BookingRow | undefined>(
    byKey(
      (i) => i.id,
      async (inputs) =>
        rowsById(
          (
            await db.query<BookingRow>(
              `UPDATE bookings b SET status = 'processing', payment_status = 'captured', payment_id = i.payment_id, payment_action_secret = NULL,
                     version = b.version + 1, updated_at = now()
                 FROM unnest($1::uuid[], $2::text[]) AS i(id, payment_id)
                WHERE b.id = i.id AND b.status IN ${OPEN} AND b.payment_status IN ('pending', 'processing')
                RETURNING ${COLUMNS.replace(/(\w+)/g, 'b.$1')}`,
              [inputs.map((i) => i.id), inputs.map((i) => i.paymentId)],
            )
          ).rows,
        ),
      lost,
    ),
  );

  const finalizeBatch = group<
    { id: string; outcome: FinalOutcome; message: OutboxRow; tickets: readonly NewTicket[] },
    BookingRow | undefined
  >(
    byKey(
      (i) => i.id,
      async (inputs) => {
        const tickets = inputs.flatMap((i) => i.tickets);
        const { rows } = await db.query<BookingRow>(
          `WITH input AS (
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[])
               AS t(id, status, payment_status, payment_id, error_message, msg_id, msg_topic, msg_value, msg_headers)
           ), upd AS (
             UPDATE bookings b
                SET status = i.status, payment_status = i.payment_status, payment_id = COALESCE(i.payment_id, b.payment_id),
                    error_message = i.error_message, payment_action_secret = NULL,
                    confirmed_at = CASE WHEN i.status = 'confirmed' THEN now() END,
                    failed_at = CASE WHEN i.status = 'failed' THEN now() END,
                    version = b.version + 1, updated_at = now()
               FROM input i
              WHERE b.id = i.id AND b.status IN ${OPEN}
              RETURNING ${COLUMNS.replace(/(\w+)/g, 'b.$1')}
           ), msg AS (
             INSERT INTO outbox (id, topic, key, value, headers)
             SELECT i.msg_id, i.msg_topic, i.id::text, i.msg_value::json, i.msg_headers::jsonb FROM input i JOIN upd ON upd.id = i.id
           ), tix AS (
             -- The tickets are issued by the statement that confirms, only when it does (docs/tickets.md).
             INSERT INTO tickets (id, booking_id, event_id, seat, code)
             SELECT t.id, t.booking_id, t.event_id, t.seat, t.code
               FROM unnest($10::uuid[], $11::uuid[], $12::uuid[], $13::text[], $14::text[]) AS t(id, booking_id, event_id, seat, code)
               JOIN upd ON upd.id = t.booking_id AND upd.status = 'confirmed'
             ON CONFLICT (booking_id, seat) DO NOTHING
           )
           SELECT * FROM upd`,
          [
            inputs.map((i) => i.id),
            inputs.map((i) => i.outcome.status),
            inputs.map((i) => (i.outcome.status === 'confirmed' ? 'captured' : i.outcome.paymentStatus)),
            inputs.map((i) => (i.outcome.status === 'confirmed' ? i.outcome.paymentId : (i.outcome.paymentId ?? null))),
            inputs.map((i) => (i.outcome.status === 'confirmed' ? null : i.outcome.reason)),
            inputs.map((i) => i.message.id),
            inputs.map((i) => i.message.topic),
            inputs.map((i) => JSON.stringify(i.message.value)),
            inputs.map((i) => JSON.stringify(i.message.headers)),
            tickets.map((t) => t.id),
            tickets.map((t) => t.booking_id),
            tickets.map((t) => t.event_id),
            tickets.map((t) => t.seat),
            tickets.map((t) => t.code),
          ],
        );
        return rowsById(rows);
      },
      lost,
    ),
  );

  return {
    findById: (id: string) => findByIdBatch(id),

    findByIdempotencyKey: async (userId: string, key: string) =>
      (await db.query<BookingRow>(`SELECT ${COLUMNS} FROM bookings WHERE user_id = $1 AND idempotency_key = $2`, [userId, key])).rows[0],

    /**
     * Inserts the booking and, only if it was inserted, its outbox message, in one statement (one
     * atomic commit). Undefined when a booking for the hold (or the idempotency key) already exists.
     */
    insertWithOutbox: (booking: NewBooking, message: OutboxRow) => insertBatch({ booking, message }),

    /** pending → processing, just before the charge; undefined when the booking is not pending. */
    markPaymentProcessing: (id: string) => markProcessingBatch(id),

    /** Records a captured payment on a booking still processing; undefined when it is already final. */
    markCaptured: (id: string, paymentId: string) => markCapturedBatch({ id, paymentId }),

    /**
     * The charge waits for the buyer (3-D Secure): the booking shows payment_action_required with
     * the secret their browser needs. Undefined when the booking is final or already captured.
     */
    markActionRequired: async (id: string, paymentId: string, secret: string | null) =>
      (
        await db.query<BookingRow>(
          `UPDATE bookings SET status = 'payment_action_required', payment_status = 'processing', payment_id = $2,
                  payment_action_secret = $3, version = version + 1, updated_at = now()
            WHERE id = $1 AND status IN ${OPEN} AND payment_status IN ('pending', 'processing')
              AND (status <> 'payment_action_required' OR payment_action_secret IS DISTINCT FROM $3)
            RETURNING ${COLUMNS}`,
          [id, paymentId, secret],
        )
      ).rows[0],

    /**
     * A confirmed booking whose payment was given back in full elsewhere (the provider's
     * dashboard): its tickets stop being valid in the same transaction (docs/tickets.md).
     */
    markRefundedAfterConfirm: (id: string) =>
      db.transaction(async (tx) => {
        const row = (
          await tx.query<BookingRow>(
            `UPDATE bookings SET payment_status = 'refunded', version = version + 1, updated_at = now()
              WHERE id = $1 AND status = 'confirmed' AND payment_status = 'captured'
              RETURNING ${COLUMNS}`,
            [id],
          )
        ).rows[0];
        if (row) await cancelForSeats(tx, id);
        return row;
      }),

    /** The booking paid with this provider payment id (a webhook names the payment, not always the booking). */
    findByPaymentId: async (paymentId: string) =>
      (await db.query<BookingRow>(`SELECT ${COLUMNS} FROM bookings WHERE payment_id = $1 LIMIT 1`, [paymentId])).rows[0],

    /** A payment captured after the booking was already failed (and then refunded) is recorded as refunded. */
    markLateRefund: async (id: string, paymentId: string) =>
      (
        await db.query<BookingRow>(
          `UPDATE bookings SET payment_status = 'refunded', payment_id = $2, version = version + 1, updated_at = now()
            WHERE id = $1 AND status = 'failed' AND payment_status = 'failed'
            RETURNING ${COLUMNS}`,
          [id, paymentId],
        )
      ).rows[0],

    /**
     * Moves a booking to its final state, once, and writes its notification (and, when it is
     * confirmed, its tickets) in the same statement: the WHERE status = 'processing' makes every
     * later attempt (redelivery, reconciler, second worker) a no-op that returns undefined and
     * writes no message and no ticket.
     */
    finalizeWithOutbox: (id: string, outcome: FinalOutcome, message: OutboxRow, tickets: readonly NewTicket[] = []) =>
      finalizeBatch({ id, outcome, message, tickets }),

    /**
     * Claims bookings that have been processing without any change for `olderThanSeconds`:
     * touching updated_at hides them from other reconcilers for another period.
     */
    async claimStuck(olderThanSeconds: number, limit: number): Promise<BookingRow[]> {
      const { rows } = await db.query<BookingRow>(
        `UPDATE bookings SET updated_at = now()
          WHERE id IN (
            SELECT id FROM bookings
             WHERE status IN ${OPEN} AND updated_at < now() - make_interval(secs => $1)
             ORDER BY updated_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
            AND status IN ${OPEN}
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
          `SELECT id, status, event_name, venue, event_date, seats, total_cents, currency, created_at FROM bookings
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
