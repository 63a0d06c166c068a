import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { byKey, createGroupCommit, type Database, type Queryable } from '@ticketing/db';
import { TransientError } from '@ticketing/errors';
import { isUuid } from '@ticketing/http';
import {
  PaymentGatewayError,
  type ChargeRecord,
  type ChargeRequest,
  type ChargeResult,
  type PaymentGateway,
  type RefundRequest,
  type RefundResult,
} from './payment-gateway.ts';

export interface SimulatedGatewayOptions {
  db: Database;
  /** Time one gateway call takes; half before the charge is recorded, half after. @defaultValue 2000 */
  latencyMs: number;
  /** Attempts that fail transiently for the `transient_failure` method. @defaultValue 2 */
  transientFailures: number;
  /** How long after the first attempt a `late_capture` charge captures. @defaultValue 5000 */
  lateCaptureMs?: number;
}

/** Payment methods with a scripted outcome; every other non-empty method is captured. */
export const TEST_METHODS = {
  card_declined: 'Card declined',
  insufficient_funds: 'Insufficient funds',
} as const;

const TRANSIENT_N = /^transient_failure_(\d{1,3})$/;

/**
 * Methods whose outcome stays open: `requires_action` waits for the buyer (3-D Secure) until it
 * is cancelled; `late_capture` times out on its first attempt (the gateway has the charge, we
 * never hear back), answers `pending` after that, and captures `lateCaptureMs` later.
 */
const REQUIRES_ACTION = 'requires_action';
const LATE_CAPTURE = 'late_capture';

interface ChargeRow {
  idempotency_key: string;
  payment_id: string;
  amount_cents: string;
  status: ChargeResult['status'];
  reason: string | null;
  refunded_cents: string;
  refunded_at: Date | null;
}

interface RefundRow {
  refund_id: string;
  idempotency_key: string;
  payment_id: string;
  amount_cents: string;
}

function toResult(row: ChargeRow): ChargeResult {
  const result: ChargeResult = { status: row.status, paymentId: row.payment_id };
  if (row.reason !== null) result.reason = row.reason;
  if (row.status === 'requires_action') result.clientSecret = `${row.payment_id}_secret_simulated`;
  return result;
}

/**
 * A deterministic, idempotent and durable payment gateway. Its ledger lives in its own tables
 * (gateway_charges, gateway_attempts) with UNIQUE(idempotency_key), so a second charge with the
 * same key, from any process and after any crash, returns the first result and never charges
 * again. Outcomes depend only on the payment method (see docs/bookings.md), never on chance.
 * Refunds live in gateway_refunds, one row per refund idempotency key (see refundOnce).
 */
