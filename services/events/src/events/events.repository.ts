import type { Queryable } from '@ticketing/db';
import type { Section } from '../seats/seat-layout.ts';

export interface EventRow {
  id: string;
  name: string;
  description: string;
  venue: string;
  city: string;
  category: string;
  event_date: Date;
  total_seats: number;
  seats_per_row: number;
  /** numeric(12,2) as text: money never passes through a float in SQL or JS arithmetic. The lowest section price. */
  price_per_seat: string;
  hold_ttl_seconds: number;
  /** ISO 4217, two decimals (the prices' cents are its minor units). */
  currency: string;
  created_by: string;
  created_at: Date;
  /** When its organizer cancelled it (no holds since then), or null. */
  cancelled_at: Date | null;
  /** Its layout and prices, in seat order (fixed at creation, cached with the event). */
  sections: Section[];
  /** The organization the event belongs to (a personal one has the creator's user id); never changes. */
  organization_id: string;
  /** The stored status; on sale and ended are derived from the sales window and the clock. */
  status: StoredEventStatus;
  sales_start: Date | null;
  sales_end: Date | null;
  published_at: Date | null;
  updated_at: Date;
  /** Buyers may cancel until this many hours before the start; null: buyers cannot cancel. */
  cancellation_hours: number | null;
  /** numeric(5,2) as text: the part of the seats' price kept when a buyer cancels. */
  cancellation_fee_percent: string;
  /** How long a waiting-list offer of this event holds its seats; null: the service's default. */
  waitlist_offer_ttl_seconds: number | null;
}

export type StoredEventStatus = 'draft' | 'published' | 'cancelled';

export type NewEvent = Omit<
  EventRow,
  | 'created_at'
  | 'updated_at'
  | 'published_at'
  | 'cancelled_at'
  | 'cancellation_hours'
  | 'cancellation_fee_percent'
  | 'waitlist_offer_ttl_seconds'
> &
  Partial<Pick<EventRow, 'cancellation_hours' | 'cancellation_fee_percent' | 'waitlist_offer_ttl_seconds'>>;

/** What an organizer may edit (docs/api.md PATCH /api/events/{id}). */
export interface EventChanges {
  name?: string;
  description?: string;
  venue?: string;
  city?: string;
  category?: string;
  event_date?: Date;
  sales_start?: Date | null;
  sales_end?: Date | null;
  cancellation_hours?: number | null;
  cancellation_fee_percent?: string;
  waitlist_offer_ttl_seconds?: number | null;
}

/** Seats taken right now: `held` counts live holds only (an expired hold's seats are free). */
export interface SeatCounts {
  total: number;
  held: number;
  booked: number;
}

export interface SeatCountsRow extends SeatCounts {
  /** When the first live hold expires: until then these counts stay true unless a write happens. */
  next_expiry: Date | null;
}

export interface EventFilters {
  city?: string | undefined;
  name?: string | undefined;
  category?: string | undefined;
  createdBy?: string | undefined;
  organizationId?: string | undefined;
  /** Drafts are listed only for the organization's members. */
  includeDrafts: boolean;
  from?: Date | undefined;
  /** Exclusive upper bound when `toExclusive`, else inclusive. */
  to?: Date | undefined;
  toExclusive?: boolean;
  limit: number;
  offset: number;
}

const COLUMNS = `id, name, description, venue, city, category, event_date, total_seats, seats_per_row,
  price_per_seat::text AS price_per_seat, hold_ttl_seconds, currency, created_by, created_at, cancelled_at,
  (SELECT json_agg(json_build_object('section_no', s.section_no, 'name', s.name, 'first_seat_no', s.first_seat_no,
            'seat_count', s.seat_count, 'first_row', s.first_row, 'row_count', s.row_count,
            'seats_per_row', s.seats_per_row, 'price', s.price::text) ORDER BY s.section_no)
     FROM sections s WHERE s.event_id = events.id) AS sections, organization_id, status,
  sales_start, sales_end, published_at, updated_at, cancellation_hours, cancellation_fee_percent::text AS cancellation_fee_percent,
  waitlist_offer_ttl_seconds`;
const INSERTED_COLUMNS = `id, name, description, venue, city, category, event_date, total_seats, seats_per_row,
  price_per_seat::text AS price_per_seat, hold_ttl_seconds, currency, created_by, created_at, organization_id, status,
  sales_start, sales_end, published_at, updated_at, cancelled_at, cancellation_hours,
  cancellation_fee_percent::text AS cancellation_fee_percent, waitlist_offer_ttl_seconds`;

