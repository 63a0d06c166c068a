import type { Queryable } from '@ticketing/db';

export interface EndpointRow {
  id: string;
  organization_id: string;
  url: string;
  description: string;
  event_types: string[];
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  consecutive_failures: number;
  failing_since: Date | null;
  created_by: string;
  created_by_email: string;
  created_at: Date;
  updated_at: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  give_up_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface AttemptRow {
  attempt: number;
  started_at: Date;
  latency_ms: number;
  status_code: number | null;
  error: string | null;
  succeeded: boolean;
}

/** A delivery claimed by a dispatcher: everything one attempt needs. */
export interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  organization_id: string;
  event_id: string;
  event_type: string;
  /** This attempt's number (1 for the first). */
  attempts: number;
  give_up_at: Date;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  body: string;
}

export interface AlertRow {
  id: string;
  endpoint_id: string;
  organization_id: string;
  reason: string;
  attempts: number;
  url: string;
  created_by_email: string;
}

const ENDPOINT_COLUMNS = `id, organization_id, url, description, event_types, secret, previous_secret, previous_secret_expires_at,
  enabled, disabled_reason, disabled_at, consecutive_failures, failing_since, created_by, created_by_email, created_at, updated_at`;

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.event_id, ev.type AS event_type, d.status, d.attempts, d.next_attempt_at, d.give_up_at,
  d.last_status_code, d.last_error, d.last_latency_ms, d.delivered_at, d.created_at, d.updated_at`;

const clip = (text: string | null, max = 2000) => (text === null ? null : text.slice(0, max));

export function createWebhooksRepository() {
  return {
    async insertEndpoint(
      db: Queryable,
      e: Pick<EndpointRow, 'id' | 'organization_id' | 'url' | 'description' | 'event_types' | 'secret' | 'created_by' | 'created_by_email'>,
    ): Promise<EndpointRow> {
      const { rows } = await db.query<EndpointRow>(
        `INSERT INTO webhook_endpoints (id, organization_id, url, description, event_types, secret, created_by, created_by_email)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${ENDPOINT_COLUMNS}`,
        [e.id, e.organization_id, e.url, e.description, e.event_types, e.secret, e.created_by, e.created_by_email],
      );
      return rows[0]!;
    },

    /** Counts the organization's endpoints with the organization's rows locked, so racing creations respect the limit. */
    async lockAndCountForOrganization(tx: Queryable, organizationId: string): Promise<number> {
      // One advisory lock per organization: there may be no row to lock yet.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('webhook_endpoints'), hashtext($1))`, [organizationId]);
      const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE organization_id = $1`, [
        organizationId,
      ]);
      return rows[0]!.n;
    },

    async findEndpoint(db: Queryable, id: string): Promise<EndpointRow | undefined> {
      const { rows } = await db.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id]);
      return rows[0];
    },

    async listEndpoints(db: Queryable, organizationId: string): Promise<EndpointRow[]> {
      const { rows } = await db.query<EndpointRow>(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE organization_id = $1 ORDER BY created_at, id`,
        [organizationId],
      );
      return rows;
    },

    async updateEndpoint(
      db: Queryable,
      id: string,
      change: { url?: string | undefined; description?: string | undefined; event_types?: string[] | undefined },
    ): Promise<EndpointRow | undefined> {
      const { rows } = await db.query<EndpointRow>(
        `UPDATE webhook_endpoints SET url = COALESCE($2, url), description = COALESCE($3, description),
           event_types = COALESCE($4, event_types), updated_at = now()
         WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
        [id, change.url ?? null, change.description ?? null, change.event_types ?? null],
      );
      return rows[0];
    },

    /**
     * Enables (failure counters reset, its waiting deliveries due at once) or disables (its
     * waiting deliveries parked, so the due loop never scans them) an endpoint.
     */
    async setEnabled(tx: Queryable, id: string, enabled: boolean, reason: string | null, now: Date): Promise<EndpointRow | undefined> {
      const { rows } = await tx.query<EndpointRow>(
        `UPDATE webhook_endpoints SET enabled = $2,
           disabled_reason = CASE WHEN $2 THEN NULL ELSE $3 END, disabled_at = CASE WHEN $2 THEN NULL ELSE $4::timestamptz END,
           consecutive_failures = CASE WHEN $2 THEN 0 ELSE consecutive_failures END,
           failing_since = CASE WHEN $2 THEN NULL ELSE failing_since END, updated_at = now()
         WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
        [id, enabled, reason, now],
      );
      if (rows[0]) {
        await tx.query(
          `UPDATE webhook_deliveries SET next_attempt_at = CASE WHEN $2 THEN $3::timestamptz ELSE 'infinity' END, updated_at = now()
           WHERE endpoint_id = $1 AND status = 'pending'`,
          [id, enabled, now],
        );
      }
      return rows[0];
    },

    async deleteEndpoint(db: Queryable, id: string): Promise<boolean> {
      const { rowCount } = await db.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [id]);
      return rowCount > 0;
    },

    /** The new secret signs from now on; the old one keeps signing too until `previousExpiresAt`. */
    async rotateSecret(db: Queryable, id: string, secret: string, previousExpiresAt: Date): Promise<EndpointRow | undefined> {
      const { rows } = await db.query<EndpointRow>(
        `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $3, secret = $2, updated_at = now()
         WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
        [id, secret, previousExpiresAt],
      );
      return rows[0];
    },

    /** Stores an event once (a second copy, e.g. a redelivered message, changes nothing); true when new. */
    async insertEvent(tx: Queryable, e: { id: string; organizationId: string; type: string; body: string }): Promise<boolean> {
      const { rowCount } = await tx.query(
        `INSERT INTO webhook_events (id, organization_id, type, body) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
        [e.id, e.organizationId, e.type, e.body],
      );
      return rowCount > 0;
    },

    /** One delivery per enabled endpoint of the organization subscribed to the type, once (by endpoint and event). */
    async fanOut(
      tx: Queryable,
      e: { eventId: string; organizationId: string; type: string },
      now: Date,
      maxAgeMs: number,
    ): Promise<number> {
      const { rowCount } = await tx.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at, give_up_at)
         SELECT gen_random_uuid(), e.id, $1, 'pending', $4::timestamptz, $4::timestamptz + make_interval(secs => $5::float8 / 1000)
         FROM webhook_endpoints e
         WHERE e.organization_id = $2 AND e.enabled AND $3 = ANY (e.event_types)
         ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
        [e.eventId, e.organizationId, e.type, now, maxAgeMs],
      );
      return rowCount;
    },

    /** A delivery of an event to one endpoint (a test event), due now. */
    async insertDelivery(tx: Queryable, d: { id: string; endpointId: string; eventId: string }, now: Date, maxAgeMs: number) {
      await tx.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at, give_up_at)
         VALUES ($1, $2, $3, 'pending', $4::timestamptz, $4::timestamptz + make_interval(secs => $5::float8 / 1000))`,
        [d.id, d.endpointId, d.eventId, now, maxAgeMs],
      );
    },

    /**
     * Claims the next due delivery of an enabled endpoint in one statement: its attempt count
     * goes up and its next attempt moves a lease ahead, so no other dispatcher takes it while
     * this one sends, and one that dies leaves it due again once the lease has passed.
     */
    async claimDue(db: Queryable, now: Date, leaseMs: number): Promise<ClaimedDelivery | undefined> {
      const { rows } = await db.query<ClaimedDelivery>(
        `WITH due AS (
           SELECT d.id FROM webhook_deliveries d
           WHERE d.status = 'pending' AND d.next_attempt_at <= $1
           ORDER BY d.next_attempt_at
           LIMIT 1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE webhook_deliveries d
         SET attempts = d.attempts + 1, next_attempt_at = $1::timestamptz + make_interval(secs => $2::float8 / 1000), updated_at = now()
         FROM due, webhook_endpoints e, webhook_events ev
         WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id
         RETURNING d.id, d.endpoint_id, e.organization_id, d.event_id, ev.type AS event_type, d.attempts, d.give_up_at,
           e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, ev.body`,
        [now, leaseMs],
      );
      return rows[0];
    },

    async logAttempt(
      tx: Queryable,
      a: {
        deliveryId: string;
        attempt: number;
        startedAt: Date;
        latencyMs: number;
        statusCode: number | null;
        error: string | null;
        succeeded: boolean;
      },
    ): Promise<void> {
      await tx.query(
        `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, latency_ms, status_code, error, succeeded)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [a.deliveryId, a.attempt, a.startedAt, a.latencyMs, a.statusCode, clip(a.error), a.succeeded],
      );
    },

    /**
     * Records the outcome of the attempt numbered `attempt`, unless the delivery has moved on
     * (claimed again after this dispatcher outlived its lease, or replayed): false then.
     */
    async finishAttempt(
      tx: Queryable,
      id: string,
      attempt: number,
      outcome: {
        status: DeliveryStatus;
        nextAttemptAt: Date | null;
        statusCode: number | null;
        error: string | null;
        latencyMs: number;
        now: Date;
      },
    ): Promise<boolean> {
      const { rowCount } = await tx.query(
        `UPDATE webhook_deliveries SET status = $3, next_attempt_at = COALESCE($4, next_attempt_at), last_status_code = $5,
           last_error = $6, last_latency_ms = $7, delivered_at = CASE WHEN $3 = 'delivered' THEN $8::timestamptz ELSE delivered_at END,
           updated_at = now()
         WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
        [id, attempt, outcome.status, outcome.nextAttemptAt, outcome.statusCode, clip(outcome.error), outcome.latencyMs, outcome.now],
      );
      return rowCount > 0;
    },

    /** A success ends a run of failures (written only when there was one: no hot-row write per delivery). */
    async endpointSucceeded(tx: Queryable, endpointId: string): Promise<void> {
      await tx.query(
        `UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL
         WHERE id = $1 AND (consecutive_failures <> 0 OR failing_since IS NOT NULL)`,
        [endpointId],
      );
    },

    /** Counts a failure; returns the endpoint's run of failures (undefined when it is gone or already disabled). */
    async endpointFailed(
      tx: Queryable,
      endpointId: string,
      now: Date,
    ): Promise<{ consecutive_failures: number; failing_since: Date } | undefined> {
      const { rows } = await tx.query<{ consecutive_failures: number; failing_since: Date }>(
        `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, $2)
         WHERE id = $1 AND enabled RETURNING consecutive_failures, failing_since`,
        [endpointId, now],
      );
      return rows[0];
    },

    async insertAlert(tx: Queryable, a: { id: string; endpointId: string; organizationId: string; reason: string; now: Date }) {
      await tx.query(
        `INSERT INTO webhook_alerts (id, endpoint_id, organization_id, reason, status, next_attempt_at) VALUES ($1, $2, $3, $4, 'pending', $5)`,
        [a.id, a.endpointId, a.organizationId, a.reason, a.now],
      );
    },

    /** Claims the next due alert (same lease scheme as deliveries). */
    async claimDueAlert(db: Queryable, now: Date, leaseMs: number): Promise<AlertRow | undefined> {
      const { rows } = await db.query<AlertRow>(
        `WITH due AS (
           SELECT id FROM webhook_alerts WHERE status = 'pending' AND next_attempt_at <= $1
           ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
         )
         UPDATE webhook_alerts a SET attempts = a.attempts + 1, next_attempt_at = $1::timestamptz + make_interval(secs => $2::float8 / 1000)
         FROM due, webhook_endpoints e
         WHERE a.id = due.id AND e.id = a.endpoint_id
         RETURNING a.id, a.endpoint_id, a.organization_id, a.reason, a.attempts, e.url, e.created_by_email`,
        [now, leaseMs],
      );
      return rows[0];
    },

    async finishAlert(db: Queryable, id: string, status: 'sent' | 'dead' | 'pending', nextAttemptAt: Date | null, error: string | null) {
      await db.query(
        `UPDATE webhook_alerts SET status = $2, next_attempt_at = COALESCE($3, next_attempt_at), last_error = $4 WHERE id = $1`,
        [id, status, nextAttemptAt, clip(error)],
      );
    },

    async listDeliveries(
      db: Queryable,
      endpointId: string,
      q: { limit: number; offset: number; status?: DeliveryStatus | undefined },
    ): Promise<{ rows: DeliveryRow[]; total: number }> {
      const params = [endpointId, q.status ?? null];
      const where = `d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2)`;
      const [{ rows }, count] = await Promise.all([
        db.query<DeliveryRow>(
          `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
           WHERE ${where} ORDER BY d.created_at DESC, d.id LIMIT $3 OFFSET $4`,
          [...params, q.limit, q.offset],
        ),
        db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries d WHERE ${where}`, params),
      ]);
      return { rows, total: count.rows[0]!.n };
    },

    async findDelivery(db: Queryable, id: string): Promise<(DeliveryRow & { organization_id: string; body: string }) | undefined> {
      const { rows } = await db.query<DeliveryRow & { organization_id: string; body: string }>(
        `SELECT ${DELIVERY_COLUMNS}, ev.organization_id, ev.body FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
         WHERE d.id = $1`,
        [id],
      );
      return rows[0];
    },

    async listAttempts(db: Queryable, deliveryId: string, limit = 100): Promise<AttemptRow[]> {
      const { rows } = await db.query<AttemptRow>(
        `SELECT attempt, started_at, latency_ms, status_code, error, succeeded FROM webhook_attempts
         WHERE delivery_id = $1 ORDER BY id DESC LIMIT $2`,
        [deliveryId, limit],
      );
      return rows;
    },

    /** Sends a delivery again (same event id and body), whatever its status, from now on for another max age. */
    async replay(db: Queryable, id: string, now: Date, maxAgeMs: number): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2,
           give_up_at = $2::timestamptz + make_interval(secs => $3::float8 / 1000), updated_at = now()
         WHERE id = $1`,
        [id, now, maxAgeMs],
      );
      return rowCount > 0;
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
