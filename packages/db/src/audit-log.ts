import type { Queryable } from './types.ts';

/**
 * The audit log of organizer actions (who changed what, when), one convention for every
 * service that records them (users: organizations and members; events: event changes). Each
 * service's migrations create the table in its own schema, exactly as below:
 */
export const AUDIT_LOG_TABLE_SQL = `CREATE TABLE audit_log (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  event_id uuid,
  actor_id uuid NOT NULL,
  actor_email text NOT NULL,
  action text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_log_organization_idx ON audit_log (organization_id, at DESC, id);
CREATE INDEX audit_log_event_idx ON audit_log (event_id, at DESC, id) WHERE event_id IS NOT NULL;`;

export interface AuditEntry {
  organizationId: string;
  eventId?: string | undefined;
  actor: { id: string; email: string };
  /** `event.published`, `member.removed`, ... (docs/api.md lists them). */
  action: string;
  /** What changed: for an edit, the fields with their values before and after. */
  details?: Record<string, unknown>;
}

export interface AuditRow {
  id: string;
  organization_id: string;
  event_id: string | null;
  actor_id: string;
  actor_email: string;
  action: string;
  details: Record<string, unknown>;
  at: Date;
}

/** Newest first, `limit` at most, optionally only those older than `before` (keyset paging). */
export interface AuditQuery {
  organizationId?: string;
  eventId?: string;
  limit: number;
  before?: Date | undefined;
}

const COLUMNS = 'id, organization_id, event_id, actor_id, actor_email, action, details, at';

export function createAuditLog(db: Queryable) {
  return {
    /** Call it inside the transaction of the change it records, so neither exists without the other. */
    async record(entry: AuditEntry, tx: Queryable = db): Promise<void> {
      await tx.query(
        `INSERT INTO audit_log (id, organization_id, event_id, actor_id, actor_email, action, details)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6)`,
        [entry.organizationId, entry.eventId ?? null, entry.actor.id, entry.actor.email, entry.action, JSON.stringify(entry.details ?? {})],
      );
    },

    async list(q: AuditQuery): Promise<AuditRow[]> {
      const clauses: string[] = [];
      const params: unknown[] = [];
      if (q.organizationId !== undefined) clauses.push(`organization_id = $${params.push(q.organizationId)}`);
      if (q.eventId !== undefined) clauses.push(`event_id = $${params.push(q.eventId)}`);
      if (q.before !== undefined) clauses.push(`at < $${params.push(q.before)}`);
      const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
      const { rows } = await db.query<AuditRow>(
        `SELECT ${COLUMNS} FROM audit_log ${where} ORDER BY at DESC, id LIMIT $${params.push(q.limit)}`,
        params,
      );
      return rows;
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
