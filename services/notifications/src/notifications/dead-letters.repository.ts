import { randomUUID } from 'node:crypto';
import type { Queryable } from '@ticketing/db';

export interface DeadLetter {
  /** The topic the message came from, or `reminders`. */
  source: string;
  messageId: string;
  bookingId?: string | undefined;
  type?: string | undefined;
  partition?: number | undefined;
  offset?: string | undefined;
  raw: string;
  errorType: string;
  error: string;
}

// PostgreSQL text cannot hold NUL; a malformed message may.
const clean = (s: string) => s.replaceAll('\u0000', '\uFFFD');

export function createDeadLettersRepository(db: Queryable) {
  return {
    /** Records a dead letter; the same message dead-lettered again bumps `occurrences`. */
    async record(d: DeadLetter, tx: Queryable = db): Promise<void> {
      await tx.query(
        `INSERT INTO dead_letters (id, source, message_id, booking_id, type, partition, "offset", raw, error_type, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (source, message_id) DO UPDATE SET
           occurrences = dead_letters.occurrences + 1, error_type = EXCLUDED.error_type, error = EXCLUDED.error,
           "offset" = EXCLUDED."offset", partition = EXCLUDED.partition, last_seen_at = now()`,
        [
          randomUUID(),
          d.source,
          d.messageId,
          d.bookingId ?? null,
          d.type ?? null,
          d.partition ?? null,
          d.offset ?? null,
          clean(d.raw).slice(0, 100_000),
          d.errorType,
          clean(d.error).slice(0, 2000),
        ],
      );
    },
  };
}

export type DeadLettersRepository = ReturnType<typeof createDeadLettersRepository>;
