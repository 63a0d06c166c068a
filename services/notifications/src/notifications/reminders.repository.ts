import type { Queryable } from '@ticketing/db';
import type { NotificationBookingData, NotificationBookingDataV1 } from '@ticketing/contracts';

export type ReminderStatus = 'pending' | 'sent' | 'skipped' | 'cancelled' | 'dead';

export interface ReminderRow {
  booking_id: string;
  recipient_email: string;
  /** Stored as written: by this version, or with the amount as decimal text by an earlier one. */
  payload: NotificationBookingData | NotificationBookingDataV1;
  event_date: Date;
  due_at: Date;
  next_attempt_at: Date;
  status: ReminderStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export function createRemindersRepository() {
  return {
    /** Schedules the reminder of a booking once; a second call for the same booking changes nothing. */
    async schedule(
      tx: Queryable,
      r: { bookingId: string; recipientEmail: string; payload: ReminderRow['payload']; eventDate: Date; dueAt: Date },
    ): Promise<boolean> {
      const { rowCount } = await tx.query(
        `INSERT INTO reminders (booking_id, recipient_email, payload, event_date, due_at, next_attempt_at, status)
         VALUES ($1, $2, $3, $4, $5, $5, 'pending')
         ON CONFLICT (booking_id) DO NOTHING`,
        [r.bookingId, r.recipientEmail, JSON.stringify(r.payload), r.eventDate, r.dueAt],
      );
      return rowCount > 0;
    },

    /** The event moved: a pending reminder is due before the new start time, and says it. */
    async move(tx: Queryable, bookingId: string, eventDate: Date, dueAt: Date): Promise<void> {
      await tx.query(
        `UPDATE reminders
            SET event_date = $2, due_at = $3, next_attempt_at = $3, updated_at = now(),
                payload = jsonb_set(payload::jsonb, '{event_date}', to_jsonb(to_char($2::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
          WHERE booking_id = $1 AND status = 'pending'`,
        [bookingId, eventDate, dueAt],
      );
    },

    /** A booking that failed after all gets no reminder. */
    async cancel(tx: Queryable, bookingId: string): Promise<void> {
      await tx.query(`UPDATE reminders SET status = 'cancelled', updated_at = now() WHERE booking_id = $1 AND status = 'pending'`, [
        bookingId,
      ]);
    },

    /**
     * Claims the next due reminder in one statement: its next attempt moves `leaseMs` ahead, so
     * no other scheduler picks it while this one sends, and a scheduler that dies mid-send leaves
     * it due again once the lease has passed.
     */
    async claimDue(db: Queryable, now: Date, leaseMs: number): Promise<ReminderRow | undefined> {
      const { rows } = await db.query<ReminderRow>(
        `WITH due AS (
           SELECT booking_id, next_attempt_at FROM reminders
           WHERE status = 'pending' AND next_attempt_at <= $1
           ORDER BY next_attempt_at, booking_id
           LIMIT 1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE reminders r SET next_attempt_at = $1::timestamptz + make_interval(secs => $2::float8 / 1000), updated_at = now()
         FROM due WHERE r.booking_id = due.booking_id
         RETURNING r.*`,
        [now, leaseMs],
      );
      return rows[0];
    },

    async finish(tx: Queryable, bookingId: string, status: 'sent' | 'skipped' | 'dead', note: string | null, now: Date): Promise<void> {
      await tx.query(
        `UPDATE reminders SET status = $2, last_error = $3, attempts = attempts + CASE WHEN $2 = 'skipped' THEN 0 ELSE 1 END,
           sent_at = CASE WHEN $2 = 'sent' THEN $4::timestamptz ELSE sent_at END, updated_at = now()
         WHERE booking_id = $1`,
        [bookingId, status, note?.slice(0, 2000) ?? null, now],
      );
    },

    async retryLater(tx: Queryable, bookingId: string, nextAttemptAt: Date, error: string): Promise<void> {
      await tx.query(
        `UPDATE reminders SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, updated_at = now() WHERE booking_id = $1`,
        [bookingId, nextAttemptAt, error.slice(0, 2000)],
      );
    },
  };
}

export type RemindersRepository = ReturnType<typeof createRemindersRepository>;
