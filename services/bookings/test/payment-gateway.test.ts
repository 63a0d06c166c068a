import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createPostgresDatabase, runMigrations, type Database } from '@ticketing/db';
import { TransientError } from '@ticketing/errors';
import { testInfra } from '@ticketing/testing';
import { MIGRATIONS_DIR } from '../src/deps.ts';
import { PaymentGatewayError } from '../src/payments/payment-gateway.ts';
import { createSimulatedGateway } from '../src/payments/simulated-gateway.ts';

let db: Database;
const charge = (key: string, method = 'credit_card', amountCents = 1999) => ({
  idempotencyKey: key,
  amountCents,
  currency: 'USD',
  method,
  reference: key,
});
const countCharges = async (key: string) =>
  Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM gateway_charges WHERE reference = $1', [key])).rows[0]!.n);

const refundsOf = async (paymentId: string) => {
  const { rows } = await db.query<{ n: string; total: string }>(
    'SELECT count(*) AS n, coalesce(sum(amount_cents), 0) AS total FROM gateway_refunds WHERE payment_id = $1',
    [paymentId],
  );
  return { n: Number(rows[0]!.n), total: Number(rows[0]!.total) };
};
const gatewayError = (code: PaymentGatewayError['code']) => (err: unknown) => err instanceof PaymentGatewayError && err.code === code;

before(async () => {
  db = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'bookings', poolSize: 20 });
  await runMigrations(db, MIGRATIONS_DIR);
});
after(async () => db.close());

