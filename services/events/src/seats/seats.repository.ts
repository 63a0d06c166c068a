import type { Queryable } from '@ticketing/db';

export type SeatStatus = 'available' | 'held' | 'booked';

/** The status a seat reads as (seat_status_now, sql/01_rules.sql): a seat held by a hold that has expired is available. */
export const SEAT_STATUS_SQL = `seat_status_now(status, hold_expires_at)`;

export interface AlternativesLookup {
  eventId: string;
  seatsPerRow: number;
  /** The requested seat numbers (never offered back). */
  requested: readonly number[];
  /** Inclusive seat-number ranges to look in. */
  windows: readonly (readonly [number, number])[];
  limit: number;
}

export interface SectionSalesRow {
  name: string;
  price_cents: number;
  first_row: number;
  row_count: number;
  seats: number;
  sold: number;
  held: number;
  available: number;
}

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

    /**
     * Each section of an event with its seats counted by the status they read as now, in
     * section order (the sales report). One pass over the event's seats.
     */
    async sectionSales(eventId: string): Promise<SectionSalesRow[]> {
      const { rows } = await db.query<SectionSalesRow & { price_cents: string }>(
        `SELECT sc.name, (sc.price * 100)::bigint AS price_cents, sc.first_row, sc.row_count, sc.seat_count AS seats,
                count(*) FILTER (WHERE x.st = 'booked')::int AS sold,
                count(*) FILTER (WHERE x.st = 'held')::int AS held,
                count(*) FILTER (WHERE x.st = 'available')::int AS available
           FROM sections sc
           JOIN LATERAL (
             SELECT ${SEAT_STATUS_SQL} AS st FROM seats s
              WHERE s.event_id = sc.event_id AND s.seat_no BETWEEN sc.first_seat_no AND sc.first_seat_no + sc.seat_count - 1
           ) x ON true
          WHERE sc.event_id = $1
          GROUP BY sc.section_no, sc.name, sc.price, sc.first_row, sc.row_count, sc.seat_count
          ORDER BY sc.section_no`,
        [eventId],
      );
      return rows.map((r) => ({ ...r, price_cents: Number(r.price_cents) }));
    },

    /** Every seat's status in seat order as one string: `0` available, `1` held, `2` booked. */
    async seatStatusString(eventId: string): Promise<string> {
      const { rows } = await db.query<{ status: string | null }>(
        `SELECT string_agg(CASE ${SEAT_STATUS_SQL} WHEN 'available' THEN '0' WHEN 'held' THEN '1' ELSE '2' END, '' ORDER BY seat_no) AS status
           FROM seats WHERE event_id = $1`,
        [eventId],
      );
      return rows[0]?.status ?? '';
    },

    /** When the first live hold of the event expires (a cached seat map is exact until then). */
    async nextHoldExpiry(eventId: string): Promise<Date | null> {
      const { rows } = await db.query<{ at: Date | null }>(
        // The fence (OFFSET 0): see lock_user_live_holds in sql/03_holds.sql.
        `SELECT min(h.expires_at) AS at
           FROM (SELECT status, expires_at FROM holds WHERE event_id = $1 AND status IN ('active', 'locked') OFFSET 0) AS h
          WHERE hold_is_live(h.status, h.expires_at)`,
        [eventId],
      );
      return rows[0]?.at ?? null;
    },

    /**
     * Free seats near the requested ones, for several lookups in one statement: for each, the
     * free seats inside its seat-number windows (its own requested seats excluded), nearest
     * first (same row as a requested seat before other rows, then the closest number), at most
     * its `limit`.
     */
    async freeSeatsNear(lookups: readonly AlternativesLookup[]): Promise<string[][]> {
      if (lookups.length === 0) return [];
      const requested = lookups.flatMap((l, i) => l.requested.map((n) => [i, n] as const));
      const windows = lookups.flatMap((l, i) => l.windows.map((w) => [i, w[0], w[1]] as const));
      const { rows } = await db.query<{ i: number; labels: string[] }>(
        `WITH lk AS (
           SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[]) WITH ORDINALITY AS l(event_id, spr, lim, i)
         ), rq AS (
           SELECT x.i, (x.seat_no - 1) / lk.spr AS row_i, (x.seat_no - 1) % lk.spr AS num, x.seat_no
             FROM unnest($4::int[], $5::int[]) AS x(i, seat_no) JOIN lk ON lk.i = x.i + 1
         ), cand AS (
           SELECT w.i, s.seat_no, s.label, lk.spr, lk.lim
             FROM unnest($6::int[], $7::int[], $8::int[]) AS w(i, lo, hi)
             JOIN lk ON lk.i = w.i + 1
             -- One primary-key range per window, behind a fence (OFFSET 0), whatever the statistics
             -- say: as a plain join, a seats table the statistics saw small was read whole (a hash
             -- join over a sequential scan: 200-800 ms per refused batch, docs/hold-plans.md).
             CROSS JOIN LATERAL (
               SELECT st.seat_no, st.label FROM seats st
                WHERE st.event_id = lk.event_id AND st.seat_no BETWEEN w.lo AND w.hi
                  AND seat_is_free(st.status, st.hold_expires_at)
               OFFSET 0
             ) AS s
         ), near AS (
           -- Each free seat's distance to the nearest requested seat of its lookup, set-based (a
           -- subquery per seat re-read every requested seat of the batch for each of them: half
           -- the database's CPU of a refused hold); the requested seats themselves are left out.
           SELECT c.i, c.seat_no, c.label, c.lim,
                  min(abs((c.seat_no - 1) / c.spr - q.row_i) * 100000 + abs((c.seat_no - 1) % c.spr - q.num)) AS distance
             FROM cand c JOIN rq q ON q.i = c.i
            GROUP BY c.i, c.seat_no, c.label, c.lim
           HAVING bool_and(q.seat_no <> c.seat_no)
         ), ranked AS (
           SELECT i, label, lim, row_number() OVER (PARTITION BY i ORDER BY distance, seat_no) AS rank FROM near
         )
         SELECT i, array_agg(label ORDER BY rank) AS labels FROM ranked WHERE rank <= lim GROUP BY i`,
        [
          lookups.map((l) => l.eventId),
          lookups.map((l) => l.seatsPerRow),
          lookups.map((l) => l.limit),
          requested.map((r) => r[0]),
          requested.map((r) => r[1]),
          windows.map((w) => w[0]),
          windows.map((w) => w[1]),
          windows.map((w) => w[2]),
        ],
      );
      const out: string[][] = lookups.map(() => []);
      for (const r of rows) out[r.i] = r.labels;
      return out;
    },
  };
}

export type SeatsRepository = ReturnType<typeof createSeatsRepository>;
