import type { Queryable } from '@ticketing/db';

export interface WaitingRoomRow {
  event_id: string;
  enabled: boolean;
  opens_at: Date;
  admit_per_minute: number;
  /** `fixed`: admit_per_minute; `adaptive`: follows the measured latency, admit_per_minute is the ceiling. */
  admission: 'fixed' | 'adaptive';
  token_ttl_seconds: number;
  grace_seconds: number;
  updated_at: Date;
}

const COLUMNS = 'event_id, enabled, opens_at, admit_per_minute, admission, token_ttl_seconds, grace_seconds, updated_at';

export function createWaitingRoomRepository(db: Queryable) {
  return {
    async findByEvent(eventId: string): Promise<WaitingRoomRow | undefined> {
      const { rows } = await db.query<WaitingRoomRow>(`SELECT ${COLUMNS} FROM waiting_rooms WHERE event_id = $1`, [eventId]);
      return rows[0];
    },

    async upsert(row: Omit<WaitingRoomRow, 'updated_at'> & { updated_by: string }): Promise<WaitingRoomRow> {
      const { rows } = await db.query<WaitingRoomRow>(
        `INSERT INTO waiting_rooms (event_id, enabled, opens_at, admit_per_minute, token_ttl_seconds, grace_seconds, updated_by, admission)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (event_id) DO UPDATE SET enabled = $2, opens_at = $3, admit_per_minute = $4, token_ttl_seconds = $5,
           grace_seconds = $6, updated_by = $7, admission = $8, updated_at = now()
         RETURNING ${COLUMNS}`,
        [
          row.event_id,
          row.enabled,
          row.opens_at,
          row.admit_per_minute,
          row.token_ttl_seconds,
          row.grace_seconds,
          row.updated_by,
          row.admission,
        ],
      );
      return rows[0]!;
    },

    /** Rooms that admit now: switched on, opened, for an event that has not started. */
    async findAdmitting(): Promise<WaitingRoomRow[]> {
      const { rows } = await db.query<WaitingRoomRow>(
        `SELECT ${COLUMNS.split(', ')
          .map((c) => `w.${c}`)
          .join(', ')}
           FROM waiting_rooms w JOIN events e ON e.id = w.event_id
          WHERE w.enabled AND w.opens_at <= now() AND e.event_date > now()`,
      );
      return rows;
    },
  };
}

export type WaitingRoomRepository = ReturnType<typeof createWaitingRoomRepository>;
