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

  it('refunds a captured payment once, however often it is asked', async () => {
    const gateway = createSimulatedGateway({ db, latencyMs: 5, transientFailures: 2 });
    const key = randomUUID();
    const { paymentId } = await gateway.charge(charge(key));
    assert.equal((await gateway.findCharge(key))?.refunded, false);
    const first = await gateway.refund({ paymentId, idempotencyKey: `refund:${key}` });
    const second = await gateway.refund({ paymentId, idempotencyKey: `refund:${key}` });
    assert.equal(first.refundId, second.refundId);
    assert.deepEqual(await gateway.findCharge(key), { status: 'captured', paymentId, refunded: true });
    await assert.rejects(gateway.refund({ paymentId: randomUUID(), idempotencyKey: 'x' }), PaymentGatewayError);
    assert.equal(await gateway.findCharge(randomUUID()), undefined);
  });
});
