import type { Queryable } from '@ticketing/db';

export type TicketStatus = 'valid' | 'cancelled';

export interface TicketRow {
  id: string;
  booking_id: string;
  event_id: string;
  seat: string;
  code: string;
  status: TicketStatus;
  issued_at: Date;
  cancelled_at: Date | null;
}

/** A ticket with the event snapshot of its booking, for the buyer's lists. */
export interface BuyerTicketRow extends TicketRow {
  event_name: string;
  venue: string;
  event_date: Date;
}

/** A ticket to issue: its signed code is made before the confirming statement (issueTickets). */
export type NewTicket = Pick<TicketRow, 'id' | 'booking_id' | 'event_id' | 'seat' | 'code'>;

const COLUMNS = `t.id, t.booking_id, t.event_id, t.seat, t.code, t.status, t.issued_at, t.cancelled_at`;
const BUYER_COLUMNS = `${COLUMNS}, b.event_name, b.venue, b.event_date`;

/**
 * THE way tickets stop being valid (event cancellation, a buyer's cancellation, a refund): one
 * conditional statement, so it composes with the admission at the door (docs/checkin.md): only
 * valid tickets not yet admitted are cancelled, and the row lock decides between the two. `seats` undefined:
 * every ticket of the booking. Returns the tickets it cancelled; run it in the transaction that
 * changes the booking, so the booking and its tickets never disagree.
 */
export async function cancelForSeats(tx: Queryable, bookingId: string, seats?: readonly string[]): Promise<TicketRow[]> {
  const { rows } = await tx.query<TicketRow>(
    `UPDATE tickets t SET status = 'cancelled', cancelled_at = now()
      WHERE t.booking_id = $1 AND t.status = 'valid' AND t.checked_in_at IS NULL AND ($2::text[] IS NULL OR t.seat = ANY($2::text[]))
      RETURNING ${COLUMNS}`,
    [bookingId, seats ?? null],
  );
  return rows;
}

export function createTicketsRepository(db: Queryable) {
  return {
    cancelForSeats: (bookingId: string, seats?: readonly string[], tx: Queryable = db) => cancelForSeats(tx, bookingId, seats),

    /** The tickets of one booking, in seat order. */
    async listForBooking(bookingId: string): Promise<BuyerTicketRow[]> {
      const { rows } = await db.query<BuyerTicketRow>(
        `SELECT ${BUYER_COLUMNS} FROM tickets t JOIN bookings b ON b.id = t.booking_id
          WHERE t.booking_id = $1 ORDER BY t.seat`,
        [bookingId],
      );
      return rows;
    },

    /** A buyer's tickets, the soonest event first. */
    async listForUser(userId: string, filter: { limit: number; offset: number }): Promise<{ rows: BuyerTicketRow[]; total: number }> {
      const [page, count] = await Promise.all([
        db.query<BuyerTicketRow>(
          `SELECT ${BUYER_COLUMNS} FROM tickets t JOIN bookings b ON b.id = t.booking_id
            WHERE b.user_id = $1
            ORDER BY b.event_date, t.booking_id, t.seat
            LIMIT $2 OFFSET $3`,
          [userId, filter.limit, filter.offset],
        ),
        db.query<{ total: number }>(
          `SELECT count(*)::int AS total FROM tickets t JOIN bookings b ON b.id = t.booking_id WHERE b.user_id = $1`,
          [userId],
        ),
      ]);
      return { rows: page.rows, total: count.rows[0]?.total ?? 0 };
    },

    async findById(id: string): Promise<TicketRow | undefined> {
      const { rows } = await db.query<TicketRow>(`SELECT ${COLUMNS} FROM tickets t WHERE t.id = $1`, [id]);
      return rows[0];
    },
  };
}

export type TicketsRepository = ReturnType<typeof createTicketsRepository>;
