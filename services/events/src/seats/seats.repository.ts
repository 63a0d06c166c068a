import type { Queryable } from '@ticketing/db';

export type SeatStatus = 'available' | 'held' | 'booked';

/** The status a seat reads as: a seat held by a hold that has expired is available. */
export const SEAT_STATUS_SQL = `CASE WHEN status = 'booked' THEN 'booked'
  WHEN status = 'held' AND hold_expires_at > now() THEN 'held' ELSE 'available' END`;

export function createSeatsRepository(db: Queryable) {
  return {
    /** Every seat of an event in seat order, with the status it reads as now. */
    async seatMap(eventId: string): Promise<{ seat_no: number; label: string; status: SeatStatus }[]> {
      const { rows } = await db.query<{ seat_no: number; label: string; status: SeatStatus }>(
        `SELECT seat_no, label, ${SEAT_STATUS_SQL} AS status FROM seats WHERE event_id = $1 ORDER BY seat_no`,
        [eventId],
      );
      return rows;
    },

    /** When the first live hold of the event expires (a cached seat map is exact until then). */
    async nextHoldExpiry(eventId: string): Promise<Date | null> {
      const { rows } = await db.query<{ at: Date | null }>(
        `SELECT min(expires_at) AS at FROM holds WHERE event_id = $1 AND status IN ('active', 'locked') AND expires_at > now()`,
        [eventId],
      );
      return rows[0]?.at ?? null;
    },

    /**
     * Free seats inside the given seat-number windows, nearest first: the same row as a
     * requested seat before other rows, then the closest number.
     */
    async freeSeatsNear(input: {
      eventId: string;
      seatsPerRow: number;
      requested: readonly number[];
      windows: readonly (readonly [number, number])[];
      limit: number;
    }): Promise<string[]> {
      const { rows } = await db.query<{ label: string }>(
        `WITH req AS (SELECT (r - 1) / $2 AS row_i, (r - 1) % $2 AS num FROM unnest($3::int[]) AS r),
         cand AS (
           SELECT s.seat_no, s.label FROM unnest($4::int[], $5::int[]) AS w(lo, hi)
             JOIN seats s ON s.event_id = $1 AND s.seat_no BETWEEN w.lo AND w.hi
            WHERE (s.status = 'available' OR (s.status = 'held' AND s.hold_expires_at <= now()))
              AND s.seat_no <> ALL($3::int[])
         )
         SELECT c.label FROM cand c
          ORDER BY (SELECT min(abs((c.seat_no - 1) / $2 - q.row_i) * 100000 + abs((c.seat_no - 1) % $2 - q.num)) FROM req q), c.seat_no
          LIMIT $6`,
        [input.eventId, input.seatsPerRow, input.requested, input.windows.map((w) => w[0]), input.windows.map((w) => w[1]), input.limit],
      );
      return rows.map((r) => r.label);
    },
  };
}

export type SeatsRepository = ReturnType<typeof createSeatsRepository>;