function filterSql(f: EventFilters): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    clauses.push(sql(`$${params.length}`));
  };
  // strpos, not LIKE: `%` and `_` in the search text are plain characters.
  if (f.city !== undefined) add((p) => `strpos(lower(city), lower(${p})) > 0`, f.city);
  if (f.name !== undefined) add((p) => `strpos(lower(name), lower(${p})) > 0`, f.name);
  if (f.category !== undefined) add((p) => `category = ${p}`, f.category);
  if (f.createdBy !== undefined) add((p) => `created_by = ${p}`, f.createdBy);
  if (f.organizationId !== undefined) add((p) => `organization_id = ${p}`, f.organizationId);
  if (!f.includeDrafts) clauses.push(`status <> 'draft'`);
  if (f.from !== undefined) add((p) => `event_date >= ${p}`, f.from);
  if (f.to !== undefined) add((p) => (f.toExclusive ? `event_date < ${p}` : `event_date <= ${p}`), f.to);
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function createEventsRepository(db: Queryable) {
  return {
    /**
     * Inserts the event, its sections and all its seats in one statement (set-based: 100,000
     * seats take well under a second), so an event never exists without its layout.
     */
    async insertEventWithSeats(e: NewEvent, tx: Queryable = db): Promise<EventRow> {
      const sec = e.sections;
      const { rows } = await tx.query<Omit<EventRow, 'sections'>>(
        `WITH ev AS (
           INSERT INTO events (id, name, description, venue, city, category, event_date, total_seats, seats_per_row,
                               price_per_seat, hold_ttl_seconds, created_by, currency, organization_id, status, sales_start,
                               sales_end, published_at, cancellation_hours, cancellation_fee_percent, waitlist_offer_ttl_seconds)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11, $12, $13, $22, $23, $24, $25,
                   CASE WHEN $23 = 'published' THEN now() END, $26, $27::numeric, $28)
           RETURNING ${INSERTED_COLUMNS}
         ), sec AS (
           INSERT INTO sections (event_id, section_no, name, first_seat_no, seat_count, first_row, row_count, seats_per_row, price)
           SELECT ev.id, t.*
             FROM ev, unnest($14::int[], $15::text[], $16::int[], $17::int[], $18::int[], $19::int[], $20::int[], $21::numeric[])
                  AS t(section_no, name, first_seat_no, seat_count, first_row, row_count, seats_per_row, price)
           RETURNING event_id, first_seat_no, seat_count, first_row, row_count, seats_per_row
         ), seat_rows AS (
           INSERT INTO seats (event_id, seat_no, label)
           SELECT sec.event_id, sec.first_seat_no + r.i * sec.seats_per_row + n - 1, r.letters || n
             FROM sec
            CROSS JOIN LATERAL (SELECT i, seat_row_label(sec.first_row + i) AS letters FROM generate_series(0, sec.row_count - 1) AS i) AS r
            CROSS JOIN LATERAL generate_series(1, sec.seats_per_row) AS n
            WHERE r.i * sec.seats_per_row + n <= sec.seat_count
         )
         SELECT * FROM ev`,
        [
          e.id,
          e.name,
          e.description,
          e.venue,
          e.city,
          e.category,
          e.event_date,
          e.total_seats,
          e.seats_per_row,
          e.price_per_seat,
          e.hold_ttl_seconds,
          e.created_by,
          e.currency,
          sec.map((s) => s.section_no),
          sec.map((s) => s.name),
          sec.map((s) => s.first_seat_no),
          sec.map((s) => s.seat_count),
          sec.map((s) => s.first_row),
          sec.map((s) => s.row_count),
          sec.map((s) => s.seats_per_row),
          sec.map((s) => s.price),
          e.organization_id,
          e.status,
          e.sales_start,
          e.sales_end,
          e.cancellation_hours ?? null,
          e.cancellation_fee_percent ?? '0',
          e.waitlist_offer_ttl_seconds ?? null,
        ],
      );
      return { ...rows[0]!, sections: sec.map((s) => ({ ...s })) };
    },

    async findById(id: string, tx: Queryable = db, lock = false): Promise<EventRow | undefined> {
      const { rows } = await tx.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
      return rows[0];
    },

    /** Applies an organizer's edit (only the given fields). */
    async updateEvent(id: string, changes: EventChanges, tx: Queryable = db): Promise<EventRow> {
      const sets: string[] = [];
      const params: unknown[] = [id];
      for (const [column, value] of Object.entries(changes)) {
        if (value === undefined) continue;
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      }
      const { rows } = await tx.query<EventRow>(
        `UPDATE events SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
        params,
      );
      return rows[0]!;
    },

    async setStatus(id: string, status: StoredEventStatus, tx: Queryable = db): Promise<EventRow> {
      const { rows } = await tx.query<EventRow>(
        `UPDATE events SET status = $2, updated_at = now(),
                published_at = CASE WHEN $2 = 'published' THEN COALESCE(published_at, now()) ELSE published_at END
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, status],
      );
      return rows[0]!;
    },

    async list(f: EventFilters): Promise<{ rows: EventRow[]; total: number }> {
      const { where, params } = filterSql(f);
      const [page, count] = await Promise.all([
        db.query<EventRow>(
          `SELECT ${COLUMNS} FROM events ${where} ORDER BY event_date, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, f.limit, f.offset],
        ),
        db.query<{ total: number }>(`SELECT count(*)::int AS total FROM events ${where}`, params),
      ]);
      return { rows: page.rows, total: count.rows[0]?.total ?? 0 };
    },

    /**
     * Live counts of several events: booked from the confirmed holds, held from the live holds
     * (both index-only; no counter row that every confirmation of the event would write).
     */
    async seatCounts(ids: readonly string[]): Promise<Map<string, SeatCountsRow>> {
      const { rows } = await db.query<{ id: string; total: number; booked: number; held: number; next_expiry: Date | null }>(
        `SELECT e.id, e.total_seats AS total, COALESCE(b.booked, 0)::int AS booked, COALESCE(h.held, 0)::int AS held, h.next_expiry
           FROM events e
           LEFT JOIN LATERAL (SELECT sum(seat_count) AS booked FROM holds WHERE event_id = e.id AND status = 'confirmed') b ON true
           LEFT JOIN LATERAL (
             -- The fence (OFFSET 0): see lock_user_live_holds in sql/03_holds.sql.
             SELECT sum(l.seat_count) AS held, min(l.expires_at) AS next_expiry
               FROM (SELECT status, expires_at, seat_count FROM holds WHERE event_id = e.id AND status IN ('active', 'locked') OFFSET 0) AS l
              WHERE hold_is_live(l.status, l.expires_at)
           ) h ON true
          WHERE e.id = ANY($1::uuid[])`,
        [ids],
      );
      return new Map(rows.map((r) => [r.id, { total: r.total, held: r.held, booked: r.booked, next_expiry: r.next_expiry }]));
    },
  };
}

export type EventsRepository = ReturnType<typeof createEventsRepository>;
