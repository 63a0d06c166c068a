import type { Queryable } from '@ticketing/db';

export interface CancelledEvent {
  cancelled_at: Date;
  cancelled_by: string;
  /** False when the event was already cancelled (nothing was written this time). */
  now: boolean;
  /** The holds this cancellation released, with the seats it freed. */
  released: { hold_id: string; user_id: string; seats: string[] }[];
}

/**
 * One statement cancels the event: marks it, releases its active holds and frees their seats,
 * announces each release (`seat-events`) and the cancellation (`event-cancellations`) through
 * the outbox. All or nothing; a second call finds the event cancelled and writes nothing.
 * A hold locked for payment is left to its booking: the bookings worker refunds it once
 * confirmed (docs/bookings.md, "Event cancellation").
 *
 * $1 event, $2 user, $3 reason, $4 seat-events topic (NULL: none), $5 event-cancellations topic.
 */
const CANCEL_SQL = `WITH ev AS (
  UPDATE events SET cancelled_at = now(), cancelled_by = $2, cancel_reason = $3
   WHERE id = $1 AND cancelled_at IS NULL
  RETURNING id, created_by, cancelled_at, cancelled_by
), rel AS (
  UPDATE holds h SET status = 'released', updated_at = now()
    FROM ev WHERE h.event_id = ev.id AND h.status = 'active'
  RETURNING h.id, h.user_id, h.seat_nos, h.seat_labels
), freed AS (
  UPDATE seats s SET status = 'available', hold_id = NULL, hold_expires_at = NULL
    FROM rel WHERE s.event_id = $1 AND s.seat_no = ANY (rel.seat_nos) AND s.hold_id = rel.id AND s.status = 'held'
  RETURNING s.hold_id, s.label
), seat_msgs AS (
  INSERT INTO outbox (id, topic, key, value, headers)
  SELECT gen_random_uuid(), $4::text, $1::text, seat_event('seats.released', $1::uuid, rel.id, rel.user_id, NULL, rel.seat_labels),
         seat_event_headers()
    FROM rel WHERE $4::text IS NOT NULL
), cancel_msg AS (
  INSERT INTO outbox (id, topic, key, value, headers)
  SELECT gen_random_uuid(), $5::text, ev.id::text,
         json_build_object('event_id', ev.id, 'owner_id', ev.created_by, 'cancelled_by', ev.cancelled_by,
                           'cancelled_at', to_char(ev.cancelled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                           'reason', $3::text),
         '{"message_version": "1"}'::jsonb
    FROM ev
)
SELECT ev.cancelled_at, ev.cancelled_by, true AS now,
       COALESCE((SELECT json_agg(json_build_object('hold_id', rel.id, 'user_id', rel.user_id,
                  'seats', COALESCE((SELECT array_agg(f.label) FROM freed f WHERE f.hold_id = rel.id), '{}')))
                   FROM rel), '[]'::json) AS released
  FROM ev`;

export function createCancellationRepository(db: Queryable, opts: { seatEventsTopic?: string | undefined; cancellationsTopic: string }) {
  return {
    /** Cancels the event (see CANCEL_SQL); undefined when it does not exist. */
    async cancel(eventId: string, userId: string, reason: string): Promise<CancelledEvent | undefined> {
      const { rows } = await db.query<CancelledEvent>(CANCEL_SQL, [
        eventId,
        userId,
        reason,
        opts.seatEventsTopic ?? null,
        opts.cancellationsTopic,
      ]);
      if (rows[0]) return rows[0];
      // Not cancelled by this statement: already cancelled (maybe by a concurrent call), or no such event.
      const found = await db.query<{ cancelled_at: Date | null; cancelled_by: string | null }>(
        'SELECT cancelled_at, cancelled_by FROM events WHERE id = $1',
        [eventId],
      );
      const e = found.rows[0];
      if (!e?.cancelled_at || !e.cancelled_by) return undefined;
      return { cancelled_at: e.cancelled_at, cancelled_by: e.cancelled_by, now: false, released: [] };
    },
  };
}

export type CancellationRepository = ReturnType<typeof createCancellationRepository>;
