import type { OutboxRow } from '@ticketing/bus';
import type { Queryable } from '@ticketing/db';

export type ScanResult = 'valid' | 'already_used' | 'invalid' | 'wrong_event' | 'cancelled';
export type ScanSource = 'online' | 'offline';

/** A ticket's state as a scan sees it. */
export interface TicketState {
  id: string;
  event_id: string;
  booking_id: string;
  seat: string;
  status: 'valid' | 'cancelled';
  cancelled_at: Date | null;
  checked_in_at: Date | null;
  checked_in_gate: string | null;
  checked_in_source: ScanSource | null;
}

export interface Admission {
  ticketId: string;
  eventId: string;
  gate: string;
  scannedAt: Date;
  scannedBy: string;
}

export interface ScanLogRow {
  scanId: string;
  eventId: string;
  ticketId: string | null;
  gate: string;
  result: ScanResult;
  source: ScanSource;
  scannedAt: Date;
  scannedBy: string;
}

export interface GateCount {
  gate: string;
  admitted: number;
  scans: number;
  refused: number;
}

const STATE = `id, event_id, booking_id, seat, status, cancelled_at, checked_in_at, checked_in_gate, checked_in_source`;

export function createCheckInsRepository(db: Queryable) {
  return {
    /**
     * THE admission: one conditional statement, admitting the ticket only if it is valid and not
     * yet admitted, with its `ticket-check-ins` message in the same statement. Two gates scanning
     * at once both reach the row; the second waits for the first's row lock, re-checks the
     * condition on the committed row, and updates nothing. Returns whether this scan admitted it.
     */
    async admit(a: Admission, message: OutboxRow): Promise<boolean> {
      const { rows } = await db.query<{ id: string }>(
        `WITH upd AS (
           UPDATE tickets
              SET checked_in_at = $3, checked_in_gate = $4, checked_in_by = $5, checked_in_source = 'online',
                  checked_in_recorded_at = now()
            WHERE id = $1 AND event_id = $2 AND status = 'valid' AND checked_in_at IS NULL
           RETURNING id
         ), msg AS (
           INSERT INTO outbox (id, topic, key, value, headers)
           SELECT $6, $7, $8, $9::json, $10::jsonb FROM upd
         )
         SELECT id FROM upd`,
        [a.ticketId, a.eventId, a.scannedAt, a.gate, a.scannedBy, ...outboxParams(message)],
      );
      return rows.length === 1;
    },

    /**
     * An offline scan uploaded later: admits the ticket if it is valid and not admitted, or moves
     * its admission to this scan when this one is earlier (the earliest scan wins). The previous
     * admission is read under the row lock in the same statement. The message is written only
     * when the ticket had not been admitted before (one message per ticket).
     */
    async admitEarliest(
      a: Admission,
      message: OutboxRow,
    ): Promise<{ admitted: false } | { admitted: true; previous?: { gate: string; at: Date } }> {
      const { rows } = await db.query<{ previous_at: Date | null; previous_gate: string | null }>(
        `WITH prev AS (
           SELECT id, checked_in_at, checked_in_gate FROM tickets WHERE id = $1 AND event_id = $2 FOR UPDATE
         ), upd AS (
           UPDATE tickets t
              SET checked_in_at = $3, checked_in_gate = $4, checked_in_by = $5, checked_in_source = 'offline',
                  checked_in_recorded_at = now()
             FROM prev
            WHERE t.id = prev.id AND t.status = 'valid' AND (prev.checked_in_at IS NULL OR prev.checked_in_at > $3)
           RETURNING prev.checked_in_at AS previous_at, prev.checked_in_gate AS previous_gate
         ), msg AS (
           INSERT INTO outbox (id, topic, key, value, headers)
           SELECT $6, $7, $8, $9::json, $10::jsonb FROM upd WHERE upd.previous_at IS NULL
         )
         SELECT previous_at, previous_gate FROM upd`,
        [a.ticketId, a.eventId, a.scannedAt, a.gate, a.scannedBy, ...outboxParams(message)],
      );
      const row = rows[0];
      if (!row) return { admitted: false };
      return row.previous_at ? { admitted: true, previous: { gate: row.previous_gate!, at: row.previous_at } } : { admitted: true };
    },

    async findTicket(ticketId: string): Promise<TicketState | undefined> {
      const { rows } = await db.query<TicketState>(`SELECT ${STATE} FROM tickets WHERE id = $1`, [ticketId]);
      return rows[0];
    },

    /** Records the answers given (a re-uploaded scan, known by its id, is recorded once). */
    async logScans(scans: readonly ScanLogRow[]): Promise<void> {
      if (scans.length === 0) return;
      await db.query(
        `INSERT INTO check_in_scans (scan_id, event_id, ticket_id, gate, result, source, scanned_at, scanned_by)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::uuid[])
         ON CONFLICT (scan_id) DO NOTHING`,
        [
          scans.map((s) => s.scanId),
          scans.map((s) => s.eventId),
          scans.map((s) => s.ticketId),
          scans.map((s) => s.gate),
          scans.map((s) => s.result),
          scans.map((s) => s.source),
          scans.map((s) => s.scannedAt),
          scans.map((s) => s.scannedBy),
        ],
      );
    },

    /**
     * The event's counters: per gate the tickets admitted there (from the tickets) and the scans
     * answered there (from the scan log); and the event's valid tickets (sold, not cancelled).
     */
    async counters(eventId: string): Promise<{ gates: GateCount[]; admitted: number; ticketsSold: number; asOf: string }> {
      const { rows } = await db.query<{ gates: GateCount[] | null; admitted: number; tickets_sold: number; as_of: string }>(
        `WITH admitted AS (
           SELECT checked_in_gate AS gate, count(*)::int AS n FROM tickets
            WHERE event_id = $1 AND checked_in_at IS NOT NULL GROUP BY checked_in_gate
         ), scanned AS (
           SELECT gate, count(*)::int AS scans, (count(*) FILTER (WHERE result <> 'valid'))::int AS refused
             FROM check_in_scans WHERE event_id = $1 GROUP BY gate
         )
         SELECT (SELECT json_agg(json_build_object('gate', g.gate, 'admitted', COALESCE(a.n, 0), 'scans', COALESCE(s.scans, 0),
                                                   'refused', COALESCE(s.refused, 0)) ORDER BY g.gate)
                   FROM (SELECT gate FROM admitted UNION SELECT gate FROM scanned) g
                   LEFT JOIN admitted a ON a.gate = g.gate LEFT JOIN scanned s ON s.gate = g.gate) AS gates,
                (SELECT COALESCE(sum(n), 0)::int FROM admitted) AS admitted,
                (SELECT count(*)::int FROM tickets WHERE event_id = $1 AND status = 'valid') AS tickets_sold,
                -- The statement's start: a later reading has a later one (streams keep the newest).
                (extract(epoch FROM now()) * 1000000)::bigint::text AS as_of`,
        [eventId],
      );
      const row = rows[0]!;
      return { gates: row.gates ?? [], admitted: row.admitted, ticketsSold: row.tickets_sold, asOf: row.as_of };
    },
  };
}

function outboxParams(m: OutboxRow): unknown[] {
  return [m.id, m.topic, m.key, JSON.stringify(m.value), JSON.stringify(m.headers)];
}

export type CheckInsRepository = ReturnType<typeof createCheckInsRepository>;
