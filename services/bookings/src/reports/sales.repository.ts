import type { Queryable } from '@ticketing/db';

/** Every status a booking can have, in the order the report lists them. */
export const REPORT_STATUSES = ['processing', 'payment_action_required', 'confirmed', 'failed', 'cancelled'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export interface SalesFilter {
  status?: ReportStatus | undefined;
  /** Row labels of a section (`A`, `B`, …): a booking matches when one of its seats is in one of them. */
  rows?: readonly string[] | undefined;
  /** Part of the buyer's name or email, any case. */
  search?: string | undefined;
  /** Booked at or after. */
  from?: Date | undefined;
  /** Booked before. */
  to?: Date | undefined;
}

export interface SalesBookingRow {
  id: string;
  status: ReportStatus;
  payment_status: string;
  user_name: string;
  user_email: string;
  seats: string[];
  /** bigint arrives as text from the driver. */
  total_cents: string;
  currency: string;
  created_at: Date;
  confirmed_at: Date | null;
  cancelled_at: Date | null;
}

export interface StatusTotals {
  status: ReportStatus;
  bookings: number;
  seats: number;
  cents: number;
  /** Given back to the buyers: cancellations, refunds, a refund in full made elsewhere. */
  refundedCents: number;
}

const COLUMNS = `id, status, payment_status, user_name, user_email, seats, total_cents, currency, created_at, confirmed_at, cancelled_at`;

/** `%`, `_` and `\` are literal in a search: only the buyer's text is matched. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The WHERE clause of a filter, with its parameters after the event id ($1). */
function where(eventId: string, f: SalesFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [eventId];
  const parts = ['event_id = $1'];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    parts.push(sql(`$${params.length}`));
  };
  if (f.status) add((n) => `status = ${n}`, f.status);
  if (f.search) add((n) => `(lower(user_name) LIKE ${n} ESCAPE '\\' OR lower(user_email) LIKE ${n} ESCAPE '\\')`, likePattern(f.search));
  if (f.from) add((n) => `created_at >= ${n}`, f.from);
  if (f.to) add((n) => `created_at < ${n}`, f.to);
  if (f.rows)
    add((n) => `EXISTS (SELECT 1 FROM unnest(seats) AS l(label) WHERE rtrim(l.label, '0123456789') = ANY (${n}::text[]))`, f.rows);
  return { sql: parts.join(' AND '), params };
}

/**
 * The sales report's reads of the bookings table (index bookings_event_status). Buyer name and
 * email are the booking's own: copied from the buyer's token when the booking was submitted.
 */
export function createSalesRepository(db: Queryable) {
  return {
    /** Bookings, seats and money of an event by booking status. */
    async totals(eventId: string): Promise<StatusTotals[]> {
      // A payment refunded in full outside a cancellation (the provider's dashboard) has no refunded_cents: all of it went back.
      const { rows } = await db.query<{ status: ReportStatus; bookings: number; seats: number; cents: string; refunded: string }>(
        `SELECT status, count(*)::int AS bookings, COALESCE(sum(cardinality(seats)), 0)::int AS seats,
                COALESCE(sum(total_cents), 0)::bigint AS cents,
                COALESCE(sum(CASE WHEN payment_status = 'refunded' THEN total_cents ELSE refunded_cents END), 0)::bigint AS refunded
           FROM bookings WHERE event_id = $1 GROUP BY status`,
        [eventId],
      );
      return rows.map(({ refunded, ...r }) => ({ ...r, cents: Number(r.cents), refundedCents: Number(refunded) }));
    },

    /** One page of the filtered bookings, newest first, and how many match in all. */
    async list(
      eventId: string,
      filter: SalesFilter,
      page: { limit: number; offset: number },
    ): Promise<{ rows: SalesBookingRow[]; total: number }> {
      const w = where(eventId, filter);
      const n = w.params.length;
      const [list, count] = await Promise.all([
        db.query<SalesBookingRow>(
          `SELECT ${COLUMNS} FROM bookings WHERE ${w.sql} ORDER BY created_at DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
          [...w.params, page.limit, page.offset],
        ),
        db.query<{ total: number }>(`SELECT count(*)::int AS total FROM bookings WHERE ${w.sql}`, w.params),
      ]);
      return { rows: list.rows, total: count.rows[0]?.total ?? 0 };
    },

    /**
     * Every filtered booking, newest first, read in pages after a (created_at, id) position so
     * that an export of any size holds neither a transaction nor the whole result.
     */
    async *each(eventId: string, filter: SalesFilter, pageSize = 500): AsyncGenerator<SalesBookingRow> {
      const w = where(eventId, filter);
      const n = w.params.length;
      // The position is kept as PostgreSQL's own text of created_at: a JS Date would cut the
      // microseconds, and rows within the cut-off millisecond would be skipped.
      let after: { at: string; id: string } | undefined;
      for (;;) {
        const { rows } = await db.query<SalesBookingRow & { position_at: string }>(
          `SELECT ${COLUMNS}, created_at::text AS position_at FROM bookings
            WHERE ${w.sql} AND ($${n + 1}::timestamptz IS NULL OR (created_at, id) < ($${n + 1}::timestamptz, $${n + 2}::uuid))
            ORDER BY created_at DESC, id DESC LIMIT $${n + 3}`,
          [...w.params, after?.at ?? null, after?.id ?? null, pageSize],
        );
        for (const { position_at: _, ...row } of rows) yield row;
        if (rows.length < pageSize) return;
        const last = rows.at(-1)!;
        after = { at: last.position_at, id: last.id };
      }
    },
  };
}

export type SalesRepository = ReturnType<typeof createSalesRepository>;
