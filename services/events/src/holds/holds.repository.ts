import type { HoldStatus } from '@ticketing/contracts';
import type { Queryable } from '@ticketing/db';
import { createScanHints, type ScanHints } from './scan-hints.ts';

export type { HoldStatus };

export interface HoldRow {
  id: string;
  user_id: string;
  event_id: string;
  event_name: string;
  venue: string;
  event_date: Date;
  seat_nos: number[];
  seat_labels: string[];
  seat_count: number;
  total_price: string;
  currency: string;
  expires_at: Date;
  /** The stored status; `live` says whether `expires_at` is still ahead (by the database clock). */
  status: HoldStatus;
  live: boolean;
  booking_id: string | null;
}

export interface HoldSeatsInput {
  holdId: string;
  eventId: string;
  userId: string;
  /** Distinct seat numbers in ascending order (the order rows are locked in); empty for best available. */
  seatNos: readonly number[];
  maxActiveHolds: number;
  /** Best available: `quantity` adjacent seats among seat numbers from..to, in rows of perRow seats. */
  bestAvailable?: { quantity: number; from: number; to: number; perRow: number } | undefined;
  /** The request's Idempotency-Key and a fingerprint of its body. */
  idempotency?: { key: string; hash: string } | undefined;
}

/** How a request was decided; `live` is the user's live holds when refused for the limit. */
export type HoldSeatsOutcome =
  | { kind: 'event_not_found' }
  | { kind: 'sales_closed' }
  | { kind: 'limit_reached'; live: number }
  | { kind: 'unavailable'; taken: string[] }
  /** Best available found no adjacent free seats. */
  | { kind: 'no_seats' }
  /** The Idempotency-Key is used by a request still being decided. */
  | { kind: 'key_in_use' }
  /** The Idempotency-Key made a hold for another request body. */
  | { kind: 'key_mismatch' }
  /** Held; for a retry with an Idempotency-Key, `holdId` is the hold the first request made. */
  | { kind: 'held'; holdId: string; labels: string[]; expiresAt: Date; totalPrice: string };

/**
 * The one statement that decides a hold. It locks the requested seat rows in seat order
 * (FOR UPDATE re-reads each row's latest committed version, so the availability test sees
 * every concurrent hold), then inserts the hold and marks its seats only when every requested
 * seat is free (seat_is_free, sql/01_rules.sql). All seats or none, no deadlocks (one lock
 * order), one round trip. The per-user limit is serialised per (event, user) by
 * lock_user_live_holds, taken before any seat lock. It answers the row shape of
 * hold_seats_batch (sql/03_holds.sql), so one mapper reads both.
 *
 * With a topic, the same statement writes the `seats.held` outbox row (sql/04_seat_events.sql), so the
 * seat event commits with the hold or not at all.
 *
 * $1 event id, $2 seat numbers (ascending int[]), $3 hold id, $4 user id, $5 max live holds,
 * $6 seat-events topic (NULL: no outbox row). bench/holds runs this exact text under pgbench.
 */
