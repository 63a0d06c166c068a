import type { OutboxRow } from '@ticketing/bus';
import type { Database } from '@ticketing/db';
import { cancelForSeats } from '../tickets/tickets.repository.ts';
import type { BookingRow } from '../bookings/bookings.repository.ts';
import { BOOKING_COLUMNS } from '../bookings/bookings.repository.ts';

export interface CancellationRow {
  id: string;
  booking_id: string;
  kind: 'buyer' | 'organizer';
  seats: string[];
  requested_by: string;
  /** bigint columns arrive as text. */
  seats_cents: string;
  fee_percent: string;
  fee_cents: string;
  refund_cents: string;
  refunded_cents: string | null;
  refund_key: string;
  refund_id: string | null;
  status: 'refunding' | 'completed';
  created_at: Date;
  completed_at: Date | null;
}

export interface NewCancellation {
  id: string;
  bookingId: string;
  kind: 'buyer' | 'organizer';
  /** Buyer: the seats to cancel. Organizer: ignored (every seat not cancelled yet). */
  seats: readonly string[];
  requestedBy: string;
  seatsCents: number;
  feePercent: number;
  feeCents: number;
  refundCents: number;
  refundKey: string;
}

const COLUMNS = `id, booking_id, kind, seats, requested_by, seats_cents::text AS seats_cents, fee_percent::text AS fee_percent,
  fee_cents::text AS fee_cents, refund_cents::text AS refund_cents, refunded_cents::text AS refunded_cents, refund_key, refund_id,
  status, created_at, completed_at`;

/** Some of the seats' tickets were admitted at the door: the cancellation is rolled back (409). */
export class TicketsUsedError extends Error {
  readonly seats: string[];
  constructor(seats: string[]) {
    super(`tickets already used: ${seats.join(', ')}`);
    this.name = 'TicketsUsedError';
    this.seats = seats;
  }
}