export function createSimulatedGateway(opts: SimulatedGatewayOptions): PaymentGateway {
  const { db } = opts;
  const before = Math.floor(opts.latencyMs / 2);
  const after = opts.latencyMs - before;

  const CHARGE_COLUMNS = 'idempotency_key, payment_id, amount_cents, status, reason, refunded_cents, refunded_at';
  const lateCaptureMs = opts.lateCaptureMs ?? 5000;
  // A pending charge whose time has come is captured on the way (the gateway "decided").
  const findRow = async (key: string) =>
    (
      await db.query<ChargeRow>(
        `WITH due AS (
           UPDATE gateway_charges SET status = 'captured', settles_at = NULL
            WHERE idempotency_key = $1 AND status = 'pending' AND settles_at <= now()
            RETURNING ${CHARGE_COLUMNS}
         )
         SELECT * FROM due
         UNION ALL
         SELECT ${CHARGE_COLUMNS} FROM gateway_charges WHERE idempotency_key = $1 AND NOT EXISTS (SELECT 1 FROM due)`,
        [key],
      )
    ).rows[0];

  type NewCharge = ChargeRequest & { status: ChargeResult['status']; reason: string | undefined };
  // Charges arriving together are recorded by one statement (group commit); a key already used
  // answers with its first charge.
  const recordCharge = createGroupCommit<NewCharge, ChargeRow | undefined>({
    execute: byKey(
      (c) => c.idempotencyKey,
      async (charges) => {
        const keys = charges.map((c) => c.idempotencyKey);
        const { rows } = await db.query<ChargeRow>(
          `WITH ins AS (
             INSERT INTO gateway_charges (payment_id, idempotency_key, reference, amount_cents, currency, method, status, reason, settles_at)
             SELECT gen_random_uuid(), k, r, a, c, m, s, why, CASE WHEN s = 'pending' THEN now() + make_interval(secs => $8 / 1000.0) END
               FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(k, r, a, c, m, s, why)
             ON CONFLICT (idempotency_key) DO NOTHING
             RETURNING ${CHARGE_COLUMNS}
           )
           SELECT * FROM ins
           UNION ALL
           SELECT ${CHARGE_COLUMNS} FROM gateway_charges
            WHERE idempotency_key = ANY($1::text[]) AND idempotency_key NOT IN (SELECT idempotency_key FROM ins)`,
          [
            keys,
            charges.map((c) => c.reference ?? null),
            charges.map((c) => c.amountCents),
            charges.map((c) => c.currency),
            charges.map((c) => c.method),
            charges.map((c) => c.status),
            charges.map((c) => c.reason ?? null),
            lateCaptureMs,
          ],
        );
        return new Map(rows.map((r) => [r.idempotency_key, r]));
      },
      (first) => first,
    ),
  });

  function failsTransiently(method: string): number {
    if (method === 'gateway_unavailable') return Number.POSITIVE_INFINITY;
    if (method === 'transient_failure') return opts.transientFailures;
    const n = TRANSIENT_N.exec(method);
    return n ? Number(n[1]) : 0;
  }

  const sameCharge = (row: ChargeRow, req: ChargeRequest): ChargeResult => {
    if (Number(row.amount_cents) !== req.amountCents) {
      throw new PaymentGatewayError('idempotency_conflict', 'This idempotency key was used for a different amount');
    }
    return toResult(row);
  };

  async function decide(req: ChargeRequest): Promise<ChargeResult> {
    if (req.method === LATE_CAPTURE) {
      const existing = await findRow(req.idempotencyKey);
      if (existing) return sameCharge(existing, req);
      await recordCharge({ ...req, status: 'pending', reason: undefined });
      throw new TransientError('payment gateway timed out');
    }
    const failures = failsTransiently(req.method);
    if (failures > 0) {
      // Attempts are only counted while no charge exists for the key.
      const existing = await findRow(req.idempotencyKey);
      if (existing) return sameCharge(existing, req);
      const { rows } = await db.query<{ attempts: number }>(
        `INSERT INTO gateway_attempts (idempotency_key, attempts) VALUES ($1, 1)
         ON CONFLICT (idempotency_key) DO UPDATE SET attempts = gateway_attempts.attempts + 1
         RETURNING attempts`,
        [req.idempotencyKey],
      );
      const attempt = rows[0]!.attempts;
      if (attempt <= failures) throw new TransientError(`payment gateway temporarily unavailable (attempt ${attempt})`);
    }
    const reason = (TEST_METHODS as Record<string, string>)[req.method];
    // A charge with this key committed by another process after this statement's snapshot is
    // skipped by ON CONFLICT but not returned: read it afresh.
    const status = req.method === REQUIRES_ACTION ? 'requires_action' : reason === undefined ? 'captured' : 'declined';
    const row = (await recordCharge({ ...req, status, reason })) ?? (await findRow(req.idempotencyKey));
    if (!row) throw new TransientError('payment gateway could not record the charge');
    return sameCharge(row, req);
  }

  return {
    async charge(req) {
      if (req.method.length === 0) throw new PaymentGatewayError('invalid_payment_method', 'payment method is empty');
      await sleep(before);
      const result = await decide(req);
      await sleep(after);
      return result;
    },

    async refund(req) {
      await sleep(before);
      const result = await db.transaction((tx) => refundOnce(tx, req));
      await sleep(after);
      return result;
    },

    async findCharge(key): Promise<ChargeRecord | undefined> {
      const row = await findRow(key);
      return row ? toRecord(row) : undefined;
    },

    async cancel(key): Promise<ChargeRecord | undefined> {
      await db.query(
        `UPDATE gateway_charges SET status = 'declined', reason = 'Cancelled before completion', settles_at = NULL
          WHERE idempotency_key = $1
            AND (status = 'requires_action' OR (status = 'pending' AND settles_at > now()))`,
        [key],
      );
      const row = await findRow(key);
      return row ? toRecord(row) : undefined;
    },
  };
}