export const HOLD_SEATS_SQL = `WITH ev AS (
  SELECT id, hold_ttl_seconds, sales_open(status, sales_start, sales_end, event_date) AND cancelled_at IS NULL AS open
    FROM events WHERE id = $1 AND status <> 'draft'
), quota AS (
  SELECT lock_user_live_holds(ev.id, $4) AS live FROM ev WHERE ev.open
), locked AS (
  SELECT s.seat_no, s.label, seat_is_free(s.status, s.hold_expires_at) AS free
    FROM seats s
   WHERE s.event_id = $1 AND s.seat_no = ANY($2::int[]) AND (SELECT live FROM quota) < $5
   ORDER BY s.seat_no
   FOR UPDATE
), verdict AS (
  SELECT count(*) FILTER (WHERE free) = cardinality($2::int[]) AS ok,
         array_agg(label ORDER BY seat_no) AS labels,
         array_agg(label ORDER BY seat_no) FILTER (WHERE NOT free) AS taken
    FROM locked
), ins AS (
  INSERT INTO holds (id, event_id, user_id, seat_nos, seat_labels, seat_count, total_price, status, expires_at)
  SELECT $3, ev.id, $4, $2::int[], verdict.labels, cardinality($2::int[]), seats_price(ev.id, $2::int[]),
         'active', now() + make_interval(secs => ev.hold_ttl_seconds)
    FROM ev, verdict WHERE verdict.ok
  RETURNING id, event_id, seat_labels, expires_at, total_price
), announced AS (
  INSERT INTO outbox (id, topic, key, value, headers)
  SELECT gen_random_uuid(), $6::text, ins.event_id::text, seat_event('seats.held', ins.event_id, ins.id, $4, NULL, ins.seat_labels),
         seat_event_headers()
    FROM ins WHERE $6::text IS NOT NULL
), upd AS (
  UPDATE seats s SET status = 'held', hold_id = ins.id, hold_expires_at = ins.expires_at
    FROM ins WHERE s.event_id = $1 AND s.seat_no = ANY($2::int[])
  RETURNING s.seat_no
)
SELECT CASE WHEN NOT ev.open THEN 'sales_closed' WHEN quota.live >= $5 THEN 'limit_reached'
            WHEN ins.id IS NULL THEN 'unavailable' ELSE 'held' END AS outcome,
       quota.live, verdict.taken, ins.id AS hold_id, ins.seat_labels, ins.expires_at,
       CASE WHEN ins.id IS NULL THEN NULL
            WHEN (SELECT count(*) FROM upd) = cardinality($2::int[]) THEN ins.total_price::text
            ELSE 'partial' END AS total_price
  FROM ev LEFT JOIN quota ON true LEFT JOIN verdict ON true LEFT JOIN ins ON true`;

/** A decided request, as both HOLD_SEATS_SQL and hold_seats_batch answer it. */
export interface DecidedHoldRow {
  outcome: HoldSeatsOutcome['kind'];
  live: number | null;
  taken: string[] | null;
  hold_id: string | null;
  seat_labels: string[] | null;
  expires_at: Date | null;
  /** The hold's total as decimal text; 'partial' if it did not get every seat (never, while the locks hold). */
  total_price: string | null;
  /** Best available (hold_seats_batch only): the section's first free seat when the batch looked. */
  scan_from?: number | null;
}

/** The one mapper from a decided row to an outcome; no row means the event does not exist. */
export function toHoldSeatsOutcome(row: DecidedHoldRow | undefined): HoldSeatsOutcome {
  if (!row) return { kind: 'event_not_found' };
  switch (row.outcome) {
    case 'held':
      // Impossible while the statement holds the row locks; refuse to report a partial hold.
      if (row.hold_id === null || row.total_price === null || row.total_price === 'partial') {
        throw new Error(`hold ${row.hold_id} was not given all its seats`);
      }
      return { kind: 'held', holdId: row.hold_id, labels: row.seat_labels ?? [], expiresAt: row.expires_at!, totalPrice: row.total_price };
    case 'unavailable':
      return { kind: 'unavailable', taken: row.taken ?? [] };
    case 'limit_reached':
      return { kind: 'limit_reached', live: row.live ?? 0 };
    case 'sales_closed':
    case 'event_not_found':
    case 'no_seats':
    case 'key_in_use':
    case 'key_mismatch':
      return { kind: row.outcome };
  }
}

const HOLD_COLUMNS = `h.id, h.user_id, h.event_id, e.name AS event_name, e.venue, e.event_date, h.seat_nos, h.seat_labels,
  h.seat_count, h.total_price::text AS total_price, e.currency, h.expires_at, h.status, hold_is_live(h.status, h.expires_at) AS live, h.booking_id`;

/** A lock or confirm of one hold, as transition_holds (sql/06_transitions.sql) takes it. */
export interface TransitionInput {
  holdId: string;
  /** The user the hold must belong to (lock only). */
  userId?: string | undefined;
  bookingId: string;
  /** The payment window a lock gives the hold (lock only). */
  lockSeconds?: number | undefined;
  /** The booking's amount, which must be the hold's total (lock only; unset: not checked). */
  totalPrice?: number | undefined;
}