export function createBookingCancellationsRepository(db: Database) {
  return {
    /**
     * The deciding statement of a buyer's cancellation: the booking's seats are marked cancelled
     * (the booking becomes `cancelled` when none is left) and the cancellation row is inserted,
     * only if the booking is still confirmed and none of these seats was cancelled before. Two
     * racing cancellations of one seat: the second waits for the first's row lock, re-reads the
     * row and matches nothing. Undefined when it lost (or the booking was never cancellable).
     */
    async claimSeats(c: NewCancellation): Promise<CancellationRow | undefined> {
      return db.transaction(async (tx) => {
        const { rows } = await tx.query<CancellationRow>(
          `WITH upd AS (
           UPDATE bookings
              SET cancelled_seats = cancelled_seats || $3::text[],
                  status = CASE WHEN cardinality(cancelled_seats) + cardinality($3::text[]) >= cardinality(seats) THEN 'cancelled' ELSE status END,
                  cancelled_at = CASE WHEN cardinality(cancelled_seats) + cardinality($3::text[]) >= cardinality(seats) THEN now() ELSE cancelled_at END,
                  version = version + 1, updated_at = now()
            WHERE id = $2 AND status = 'confirmed' AND $3::text[] <@ seats AND NOT ($3::text[] && cancelled_seats)
           RETURNING id
         )
         INSERT INTO booking_cancellations (id, booking_id, kind, seats, requested_by, seats_cents, fee_percent, fee_cents, refund_cents, refund_key)
         SELECT $1, upd.id, 'buyer', $3::text[], $4, $5, $6, $7, $8, $9 FROM upd
         RETURNING ${COLUMNS}`,
          [c.id, c.bookingId, c.seats, c.requestedBy, c.seatsCents, c.feePercent, c.feeCents, c.refundCents, c.refundKey],
        );
        const claimed = rows[0];
        if (!claimed) return undefined;
        // The seats' tickets, in the same transaction: a ticket admitted at the door is not
        // cancelled (the admission's condition and this one are on the same row, so whichever
        // commits first wins), and then the whole cancellation is rolled back.
        await cancelForSeats(tx, c.bookingId, c.seats);
        const used = await tx.query<{ seat: string }>(
          `SELECT seat FROM tickets WHERE booking_id = $1 AND seat = ANY($2::text[]) AND status = 'valid' ORDER BY seat`,
          [c.bookingId, c.seats],
        );
        if (used.rows.length > 0) throw new TicketsUsedError(used.rows.map((r) => r.seat));
        return claimed;
      });
    },

    /**
     * The deciding statement of an organizer's refund: the booking becomes `cancelled` with all
     * its seats, once (organizer_refund_at), unless its payment is already refunded in full. The
     * row locked first is read again as it is now, so the seats still to release are exact.
     * Undefined when there is nothing (left) to refund.
     */
    async claimOrganizerRefund(c: Omit<NewCancellation, 'seats' | 'seatsCents' | 'feeCents' | 'feePercent' | 'refundCents'>) {
      return db.transaction(async (tx) => {
        const { rows } = await tx.query<CancellationRow>(
          `WITH cur AS (
           SELECT id, seats, cancelled_seats, total_cents, refunded_cents FROM bookings
            WHERE id = $2 AND status IN ('confirmed', 'cancelled') AND organizer_refund_at IS NULL AND payment_status <> 'refunded'
              FOR UPDATE
         ), upd AS (
           UPDATE bookings b
              SET cancelled_seats = b.seats, status = 'cancelled', cancelled_at = COALESCE(b.cancelled_at, now()),
                  organizer_refund_at = now(), version = b.version + 1, updated_at = now()
             FROM cur WHERE b.id = cur.id
           RETURNING b.id
         )
         INSERT INTO booking_cancellations (id, booking_id, kind, seats, requested_by, seats_cents, fee_cents, refund_cents, refund_key)
         SELECT $1, cur.id, 'organizer', ARRAY(SELECT s FROM unnest(cur.seats) AS s WHERE s <> ALL (cur.cancelled_seats)), $3,
                cur.total_cents - cur.refunded_cents, 0, cur.total_cents - cur.refunded_cents, $4
           FROM cur JOIN upd ON upd.id = cur.id
         RETURNING ${COLUMNS}`,
          [c.id, c.bookingId, c.requestedBy, c.refundKey],
        );
        // Every ticket still valid stops being valid; one already admitted stays as it was (the money goes back anyway).
        if (rows[0]) await cancelForSeats(tx, c.bookingId);
        return rows[0];
      });
    },

    /**
     * Done: what was refunded is recorded on the cancellation and added to the booking (its
     * payment reads `refunded` once everything went back), and its messages (the buyer's email,
     * the booking-cancellations event) are written, once: a repeat finds the row completed and
     * changes nothing. Returns the booking as it is now, or undefined on a repeat.
     */
    async complete(id: string, refund: { refundedCents: number; refundId: string | null }, messages: readonly OutboxRow[]) {
      const { rows } = await db.query<BookingRow>(
        `WITH c AS (
           UPDATE booking_cancellations SET status = 'completed', refunded_cents = $2, refund_id = $3, completed_at = now()
            WHERE id = $1 AND status = 'refunding'
           RETURNING booking_id, refunded_cents
         ), upd AS (
           UPDATE bookings b
              SET refunded_cents = LEAST(b.total_cents, b.refunded_cents + c.refunded_cents),
                  payment_status = CASE WHEN b.refunded_cents + c.refunded_cents >= b.total_cents THEN 'refunded' ELSE b.payment_status END,
                  version = b.version + 1, updated_at = now()
             FROM c WHERE b.id = c.booking_id
           RETURNING ${BOOKING_COLUMNS.replace(/(\w+)/g, 'b.$1')}
         ), msg AS (
           INSERT INTO outbox (id, topic, key, value, headers)
           SELECT m.id, m.topic, m.key, m.value::json, m.headers::jsonb
             FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[]) AS m(id, topic, key, value, headers)
            WHERE EXISTS (SELECT 1 FROM upd)
         )
         SELECT * FROM upd`,
        [
          id,
          refund.refundedCents,
          refund.refundId,
          messages.map((m) => m.id),
          messages.map((m) => m.topic),
          messages.map((m) => m.key),
          messages.map((m) => JSON.stringify(m.value)),
          messages.map((m) => JSON.stringify(m.headers)),
        ],
      );
      return rows[0];
    },

    async find(id: string): Promise<CancellationRow | undefined> {
      return (await db.query<CancellationRow>(`SELECT ${COLUMNS} FROM booking_cancellations WHERE id = $1`, [id])).rows[0];
    },

    async listForBooking(bookingId: string): Promise<CancellationRow[]> {
      const { rows } = await db.query<CancellationRow>(
        `SELECT ${COLUMNS} FROM booking_cancellations WHERE booking_id = $1 ORDER BY created_at, id`,
        [bookingId],
      );
      return rows;
    },

    /** Cancellations left `refunding` for `olderThanSeconds` (their request died midway): the resumer finishes them. */
    async findUnfinished(olderThanSeconds: number, limit: number): Promise<CancellationRow[]> {
      const { rows } = await db.query<CancellationRow>(
        `SELECT ${COLUMNS} FROM booking_cancellations
          WHERE status = 'refunding' AND created_at < now() - make_interval(secs => $1)
          ORDER BY created_at LIMIT $2`,
        [olderThanSeconds, limit],
      );
      return rows;
    },
  };
}

export type BookingCancellationsRepository = ReturnType<typeof createBookingCancellationsRepository>;