const toRecord = (row: ChargeRow): ChargeRecord => ({
  ...toResult(row),
  refunded: row.refunded_at !== null,
  amountCents: Number(row.amount_cents),
  refundedCents: Number(row.refunded_cents),
});

const toRefund = (row: RefundRow): RefundResult => ({
  refundId: row.refund_id,
  paymentId: row.payment_id,
  amountCents: Number(row.amount_cents),
  status: 'succeeded',
});

/** The refund already made with this key, if it matches the request (else the key was misused). */
function sameRefund(row: RefundRow, req: RefundRequest): RefundResult {
  if (row.payment_id !== req.paymentId.toLowerCase() || (req.amountCents !== undefined && Number(row.amount_cents) !== req.amountCents)) {
    throw new PaymentGatewayError('idempotency_conflict', 'This refund idempotency key was used for another payment or amount');
  }
  return toRefund(row);
}

/**
 * One refund, inside a transaction. The charge row is locked first, so refunds of one payment
 * (with any keys) take turns: the key lookup, the bound check and the insert all see the
 * refunds committed before. The outcome is defined for every repeat: the same key returns the
 * first refund; a new key after a full refund is `already_refunded`; more than what is left is
 * `refund_exceeds_charge` and moves nothing.
 */
async function refundOnce(tx: Queryable, req: RefundRequest): Promise<RefundResult> {
  if (req.amountCents !== undefined && (!Number.isSafeInteger(req.amountCents) || req.amountCents <= 0)) {
    throw new PaymentGatewayError('invalid_amount', 'A refund amount is a positive whole number of minor units');
  }
  const findRefund = async () =>
    (
      await tx.query<RefundRow>(
        'SELECT refund_id, idempotency_key, payment_id, amount_cents FROM gateway_refunds WHERE idempotency_key = $1',
        [req.idempotencyKey],
      )
    ).rows[0];
  const charge = isUuid(req.paymentId)
    ? (
        await tx.query<ChargeRow>(
          `SELECT payment_id, amount_cents, status, refunded_cents, refunded_at FROM gateway_charges
            WHERE payment_id = $1 AND status = 'captured' FOR UPDATE`,
          [req.paymentId],
        )
      ).rows[0]
    : undefined;
  const existing = await findRefund();
  if (existing) return sameRefund(existing, req);
  if (!charge) throw new PaymentGatewayError('payment_not_found', 'No captured payment with this id');
  if (charge.refunded_at !== null) throw new PaymentGatewayError('already_refunded', 'This payment has been refunded in full');

  const left = Number(charge.amount_cents) - Number(charge.refunded_cents);
  const amount = req.amountCents ?? left;
  if (amount > left) {
    throw new PaymentGatewayError('refund_exceeds_charge', `Only ${left} of ${charge.amount_cents} minor units are left to refund`);
  }
  const { rows } = await tx.query<RefundRow>(
    `INSERT INTO gateway_refunds (refund_id, idempotency_key, payment_id, amount_cents, reason)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING refund_id, idempotency_key, payment_id, amount_cents`,
    [randomUUID(), req.idempotencyKey, charge.payment_id, amount, req.reason ?? null],
  );
  // The key was taken meanwhile by a refund of another payment (this one's lock did not cover it).
  if (!rows[0]) return sameRefund((await findRefund())!, req);
  await tx.query(
    `UPDATE gateway_charges
        SET refunded_cents = refunded_cents + $2,
            refunded_at = CASE WHEN refunded_cents + $2 = amount_cents THEN now() ELSE refunded_at END
      WHERE payment_id = $1`,
    [charge.payment_id, amount],
  );
  return toRefund(rows[0]);
}