/** How transition_holds decided one request; `hold` is the hold as it is now (absent when unknown). */
export interface TransitionOutcome {
  outcome: 'ok' | 'hold_not_found' | 'hold_not_active' | 'hold_expired' | 'amount_mismatch' | 'seats_unavailable';
  reason: string | null;
  changed: boolean;
  hold: HoldRow | undefined;
}

/** Frees exactly the seats of one hold, locking them in seat order. */
function seatsOfHoldSql(set: string, condition: string): string {
  return `WITH l AS (
    SELECT seat_no FROM seats
     WHERE event_id = $1 AND seat_no = ANY($2::int[]) AND ${condition}
     ORDER BY seat_no FOR UPDATE
  )
  UPDATE seats s SET ${set} FROM l WHERE s.event_id = $1 AND s.seat_no = l.seat_no RETURNING s.seat_no`;
}

const OWNED = `hold_id = $3 AND status = 'held'`;

export interface SweptHold {
  id: string;
  event_id: string;
  user_id: string;
  seat_labels: string[];
  booking_id: string | null;
  /** Labels of the seats this sweep actually freed (a seat already re-held by someone else is left alone). */
  freed: string[];
}

/** The seat change a transition announces (an outbox row of `seat-events`). */
export interface SeatEvent {
  type: 'seats.held' | 'seats.released' | 'seats.booked' | 'seats.expired';
  eventId: string;
  holdId: string;
  userId: string;
  bookingId: string | null;
  seats: readonly string[];
}

/**
 * @param opts.seatEventsTopic Where seat changes are announced (written to the outbox in the
 * same statement or transaction as the change); undefined writes no outbox rows (no Kafka).
 */