describe('simulated payment gateway', () => {
  it('captures any ordinary payment method and records exactly one charge', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 20, transientFailures: 2 });
    const key = randomUUID();
    const result = await gateway.charge(charge(key, 'visa'));
    assert.equal(result.status, 'captured');
    assert.match(result.paymentId, /^[0-9a-f-]{36}$/);
    assert.equal(await countCharges(key), 1);
  });

  it('returns the first result for a repeated idempotency key, even from 20 concurrent calls, without charging again', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 20, transientFailures: 2 });
    const key = randomUUID();
    const first = await gateway.charge(charge(key));
    const again = await Promise.all(Array.from({ length: 20 }, () => gateway.charge(charge(key))));
    for (const r of again) assert.deepEqual(r, first);
    assert.equal(await countCharges(key), 1);
  });

  it('makes concurrent first calls with one key agree on a single charge', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 0, transientFailures: 2 });
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => gateway.charge(charge(key))));
    assert.equal(new Set(results.map((r) => r.paymentId)).size, 1);
    assert.equal(await countCharges(key), 1);
  });

  for (const [method, reason] of [
    ['card_declined', 'Card declined'],
    ['insufficient_funds', 'Insufficient funds'],
  ] as const) {
    it(`declines ${method} every time, with the reason "${reason}"`, async () => {
      const gateway = createSimulatedGateway({ db, latencyMs: 10, transientFailures: 2 });
      const key = randomUUID();
      const first = await gateway.charge(charge(key, method));
      assert.equal(first.status, 'declined');
      assert.equal(first.reason, reason);
      assert.deepEqual(await gateway.charge(charge(key, method)), first);
    });
  }

  it('fails transient_failure transiently for the first N attempts of a key, then captures', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 5, transientFailures: 2 });
    const key = randomUUID();
    await assert.rejects(gateway.charge(charge(key, 'transient_failure')), TransientError);
    await assert.rejects(gateway.charge(charge(key, 'transient_failure')), TransientError);
    assert.equal((await gateway.charge(charge(key, 'transient_failure'))).status, 'captured');
    // Another key has its own count.
    await assert.rejects(gateway.charge(charge(randomUUID(), 'transient_failure')), TransientError);
  });

  it('takes the number of transient failures from transient_failure_<n>', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 5, transientFailures: 0 });
    const key = randomUUID();
    for (let i = 0; i < 3; i++) await assert.rejects(gateway.charge(charge(key, 'transient_failure_3')), TransientError);
    assert.equal((await gateway.charge(charge(key, 'transient_failure_3'))).status, 'captured');
  });

  it('never succeeds for gateway_unavailable', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 0, transientFailures: 2 });
    const key = randomUUID();
    for (let i = 0; i < 5; i++) await assert.rejects(gateway.charge(charge(key, 'gateway_unavailable')), TransientError);
    assert.equal(await countCharges(key), 0);
  });

  it('refuses one idempotency key for a different amount', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 0, transientFailures: 2 });
    const key = randomUUID();
    await gateway.charge(charge(key, 'visa', 1000));
    await assert.rejects(
      gateway.charge(charge(key, 'visa', 2000)),
      (err: unknown) => err instanceof PaymentGatewayError && err.code === 'idempotency_conflict',
    );
  });

  it('refunds a captured payment once per idempotency key, however often and concurrently it is asked', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 5, transientFailures: 2 });
    const key = randomUUID();
    const { paymentId } = await gateway.charge(charge(key));
    assert.equal((await gateway.findCharge(key))?.refunded, false);
    const results = await Promise.all(Array.from({ length: 10 }, () => gateway.refund({ paymentId, idempotencyKey: `refund:${key}` })));
    assert.equal(new Set(results.map((r) => r.refundId)).size, 1);
    assert.deepEqual(results[0], { refundId: results[0]!.refundId, paymentId, amountCents: 1999, status: 'succeeded' });
    assert.deepEqual(await refundsOf(paymentId), { n: 1, total: 1999 });
    assert.deepEqual(await gateway.findCharge(key), {
      status: 'captured',
      paymentId,
      refunded: true,
      amountCents: 1999,
      refundedCents: 1999,
    });
    assert.equal(await gateway.findCharge(randomUUID()), undefined);
  });

  it('refunds partially, then the rest; a new key after a full refund is already_refunded', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 0, transientFailures: 2 });
    const key = randomUUID();
    const { paymentId } = await gateway.charge(charge(key, 'visa', 5000));
    assert.equal((await gateway.refund({ paymentId, idempotencyKey: `a:${key}`, amountCents: 1200 })).amountCents, 1200);
    assert.deepEqual(
      { refunded: (await gateway.findCharge(key))?.refunded, refundedCents: (await gateway.findCharge(key))?.refundedCents },
      { refunded: false, refundedCents: 1200 },
    );
    // Omitted amount: what is left.
    assert.equal((await gateway.refund({ paymentId, idempotencyKey: `b:${key}` })).amountCents, 3800);
    assert.equal((await gateway.findCharge(key))?.refunded, true);
    await assert.rejects(gateway.refund({ paymentId, idempotencyKey: `c:${key}` }), gatewayError('already_refunded'));
    await assert.rejects(gateway.refund({ paymentId, idempotencyKey: `c:${key}`, amountCents: 1 }), gatewayError('already_refunded'));
    // The first keys still answer with their refunds.
    assert.equal((await gateway.refund({ paymentId, idempotencyKey: `a:${key}`, amountCents: 1200 })).amountCents, 1200);
    assert.deepEqual(await refundsOf(paymentId), { n: 2, total: 5000 });
  });

  it('refuses a refund of more than is left, moving nothing', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 0, transientFailures: 2 });
    const key = randomUUID();
    const { paymentId } = await gateway.charge(charge(key, 'visa', 1000));
    await assert.rejects(
      gateway.refund({ paymentId, idempotencyKey: `x:${key}`, amountCents: 1001 }),
      gatewayError('refund_exceeds_charge'),
    );
    await gateway.refund({ paymentId, idempotencyKey: `y:${key}`, amountCents: 600 });
    await assert.rejects(
      gateway.refund({ paymentId, idempotencyKey: `z:${key}`, amountCents: 401 }),
      gatewayError('refund_exceeds_charge'),
    );
    for (const bad of [0, -5, 1.5]) {
      await assert.rejects(gateway.refund({ paymentId, idempotencyKey: `w:${key}`, amountCents: bad }), gatewayError('invalid_amount'));
    }
    assert.deepEqual(await refundsOf(paymentId), { n: 1, total: 600 });
  });

  it('never refunds more than was charged when partial refunds with different keys race', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 0, transientFailures: 2 });
    const key = randomUUID();
    const { paymentId } = await gateway.charge(charge(key, 'visa', 1000));
    const settled = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => gateway.refund({ paymentId, idempotencyKey: `part${i}:${key}`, amountCents: 300 })),
    );
    assert.equal(settled.filter((r) => r.status === 'fulfilled').length, 3);
    for (const r of settled) if (r.status === 'rejected') assert.ok(gatewayError('refund_exceeds_charge')(r.reason));
    assert.deepEqual(await refundsOf(paymentId), { n: 3, total: 900 });
    const { rows } = await db.query<{ refunded_cents: string }>('SELECT refunded_cents FROM gateway_charges WHERE payment_id = $1', [
      paymentId,
    ]);
    assert.equal(Number(rows[0]!.refunded_cents), 900);
  });

  it('refuses a key reused for another amount or payment, and unknown or declined payments', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 0, transientFailures: 2 });
    const [k1, k2, k3] = [randomUUID(), randomUUID(), randomUUID()];
    const p1 = (await gateway.charge(charge(k1, 'visa', 1000))).paymentId;
    const p2 = (await gateway.charge(charge(k2, 'visa', 1000))).paymentId;
    const declined = (await gateway.charge(charge(k3, 'card_declined'))).paymentId;
    await gateway.refund({ paymentId: p1, idempotencyKey: `r:${k1}`, amountCents: 100 });
    await assert.rejects(
      gateway.refund({ paymentId: p1, idempotencyKey: `r:${k1}`, amountCents: 200 }),
      gatewayError('idempotency_conflict'),
    );
    await assert.rejects(gateway.refund({ paymentId: p2, idempotencyKey: `r:${k1}` }), gatewayError('idempotency_conflict'));
    await assert.rejects(gateway.refund({ paymentId: randomUUID(), idempotencyKey: randomUUID() }), gatewayError('payment_not_found'));
    await assert.rejects(gateway.refund({ paymentId: 'not-a-uuid', idempotencyKey: randomUUID() }), gatewayError('payment_not_found'));
    await assert.rejects(gateway.refund({ paymentId: declined, idempotencyKey: randomUUID() }), gatewayError('payment_not_found'));
    assert.deepEqual(await refundsOf(p2), { n: 0, total: 0 });
  });
});
