import type { Queryable } from '@ticketing/db';

/** The stored status of an entry (migration 015). */
export type WaitlistEntryStatus = 'waiting' | 'offered' | 'fulfilled' | 'expired' | 'declined' | 'left';

export interface WaitlistEntryRow {
  id: string;
  event_id: string;
  user_id: string;
  section_no: number | null;
  section: string | null;
  quantity: number;
  status: WaitlistEntryStatus;
  hold_id: string | null;
  joined_at: Date;
  /** 1 = next; only while waiting. */
  position: number | null;
  /** The offer's hold, when there is one. */
  hold_status: string | null;
  hold_live: boolean | null;
  seat_labels: string[] | null;
  offer_expires_at: Date | null;
  total_price: string | null;
  currency: string;
}

/** What one offering pass did (sql/05_waitlist.sql waitlist_offer). */
export interface OfferPassRow {
  kind: 'offered' | 'ended';
  entry_id: string;
  user_id: string;
  hold_id: string;
  seat_labels: string[];
  expires_at: Date;
}

const ENTRY_COLUMNS = `e.id::text AS id, e.event_id, e.user_id, e.section_no, sec.name AS section, e.quantity, e.status, e.hold_id,
  e.joined_at,
  CASE WHEN e.status = 'waiting' THEN
    (SELECT count(*)::int FROM waitlist_entries o
      WHERE o.event_id = e.event_id AND o.status = 'waiting' AND o.id <= e.id) END AS position,
  h.status AS hold_status, hold_is_live(h.status, h.expires_at) AS hold_live, h.seat_labels, h.expires_at AS offer_expires_at,
  h.total_price::text AS total_price, ev.currency`;

const ENTRY_FROM = `waitlist_entries e
  JOIN events ev ON ev.id = e.event_id
  LEFT JOIN sections sec ON sec.event_id = e.event_id AND sec.section_no = e.section_no
  LEFT JOIN holds h ON h.id = e.hold_id`;

export function createWaitlistRepository(
  db: Queryable,
  opts: { seatEventsTopic?: string | undefined; offersTopic?: string | undefined; publicUrl?: string } = {},
) {
  return {
    /** Free seats among seat numbers from..to, counted up to `upTo` (whether a quantity still fits). */
    async countFreeSeats(eventId: string, from: number, to: number, upTo: number): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT 1 FROM seats s WHERE s.event_id = $1 AND s.seat_no BETWEEN $2 AND $3 AND seat_is_free(s.status, s.hold_expires_at)
            LIMIT $4) AS f`,
        [eventId, from, to, upTo],
      );
      return rows[0]!.n;
    },

    /** Adds an entry at the end of the list; undefined when the account already has one there. */
    async insertEntry(
      entry: { eventId: string; userId: string; email: string; name: string; sectionNo: number | null; quantity: number },
      tx: Queryable = db,
    ): Promise<string | undefined> {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO waitlist_entries (event_id, user_id, email, name, section_no, quantity)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (event_id, user_id, COALESCE(section_no, 0)) WHERE status IN ('waiting', 'offered') DO NOTHING
         RETURNING id::text`,
        [entry.eventId, entry.userId, entry.email, entry.name, entry.sectionNo, entry.quantity],
      );
      return rows[0]?.id;
    },

    async findEntry(id: string, tx: Queryable = db): Promise<WaitlistEntryRow | undefined> {
      const { rows } = await tx.query<WaitlistEntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE e.id = $1::bigint`, [id]);
      return rows[0];
    },

    /** The entry on the list (waiting or offered) of this account, event and section. */
    async findCurrentEntry(eventId: string, userId: string, sectionNo: number | null): Promise<WaitlistEntryRow | undefined> {
      const { rows } = await db.query<WaitlistEntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_FROM}
          WHERE e.event_id = $1 AND e.user_id = $2 AND COALESCE(e.section_no, 0) = COALESCE($3::int, 0)
            AND e.status IN ('waiting', 'offered')`,
        [eventId, userId, sectionNo],
      );
      return rows[0];
    },

    /** The latest entries of these accounts on an event (on the list first, then the newest ended ones). */
    async entriesOf(eventId: string, userIds: readonly string[], limitPerUser = 10): Promise<WaitlistEntryRow[]> {
      const { rows } = await db.query<WaitlistEntryRow>(
        `SELECT * FROM (
           SELECT ${ENTRY_COLUMNS},
                  row_number() OVER (PARTITION BY e.user_id ORDER BY (e.status IN ('waiting', 'offered')) DESC, e.id DESC) AS rn
             FROM ${ENTRY_FROM}
            WHERE e.event_id = $1 AND e.user_id = ANY ($2::uuid[])) AS x
          WHERE x.rn <= $3 ORDER BY x.user_id, x.rn`,
        [eventId, userIds, limitPerUser],
      );
      return rows;
    },

    /** The entry, its row locked until the transaction ends. */
    async lockEntry(
      tx: Queryable,
      id: string,
    ): Promise<{ id: string; event_id: string; user_id: string; status: WaitlistEntryStatus; hold_id: string | null } | undefined> {
      const { rows } = await tx.query<{
        id: string;
        event_id: string;
        user_id: string;
        status: WaitlistEntryStatus;
        hold_id: string | null;
      }>(`SELECT id::text AS id, event_id, user_id, status, hold_id FROM waitlist_entries WHERE id = $1::bigint FOR UPDATE`, [id]);
      return rows[0];
    },

    /** Ends an entry that is still on the list; false when it had ended already. */
    async endEntry(tx: Queryable, id: string, status: 'left' | 'declined'): Promise<boolean> {
      const { rowCount } = await tx.query(
        `UPDATE waitlist_entries SET status = $2, updated_at = now() WHERE id = $1::bigint AND status IN ('waiting', 'offered')`,
        [id, status],
      );
      return rowCount > 0;
    },

    /** One offering pass over an event's list (sql/05_waitlist.sql); one transaction. */
    async offerPass(eventId: string, defaultTtlSeconds: number): Promise<OfferPassRow[]> {
      const { rows } = await db.query<OfferPassRow>(
        `SELECT kind, entry_id::text AS entry_id, user_id, hold_id, seat_labels, expires_at FROM waitlist_offer($1, $2, $3, $4, $5)`,
        [eventId, defaultTtlSeconds, opts.seatEventsTopic ?? null, opts.offersTopic ?? null, opts.publicUrl ?? 'http://127.0.0.1:8080'],
      );
      return rows;
    },

    /** Events whose list has entries waiting or offered (each pass of the loop looks at them). */
    async eventsWithList(): Promise<string[]> {
      const { rows } = await db.query<{ event_id: string }>(
        `SELECT DISTINCT event_id FROM waitlist_entries WHERE status IN ('waiting', 'offered')`,
      );
      return rows.map((r) => r.event_id);
    },
  };
}

export type WaitlistRepository = ReturnType<typeof createWaitlistRepository>;