export function createHoldsRepository(db: Queryable, opts: { seatEventsTopic?: string | undefined; scanHints?: ScanHints } = {}) {
  const hints = opts.scanHints ?? createScanHints();
  const topic = opts.seatEventsTopic ?? null;
  return {
    async holdSeats(input: HoldSeatsInput, tx: Queryable = db): Promise<HoldSeatsOutcome> {
      // Best available and idempotency keys are decided by the batch function only (a batch of one).
      if (input.bestAvailable || input.idempotency) return (await this.holdSeatsBatch([input], tx))[0]!;
      const { rows } = await tx.query<DecidedHoldRow>(HOLD_SEATS_SQL, [
        input.eventId,
        input.seatNos,
        input.holdId,
        input.userId,
        input.maxActiveHolds,
        topic,
      ]);
      return toHoldSeatsOutcome(rows[0]);
    },

    /**
     * Group commit: decides a batch of requests in one round trip (hold_seats_batch,
     * sql/03_holds.sql), each exactly as the single statement would have alone, in arrival order.
     */
    async holdSeatsBatch(inputs: readonly HoldSeatsInput[], tx: Queryable = db): Promise<HoldSeatsOutcome[]> {
      const first: number[] = [];
      const seatNos: number[] = [];
      for (const i of inputs) {
        first.push(seatNos.length + 1);
        seatNos.push(...i.seatNos);
      }
      const scanFrom = inputs.map((i) => (i.bestAvailable ? hints.startOf(i.eventId, i.bestAvailable.from, i.bestAvailable.to) : null));
      const { rows } = await tx.query<DecidedHoldRow>(
        `SELECT * FROM hold_seats_batch($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::int[], $6::int[], $7::int[],
                                        $8::int[], $9::int[], $10::int[], $11::int[], $12::int[], $13::text[], $14::text[], $15::text)`,
        [
          inputs.map((i) => i.holdId),
          inputs.map((i) => i.eventId),
          inputs.map((i) => i.userId),
          inputs.map((i) => i.maxActiveHolds),
          first,
          inputs.map((i) => i.seatNos.length),
          seatNos,
          inputs.map((i) => i.bestAvailable?.quantity ?? null),
          inputs.map((i) => i.bestAvailable?.from ?? null),
          inputs.map((i) => i.bestAvailable?.to ?? null),
          inputs.map((i) => i.bestAvailable?.perRow ?? null),
          scanFrom,
          inputs.map((i) => i.idempotency?.key ?? null),
          inputs.map((i) => i.idempotency?.hash ?? null),
          topic,
        ],
      );
      rows.forEach((r, k) => {
        const best = inputs[k]!.bestAvailable;
        if (best && r.scan_from !== null && r.scan_from !== undefined) {
          hints.learn(inputs[k]!.eventId, best.from, best.to, r.scan_from, scanFrom[k] !== null);
        }
      });
      return rows.map((r) => toHoldSeatsOutcome(r));
    },

    /** Seats of the event came back (released, expired, cancelled): best available reads them again. */
    seatsFreed(eventId: string): void {
      hints.forget(eventId);
    },

    /** The hold a buyer's Idempotency-Key made (any status), with the fingerprint of the body it was made for. */
    async findByIdempotencyKey(
      userId: string,
      key: string,
    ): Promise<
      | { id: string; event_id: string; request_hash: string | null; seat_labels: string[]; expires_at: Date; total_price: string }
      | undefined
    > {
      const { rows } = await db.query<{
        id: string;
        event_id: string;
        request_hash: string | null;
        seat_labels: string[];
        expires_at: Date;
        total_price: string;
      }>(
        `SELECT id, event_id, request_hash, seat_labels, expires_at, total_price::text AS total_price
           FROM holds WHERE user_id = $1 AND idempotency_key = $2`,
        [userId, key],
      );
      return rows[0];
    },

    async findById(id: string, tx: Queryable = db): Promise<HoldRow | undefined> {
      const { rows } = await tx.query<HoldRow>(`SELECT ${HOLD_COLUMNS} FROM holds h JOIN events e ON e.id = h.event_id WHERE h.id = $1`, [
        id,
      ]);
      return rows[0];
    },

    /**
     * Locks (or confirms) the holds of a batch of bookings in one statement, each decided as it
     * would be alone, in order (transition_holds, sql/06_transitions.sql).
     */
    async transitionBatch(kind: 'lock' | 'confirm', inputs: readonly TransitionInput[]): Promise<TransitionOutcome[]> {
      const { rows } = await db.query<
        HoldRow & { ord: number; outcome: TransitionOutcome['outcome']; reason: string | null; changed: boolean }
      >('SELECT * FROM transition_holds($1, $2::uuid[], $3::uuid[], $4::uuid[], $5::int[], $6::numeric[], $7::text) ORDER BY ord', [
        kind,
        inputs.map((t) => t.holdId),
        inputs.map((t) => t.userId ?? null),
        inputs.map((t) => t.bookingId),
        inputs.map((t) => t.lockSeconds ?? null),
        inputs.map((t) => t.totalPrice ?? null),
        topic,
      ]);
      return rows.map(({ ord: _ord, outcome, reason, changed, ...hold }) => ({
        outcome,
        reason,
        changed,
        hold: hold.id === null ? undefined : hold,
      }));
    },

    /** The hold, its row locked until the transaction ends (every transition starts here). */
    async lockById(tx: Queryable, id: string): Promise<HoldRow | undefined> {
      const { rows } = await tx.query<HoldRow>(
        `SELECT ${HOLD_COLUMNS} FROM holds h JOIN events e ON e.id = h.event_id WHERE h.id = $1 FOR UPDATE OF h`,
        [id],
      );
      return rows[0];
    },

    /**
     * Whether seats of the event can be held now, by the database clock (the one every hold is
     * decided on); a draft, like an unknown event, is `not_found`.
     */
    async salesState(eventId: string): Promise<'open' | 'closed' | 'not_found'> {
      const { rows } = await db.query<{ open: boolean }>(
        `SELECT sales_open(status, sales_start, sales_end, event_date) AND cancelled_at IS NULL AS open FROM events WHERE id = $1 AND status <> 'draft'`,
        [eventId],
      );
      const row = rows[0];
      return row === undefined ? 'not_found' : row.open ? 'open' : 'closed';
    },

    /** When the oldest live hold of a user on an event ends (for Retry-After). */
    async earliestLiveExpiry(eventId: string, userId: string): Promise<Date | undefined> {
      const { rows } = await db.query<{ at: Date | null }>(
        // The fence (OFFSET 0): see lock_user_live_holds in sql/03_holds.sql.
        `SELECT min(h.expires_at) AS at
           FROM (SELECT status, expires_at FROM holds
                  WHERE event_id = $1 AND user_id = $2 AND status IN ('active', 'locked') OFFSET 0) AS h
          WHERE hold_is_live(h.status, h.expires_at)`,
        [eventId, userId],
      );
      return rows[0]?.at ?? undefined;
    },

    /** Frees the seats still held by this hold (never a seat someone else holds or booked). */
    async freeSeats(tx: Queryable, hold: HoldRow): Promise<number> {
      const { rowCount } = await tx.query(seatsOfHoldSql(`status = 'available', hold_id = NULL, hold_expires_at = NULL`, OWNED), [
        hold.event_id,
        hold.seat_nos,
        hold.id,
      ]);
      return rowCount;
    },

    /**
     * Frees the named seats of a confirmed hold that it still has booked, and takes them out of
     * the hold (so the event's booked count, summed over confirmed holds, drops with them); the
     * hold becomes `released` when none is left. Returns the labels freed (none on a repeat).
     */
    async releaseBookedSeats(tx: Queryable, hold: HoldRow, labels: readonly string[]): Promise<string[]> {
      const { rows } = await tx.query<{ label: string; seat_no: number }>(
        `WITH l AS (
           SELECT seat_no FROM seats
            WHERE event_id = $1 AND seat_no = ANY($2::int[]) AND label = ANY($4::text[]) AND hold_id = $3 AND status = 'booked'
            ORDER BY seat_no FOR UPDATE
         )
         UPDATE seats s SET status = 'available', hold_id = NULL, hold_expires_at = NULL
           FROM l WHERE s.event_id = $1 AND s.seat_no = l.seat_no
         RETURNING s.label, s.seat_no`,
        [hold.event_id, hold.seat_nos, hold.id, labels],
      );
      if (rows.length > 0) {
        await tx.query(
          `UPDATE holds SET seat_nos = ARRAY(SELECT n FROM unnest(seat_nos) AS n WHERE n <> ALL ($2::int[])),
                  seat_labels = ARRAY(SELECT l FROM unnest(seat_labels) AS l WHERE l <> ALL ($3::text[])),
                  seat_count = seat_count - cardinality($2::int[]),
                  status = CASE WHEN seat_count - cardinality($2::int[]) <= 0 THEN 'released' ELSE status END,
                  updated_at = now()
            WHERE id = $1`,
          [hold.id, rows.map((r) => r.seat_no), rows.map((r) => r.label)],
        );
      }
      return rows.map((r) => r.label);
    },

    /** The price of each seat of a hold, from the section it lies in (decimal text, by label). */
    async seatPrices(holdId: string): Promise<Map<string, string> | undefined> {
      const { rows } = await db.query<{ label: string; price: string }>(
        `SELECT st.label, sec.price::text AS price
           FROM holds h
           CROSS JOIN LATERAL unnest(h.seat_nos) AS x(n)
           JOIN seats st ON st.event_id = h.event_id AND st.seat_no = x.n
           JOIN sections sec ON sec.event_id = h.event_id AND x.n BETWEEN sec.first_seat_no AND sec.first_seat_no + sec.seat_count - 1
          WHERE h.id = $1`,
        [holdId],
      );
      return rows.length === 0 ? undefined : new Map(rows.map((r) => [r.label, r.price]));
    },

    /** Changes the hold and answers it as changed: the re-read in the same round trip (RETURNING). */
    async updateHold(tx: Queryable, id: string, change: { status: HoldStatus; expiresAt?: Date; bookingId?: string }): Promise<HoldRow> {
      const { rows } = await tx.query<HoldRow>(
        `UPDATE holds h SET status = $2, expires_at = COALESCE($3, h.expires_at), booking_id = COALESCE($4, h.booking_id), updated_at = now()
           FROM events e
          WHERE h.id = $1 AND e.id = h.event_id
          RETURNING ${HOLD_COLUMNS}`,
        [id, change.status, change.expiresAt ?? null, change.bookingId ?? null],
      );
      return rows[0]!;
    },

    /** Writes the outbox row announcing a seat change; call it in the transaction of the change. */
    async announce(tx: Queryable, e: SeatEvent): Promise<void> {
      if (topic === null) return;
      await tx.query(
        `INSERT INTO outbox (id, topic, key, value, headers)
         VALUES (gen_random_uuid(), $1::text, $2::uuid::text, seat_event($3::text, $2::uuid, $4::uuid, $5::uuid, $6::uuid, $7::text[]),
                 seat_event_headers())`,
        [topic, e.eventId, e.type, e.holdId, e.userId, e.bookingId, e.seats],
      );
    },

    /**
     * Marks due holds `expired`, frees their seats and writes their `seats.expired` outbox rows, in one statement. Hold rows locked by a
     * request are skipped (SKIP LOCKED) and taken by the next sweep. The seats of the holds it
     * took are locked in (event, seat) order and waited for: every writer locks a hold row before
     * its seats, or only seats, so waiting cannot deadlock, and skipping would leave a seat marked
     * held by a hold already marked expired (free by every check, but never tidied). Locked holds
     * get `graceSeconds` more, so that a booking paid just before the expiry can still be
     * confirmed.
     */
    async sweepExpired(limit: number, graceSeconds: number): Promise<SweptHold[]> {
      const { rows } = await db.query<{
        id: string;
        event_id: string;
        user_id: string;
        seat_labels: string[];
        booking_id: string | null;
        freed: string[] | null;
      }>(
        `WITH due AS (
           SELECT id FROM holds
            WHERE status IN ('active', 'locked') AND expires_at <= now()
              AND (status = 'active' OR expires_at <= now() - make_interval(secs => $2))
            ORDER BY expires_at
            LIMIT $1
              FOR UPDATE SKIP LOCKED
         ), expired AS (
           UPDATE holds h SET status = 'expired', updated_at = now() FROM due WHERE h.id = due.id
           RETURNING h.id, h.event_id, h.user_id, h.seat_nos, h.seat_labels, h.booking_id
         ), owned AS (
           SELECT s.event_id, s.seat_no, x.id AS hold_id
             FROM (SELECT id, event_id, unnest(seat_nos) AS seat_no FROM expired) x
             JOIN seats s ON s.event_id = x.event_id AND s.seat_no = x.seat_no
            WHERE s.hold_id = x.id AND s.status = 'held'
            ORDER BY s.event_id, s.seat_no
              FOR UPDATE OF s
         ), freed AS (
           UPDATE seats s SET status = 'available', hold_id = NULL, hold_expires_at = NULL
             FROM owned o WHERE s.event_id = o.event_id AND s.seat_no = o.seat_no
           RETURNING o.hold_id, s.label
         ), announced AS (
           INSERT INTO outbox (id, topic, key, value, headers)
           SELECT gen_random_uuid(), $3::text, e.event_id::text,
                  seat_event('seats.expired', e.event_id, e.id, e.user_id, e.booking_id,
                             (SELECT array_agg(f.label) FROM freed f WHERE f.hold_id = e.id)),
                  seat_event_headers()
             FROM expired e WHERE $3::text IS NOT NULL
         )
         SELECT e.id, e.event_id, e.user_id, e.seat_labels, e.booking_id,
                (SELECT array_agg(f.label) FROM freed f WHERE f.hold_id = e.id) AS freed
           FROM expired e`,
        [limit, graceSeconds, topic],
      );
      return rows.map((r) => ({ ...r, freed: r.freed ?? [] }));
    },
  };
}

export type HoldsRepository = ReturnType<typeof createHoldsRepository>;
