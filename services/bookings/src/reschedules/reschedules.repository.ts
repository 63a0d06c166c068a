import type { Queryable } from '@ticketing/db';
import { VERSION_HEADER, notificationRequests } from '@ticketing/contracts';

export interface RescheduleInput {
  eventId: string;
  /** Identifies this change of the event (the event-changes message id): one email per change and booking. */
  changeId: string;
  eventDate: Date;
  previousEventDate: Date | null;
  topic: string;
}

/**
 * One statement: every confirmed booking of the event takes the new start time (its snapshot
 * is what the buyer's pages and later emails show), and gets one `event_rescheduled` email in
 * the outbox. The email's id is derived from the change and the booking (md5 as a uuid), and
 * written ON CONFLICT DO NOTHING, so a redelivered change writes nothing new; the notification
 * service sends at most one email per id.
 */
const RESCHEDULE_SQL = `WITH moved AS (
  UPDATE bookings SET event_date = $3, updated_at = now()
   WHERE event_id = $1 AND event_date IS DISTINCT FROM $3
), emails AS (
  INSERT INTO outbox (id, topic, key, value, headers)
  SELECT md5('event_rescheduled:' || $2 || ':' || b.id)::uuid, $5, b.id::text,
         json_build_object(
           'type', 'event_rescheduled',
           'recipient_email', b.user_email,
           'booking_data', json_strip_nulls(json_build_object(
             'booking_id', b.id,
             'event_name', b.event_name,
             'venue', b.venue,
             'event_date', to_char($3::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'previous_event_date', to_char($4::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'seats', to_json(b.seats),
             'total_amount', (b.total_cents::numeric / 100)::numeric(16, 2),
             'currency', b.currency,
             'user_name', b.user_name)),
           'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
         jsonb_build_object($6::text, $7::text) || CASE WHEN b.traceparent IS NULL THEN '{}'::jsonb
                                                      ELSE jsonb_build_object('traceparent', b.traceparent) END
    FROM bookings b
   WHERE b.event_id = $1 AND b.status = 'confirmed'
  ON CONFLICT (id) DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS emails FROM emails`;

export function createReschedulesRepository(db: Queryable) {
  return {
    /** Returns how many emails this call wrote (0 when the change was handled before). */
    async reschedule(r: RescheduleInput): Promise<number> {
      const { rows } = await db.query<{ emails: number }>(RESCHEDULE_SQL, [
        r.eventId,
        r.changeId,
        r.eventDate,
        r.previousEventDate,
        r.topic,
        VERSION_HEADER,
        String(notificationRequests.version),
      ]);
      return rows[0]?.emails ?? 0;
    },
  };
}

export type ReschedulesRepository = ReturnType<typeof createReschedulesRepository>;
