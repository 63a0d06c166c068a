import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { byKey, createGroupCommit, type Queryable } from '@ticketing/db';
import { TransientError } from '@ticketing/errors';
import { PaymentGatewayError, type ChargeRecord, type ChargeRequest, type ChargeResult, type PaymentGateway } from './payment-gateway.ts';

export interface SimulatedGatewayOptions {
  db: Queryable;
  /** Time one gateway call takes; half before the charge is recorded, half after. @defaultValue 2000 */
  latencyMs: number;
  /** Attempts that fail transiently for the `transient_failure` method. @defaultValue 2 */
  transientFailures: number;
}

/** Payment methods with a scripted outcome; every other non-empty method is captured. */
export const TEST_METHODS = {
  card_declined: 'Card declined',
  insufficient_funds: 'Insufficient funds',
} as const;

const TRANSIENT_N = /^transient_failure_(\d{1,3})$/;

interface ChargeRow {
  idempotency_key: string;
  payment_id: string;
  amount_cents: string;
  status: 'captured' | 'declined';
  reason: string | null;
  refunded_at: Date | null;
}

function toResult(row: ChargeRow): ChargeResult {
  return row.reason === null
    ? { status: row.status, paymentId: row.payment_id }
    : { status: row.status, paymentId: row.payment_id, reason: row.reason };
}

/**
 * A deterministic, idempotent and durable payment gateway. Its ledger lives in its own tables
 * (gateway_charges, gateway_attempts) with UNIQUE(idempotency_key), so a second charge with the
 * same key, from any process and after any crash, returns the first result and never charges
 * again. Outcomes depend only on the payment method (see docs/bookings.md), never on chance.
 */
export function createSimulatedGateway(opts: SimulatedGatewayOptions): PaymentGateway {
  const { db } = opts;
  const before = Math.floor(opts.latencyMs / 2);
  const after = opts.latencyMs - before;

  const CHARGE_COLUMNS = 'idempotency_key, payment_id, amount_cents, status, reason, refunded_at';
  const findRow = async (key: string) =>
    (await db.query<ChargeRow>(`SELECT ${CHARGE_COLUMNS} FROM gateway_charges WHERE idempotency_key = $1`, [key])).rows[0];

  type NewCharge = ChargeRequest & { status: 'captured' | 'declined'; reason: string | undefined };
  // Charges arriving together are recorded by one statement (group commit); a key already used
  // answers with its first charge.
  const recordCharge = createGroupCommit<NewCharge, ChargeRow | undefined>({
    execute: byKey(
      (c) => c.idempotencyKey,
      async (charges) => {
        const keys = charges.map((c) => c.idempotencyKey);
        const { rows } = await db.query<ChargeRow>(
          `WITH ins AS (
             INSERT INTO gateway_charges (payment_id, idempotency_key, reference, amount_cents, currency, method, status, reason)
             SELECT gen_random_uuid(), * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
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
    const row =
      (await recordCharge({ ...req, status: reason === undefined ? 'captured' : 'declined', reason })) ??
      (await findRow(req.idempotencyKey));
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
      const { rows } = await db.query<{ refund_id: string }>(
        `UPDATE gateway_charges
            SET refund_id = COALESCE(refund_id, $2), refunded_at = COALESCE(refunded_at, now())
          WHERE payment_id = $1 AND status = 'captured'
          RETURNING refund_id`,
        [req.paymentId, randomUUID()],
      );
      if (!rows[0]) throw new PaymentGatewayError('payment_not_found', 'No captured payment with this id');
      await sleep(after);
      return { refundId: rows[0].refund_id };
    },

    async findCharge(key): Promise<ChargeRecord | undefined> {
      const row = await findRow(key);
      return row ? { ...toResult(row), refunded: row.refunded_at !== null } : undefined;
    },
  };
}
