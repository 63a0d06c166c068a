import type { OutboxRow } from '@ticketing/bus';
import type { Database } from '@ticketing/db';
import type { EventCancellation } from '@ticketing/contracts';
import { cancelForSeats } from '../tickets/tickets.repository.ts';

export interface EventCancellationRow {
  event_id: string;
  owner_id: string;
  cancelled_by: string;
  cancelled_at: Date;
  reason: string;
  status: 'refunding' | 'completed';
  bookings_total: number;
  bookings_refunded: number;
  /** bigint as text. */
  refunded_cents: string;
  started_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

/** What refunding one booking needs (its snapshot makes the email). */
export interface BookingToRefund {
  id: string;
  user_email: string;
  user_name: string;
  event_name: string;
  venue: string;
  event_date: Date;
  seats: string[];
  total_cents: string;
  currency: string;
  payment_id: string | null;
  traceparent: string | null;
}

const COLUMNS = `event_id, owner_id, cancelled_by, cancelled_at, reason, status, bookings_total, bookings_refunded,
  refunded_cents::text AS refunded_cents, started_at, updated_at, completed_at`;

export function createEventCancellationsRepository(db: Database) {
  return {
    /**
     * Records the cancellation (once: a redelivered message finds its row) and counts the
     * bookings it has to refund: the confirmed ones plus those it already cancelled.
     */
    async start(m: EventCancellation): Promise<EventCancellationRow> {
      const { rows } = await db.query<EventCancellationRow>(
        `WITH ins AS (
           INSERT INTO event_cancellations (event_id, owner_id, cancelled_by, cancelled_at, reason)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (event_id) DO NOTHING
         )
         UPDATE event_cancellations c
            SET bookings_total = GREATEST(c.bookings_total, c.bookings_refunded + (
                  SELECT count(*) FROM bookings b WHERE b.event_id = $1 AND b.status = 'confirmed')), updated_at = now()
          WHERE c.event_id = $1
         RETURNING ${COLUMNS}`,
        [m.event_id, m.owner_id, m.cancelled_by, m.cancelled_at, m.reason],
      );
      // The row is inserted by this statement's CTE on the first delivery: the UPDATE cannot see
      // it yet, so read it back when it returned nothing.
      return rows[0] ?? (await this.recount(m.event_id));
    },

    async recount(eventId: string): Promise<EventCancellationRow> {
      const { rows } = await db.query<EventCancellationRow>(
        `UPDATE event_cancellations c
            SET bookings_total = GREATEST(c.bookings_total, c.bookings_refunded + (
                  SELECT count(*) FROM bookings b WHERE b.event_id = $1 AND b.status = 'confirmed')), updated_at = now()
          WHERE c.event_id = $1
         RETURNING ${COLUMNS}`,
        [eventId],
      );
      return rows[0]!;
    },

    async find(eventId: string): Promise<EventCancellationRow | undefined> {
      const { rows } = await db.query<EventCancellationRow>(`SELECT ${COLUMNS} FROM event_cancellations WHERE event_id = $1`, [eventId]);
      return rows[0];
    },

    /** The next confirmed bookings of the event (to refund), in id order. */
    async confirmedBookings(eventId: string, limit: number): Promise<BookingToRefund[]> {
      const { rows } = await db.query<BookingToRefund>(
        `SELECT id, user_email, user_name, event_name, venue, event_date, seats, total_cents::text AS total_cents, currency,
                payment_id, traceparent
           FROM bookings WHERE event_id = $1 AND status = 'confirmed' ORDER BY id LIMIT $2`,
        [eventId, limit],
      );
      return rows;
    },

    /** Bookings of the event whose payment is still being decided (they may still get confirmed). */
    async openBookings(eventId: string): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings WHERE event_id = $1 AND status IN ('processing', 'payment_action_required')`,
        [eventId],
      );
      return rows[0]?.n ?? 0;
    },

    /**
     * confirmed → cancelled (payment refunded), its email in the outbox and the progress counted,
     * in one statement, and its tickets invalidated in the same transaction; undefined when the
     * booking was no longer confirmed (done before).
     */
    markCancelled: (bookingId: string, message: OutboxRow): Promise<{ id: string; version: number } | undefined> =>
      db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string; version: number }>(
          `WITH upd AS (
           -- Seats a buyer cancelled earlier were refunded then: only what is left counts here.
           UPDATE bookings b SET status = 'cancelled', payment_status = 'refunded', cancelled_at = now(),
                  refunded_cents = b.total_cents, version = b.version + 1, updated_at = now()
             FROM (SELECT id, refunded_cents AS before FROM bookings WHERE id = $1) o
            WHERE b.id = o.id AND b.status = 'confirmed'
           RETURNING b.id, b.event_id, b.total_cents - o.before AS total_cents, b.version
         ), msg AS (
           INSERT INTO outbox (id, topic, key, value, headers)
           SELECT $2, $3, $4, $5::json, $6::jsonb FROM upd
         ), progress AS (
           UPDATE event_cancellations c
              SET bookings_refunded = c.bookings_refunded + 1, refunded_cents = c.refunded_cents + upd.total_cents,
                  bookings_total = GREATEST(c.bookings_total, c.bookings_refunded + 1), updated_at = now()
             FROM upd WHERE c.event_id = upd.event_id
         )
         SELECT id, version FROM upd`,
          [bookingId, message.id, message.topic, message.key, JSON.stringify(message.value), JSON.stringify(message.headers)],
        );
        if (rows[0]) await cancelForSeats(tx, bookingId);
        return rows[0];
      }),

    /**
     * The event's refund of a booking that its buyer cancelled meanwhile (so the mark above did
     * not take it): what it gave back is added to the booking (never above its total) and to the
     * event's refunded amount by what it added, so a repeat adds nothing.
     */
    async recordRefundOfCancelled(bookingId: string, cents: number): Promise<void> {
      await db.transaction(async (tx) => {
        // Locked first: the buyer's cancellation may be recording its own refund on the same row.
        const { rows } = await tx.query<{ event_id: string; total_cents: string; refunded_cents: string }>(
          `SELECT event_id, total_cents::text, refunded_cents::text FROM bookings WHERE id = $1 AND status <> 'confirmed' FOR UPDATE`,
          [bookingId],
        );
        const b = rows[0];
        if (!b) return;
        const added = Math.min(Number(b.total_cents), Number(b.refunded_cents) + cents) - Number(b.refunded_cents);
        if (added <= 0) return;
        await tx.query(
          `UPDATE bookings SET refunded_cents = refunded_cents + $2,
                  payment_status = CASE WHEN refunded_cents + $2 >= total_cents THEN 'refunded' ELSE payment_status END,
                  version = version + 1, updated_at = now()
            WHERE id = $1`,
          [bookingId, added],
        );
        await tx.query(`UPDATE event_cancellations SET refunded_cents = refunded_cents + $2, updated_at = now() WHERE event_id = $1`, [
          b.event_id,
          added,
        ]);
      });
    },

    /**
     * Done: no booking of the event is confirmed any more. A booking counted at the start that
     * its buyer cancelled meanwhile was not this cancellation's to refund: the total becomes
     * what was refunded, so a completed cancellation never reads "7 of 8".
     */
    async complete(eventId: string): Promise<EventCancellationRow | undefined> {
      const { rows } = await db.query<EventCancellationRow>(
        `UPDATE event_cancellations SET status = 'completed', bookings_total = bookings_refunded, completed_at = now(), updated_at = now()
          WHERE event_id = $1 AND status = 'refunding'
         RETURNING ${COLUMNS}`,
        [eventId],
      );
      return rows[0];
    },
  };
}

export type EventCancellationsRepository = ReturnType<typeof createEventCancellationsRepository>;
