import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase, runMigrations, type Database } from '@ticketing/db';
import { TransientError } from '@ticketing/errors';
import { testInfra } from '@ticketing/testing';
import { MIGRATIONS_DIR } from '../src/deps.ts';
import { PaymentGatewayError } from '../src/payments/payment-gateway.ts';
import { createStripeGateway } from '../src/payments/stripe-gateway.ts';
import { createEvent, holdSeats, startEvents, waitForFinal } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings } from './helpers.ts';

// The Stripe adapter against stripe-mock, Stripe's official API mock (started here from
// scripts/stripe-mock.sh, which installs it into .tools/ with Go). stripe-mock checks every
// request against Stripe's OpenAPI description but keeps no state: its PaymentIntents always
// answer `requires_payment_method`. A small proxy in front of it records what the adapter sends
// (idempotency keys, parameters) and, where a test says so, plays what stripe-mock cannot: a
// PaymentIntent that succeeded or needs 3-D Secure, 5xx answers, slow answers, Stripe's errors.

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Recorded {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  params: URLSearchParams;
}

type Script =
  | { kind: 'status'; status: number; body: unknown }
  | { kind: 'delay'; ms: number }
  | { kind: 'patch'; patch: (body: Record<string, unknown>) => Record<string, unknown> };

let mock: ChildProcess;
let mockPort = 0;
let proxy: Server;
let proxyUrl = '';
let db: Database;
let recorded: Recorded[] = [];
// Scripts for the next matching requests, by "METHOD /path-prefix".
let scripts: { match: string; script: Script }[] = [];
// Sticky: every PaymentIntent answer reads `succeeded` (a card that goes through).
let intentsSucceed = false;

function script(match: string, s: Script, times = 1) {
  for (let i = 0; i < times; i++) scripts.push({ match, script: s });
}

async function startStripeMock(): Promise<void> {
  mock = spawn('bash', [`${REPO}scripts/stripe-mock.sh`, '-http-addr', '127.0.0.1:', '-https-addr', '127.0.0.1:'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  mockPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stripe-mock did not start: ${output}`)), 300_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Listening for HTTP at address: 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    mock.stdout!.on('data', onData);
    mock.stderr!.on('data', onData);
    mock.once('exit', (code) => reject(new Error(`stripe-mock exited (${code}): ${output}`)));
  });
}

function forward(req: IncomingMessage, body: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: `127.0.0.1:${mockPort}`, 'content-length': String(Buffer.byteLength(body)) };
    const out = httpRequest({ host: '127.0.0.1', port: mockPort, method: req.method, path: req.url, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: { 'content-type': 'application/json' }, body: text }));
    });
    out.on('error', reject);
    out.end(body);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  let body = '';
  for await (const chunk of req) body += chunk;
  const url = new URL(req.url ?? '/', 'http://x');
  const params = new URLSearchParams(req.method === 'GET' ? url.search : body);
  const key = req.headers['idempotency-key'];
  recorded.push({ method: req.method ?? '', path: url.pathname, idempotencyKey: Array.isArray(key) ? key[0] : key, params });
  const i = scripts.findIndex((s) => `${req.method} ${url.pathname}`.startsWith(s.match));
  const sticky: Script | undefined =
    intentsSucceed && url.pathname.startsWith('/v1/payment_intents') && !url.pathname.endsWith('/search')
      ? { kind: 'patch', patch: (b) => ({ ...b, status: 'succeeded' }) }
      : undefined;
  const scripted = i >= 0 ? scripts.splice(i, 1)[0]!.script : sticky;
  if (scripted?.kind === 'delay') await new Promise((r) => setTimeout(r, scripted.ms));
  if (scripted?.kind === 'status') {
    res.writeHead(scripted.status, { 'content-type': 'application/json' }).end(JSON.stringify(scripted.body));
    return;
  }
  const answer = await forward(req, body);
  let text = answer.body;
  if (scripted?.kind === 'patch' && answer.status === 200)
    text = JSON.stringify(scripted.patch(JSON.parse(text) as Record<string, unknown>));
  if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(text);
}

before(async () => {
  await startStripeMock();
  proxy = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => res.writeHead(599).end(String(err)));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const address = proxy.address();
  proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  db = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'bookings', poolSize: 5 });
  await runMigrations(db, MIGRATIONS_DIR);
});

after(async () => {
  await new Promise((r) => proxy.close(r));
  mock.kill('SIGTERM');
  await db.close();
});

beforeEach(() => {
  recorded = [];
  scripts = [];
});

const gateway = (opts: { timeoutMs?: number; maxNetworkRetries?: number } = {}) =>
  createStripeGateway({
    secretKey: 'sk_test_123',
    db,
    apiBase: proxyUrl,
    timeoutMs: opts.timeoutMs ?? 5000,
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
  });

const chargeOf = (bookingId: string, amountCents = 4999, currency = 'EUR') => ({
  idempotencyKey: bookingId,
  amountCents,
  currency,
  method: 'pm_card_visa',
  reference: bookingId,
});

const creates = () => recorded.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
const succeeded = (body: Record<string, unknown>) => ({ ...body, status: 'succeeded' });
const stripeError = (type: string, extra: Record<string, unknown> = {}) => ({ error: { type, message: `scripted ${type}`, ...extra } });

describe('Stripe adapter (stripe-mock)', () => {
  it('creates one confirmed PaymentIntent keyed by the booking id, in minor units of the event currency', async () => {
    const bookingId = randomUUID();
    script('POST /v1/payment_intents', { kind: 'patch', patch: succeeded });
    const result = await gateway().charge(chargeOf(bookingId, 4999, 'EUR'));
    assert.equal(result.status, 'captured');
    assert.match(result.paymentId, /^pi_/);
    const [create] = creates();
    assert.equal(create!.idempotencyKey, bookingId);
    assert.equal(create!.params.get('amount'), '4999');
    assert.equal(create!.params.get('currency'), 'eur');
    assert.equal(create!.params.get('payment_method'), 'pm_card_visa');
    assert.equal(create!.params.get('confirm'), 'true');
    assert.equal(create!.params.get('metadata[booking_id]'), bookingId);
    const { rows } = await db.query<{ payment_intent_id: string }>(
      'SELECT payment_intent_id FROM stripe_payment_intents WHERE idempotency_key = $1',
      [bookingId],
    );
    assert.deepEqual(rows, [{ payment_intent_id: result.paymentId }]);
  });

  it("uses Stripe's test PaymentMethods for the shop's test cards with a test key", async () => {
    await gateway().charge({ ...chargeOf(randomUUID()), method: 'requires_action' });
    assert.equal(creates()[0]!.params.get('payment_method'), 'pm_card_threeDSecure2Required');
    await createStripeGateway({ secretKey: 'sk_live_x', db, apiBase: proxyUrl, maxNetworkRetries: 0 })
      .charge({ ...chargeOf(randomUUID()), method: 'credit_card' })
      .catch(() => undefined);
    assert.equal(creates()[1]!.params.get('payment_method'), 'credit_card', 'never with a live key');
  });

  it('maps an unconfirmed PaymentIntent (stripe-mock as it is: requires_payment_method) to a decline', async () => {
    const result = await gateway().charge(chargeOf(randomUUID()));
    assert.equal(result.status, 'declined');
  });

  it('retries 5xx answers and timeouts with the same idempotency key, and charges once', async () => {
    const bookingId = randomUUID();
    script('POST /v1/payment_intents', { kind: 'status', status: 500, body: stripeError('api_error') });
    script('POST /v1/payment_intents', { kind: 'delay', ms: 1500 });
    script('POST /v1/payment_intents', { kind: 'patch', patch: succeeded });
    const result = await gateway({ timeoutMs: 800, maxNetworkRetries: 3 }).charge(chargeOf(bookingId));
    assert.equal(result.status, 'captured');
    const keys = creates().map((r) => r.idempotencyKey);
    assert.ok(keys.length >= 3, `attempts: ${keys.length}`);
    assert.deepEqual(new Set(keys), new Set([bookingId]));
  });

  it('throws TransientError when Stripe keeps failing, so the booking is retried later with the same key', async () => {
    script('POST /v1/payment_intents', { kind: 'status', status: 503, body: stripeError('api_error') }, 3);
    await assert.rejects(gateway({ maxNetworkRetries: 2 }).charge(chargeOf(randomUUID())), TransientError);
    script('POST /v1/payment_intents', { kind: 'status', status: 401, body: stripeError('invalid_request_error') });
    await assert.rejects(gateway({ maxNetworkRetries: 0 }).charge(chargeOf(randomUUID())), TransientError);
    script(
      'POST /v1/payment_intents',
      { kind: 'status', status: 429, body: stripeError('invalid_request_error', { code: 'rate_limit' }) },
      3,
    );
    await assert.rejects(gateway({ maxNetworkRetries: 2 }).charge(chargeOf(randomUUID())), TransientError);
  });

  it('maps a card decline and a refused request to a declined charge with Stripe’s message', async () => {
    const bookingId = randomUUID();
    script('POST /v1/payment_intents', {
      kind: 'status',
      status: 402,
      body: stripeError('card_error', {
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        payment_intent: { id: 'pi_declined1', object: 'payment_intent' },
      }),
    });
    const declined = await gateway().charge(chargeOf(bookingId));
    assert.deepEqual(declined, { status: 'declined', paymentId: 'pi_declined1', reason: 'scripted card_error' });
    script('POST /v1/payment_intents', {
      kind: 'status',
      status: 400,
      body: stripeError('invalid_request_error', { code: 'resource_missing', param: 'payment_method' }),
    });
    const refused = await gateway().charge(chargeOf(randomUUID()));
    assert.equal(refused.status, 'declined');
    assert.match(refused.reason!, /refused/);
  });

  it('maps an idempotency error to idempotency_conflict', async () => {
    script('POST /v1/payment_intents', { kind: 'status', status: 400, body: stripeError('idempotency_error') });
    await assert.rejects(
      gateway().charge(chargeOf(randomUUID())),
      (err: unknown) => err instanceof PaymentGatewayError && err.code === 'idempotency_conflict',
    );
  });

  it('returns requires_action with the client secret for 3-D Secure, then captured once the buyer finished', async () => {
    const bookingId = randomUUID();
    const needsAction = (body: Record<string, unknown>) => ({
      ...body,
      status: 'requires_action',
      next_action: { type: 'use_stripe_sdk' },
    });
    script('POST /v1/payment_intents', { kind: 'patch', patch: needsAction });
    script('GET /v1/payment_intents/', { kind: 'patch', patch: needsAction });
    const first = await gateway().charge(chargeOf(bookingId));
    assert.equal(first.status, 'requires_action');
    assert.match(first.clientSecret!, /_secret_/);
    // Processing the booking again (the webhook, the reconciler): the create replays its first
    // answer (as Stripe does for a repeated idempotency key), the retrieve tells how it is now.
    script('POST /v1/payment_intents', { kind: 'patch', patch: needsAction });
    script('GET /v1/payment_intents/', { kind: 'patch', patch: succeeded });
    const again = await gateway().charge(chargeOf(bookingId));
    assert.equal(again.status, 'captured');
    assert.deepEqual(new Set(creates().map((r) => r.idempotencyKey)), new Set([bookingId]));
  });

  it('finds the charge of a booking by its PaymentIntent, with what was refunded', async () => {
    const bookingId = randomUUID();
    script('POST /v1/payment_intents', { kind: 'patch', patch: succeeded });
    const { paymentId } = await gateway().charge(chargeOf(bookingId, 2000));
    script('GET /v1/payment_intents/', {
      kind: 'patch',
      patch: (b) => ({
        ...b,
        status: 'succeeded',
        amount: 2000,
        latest_charge: { id: 'ch_1', object: 'charge', amount_refunded: 500, refunded: false },
      }),
    });
    const found = await gateway().findCharge(bookingId);
    assert.deepEqual(found, { status: 'captured', paymentId: found!.paymentId, amountCents: 2000, refundedCents: 500, refunded: false });
    assert.equal(recorded.at(-1)!.params.get('expand[0]') ?? recorded.at(-1)!.params.get('expand[]'), 'latest_charge');
    assert.ok(paymentId);
    // A key Stripe does not know: the search finds nothing.
    script('GET /v1/payment_intents/search', { kind: 'patch', patch: (b) => ({ ...b, data: [] }) });
    assert.equal(await gateway().findCharge(randomUUID()), undefined);
  });

  it('refunds through the adapter with the refund idempotency key, and maps refusals', async () => {
    const g = gateway();
    const refund = await g.refund({ paymentId: 'pi_123', idempotencyKey: 'refund:abc', amountCents: 700, reason: 'event_cancelled' });
    assert.equal(refund.amountCents, 700);
    assert.equal(refund.status, 'succeeded');
    const sent = recorded.find((r) => r.path === '/v1/refunds')!;
    assert.equal(sent.idempotencyKey, 'refund:abc');
    assert.equal(sent.params.get('payment_intent'), 'pi_123');
    assert.equal(sent.params.get('amount'), '700');
    assert.equal(sent.params.get('metadata[reason]'), 'event_cancelled');

    const refusal = async (body: unknown) => {
      script('POST /v1/refunds', { kind: 'status', status: 400, body });
      return g.refund({ paymentId: 'pi_123', idempotencyKey: randomUUID() }).then(
        () => 'accepted',
        (err: unknown) => (err instanceof PaymentGatewayError ? err.code : String(err)),
      );
    };
    assert.equal(await refusal(stripeError('invalid_request_error', { code: 'charge_already_refunded' })), 'already_refunded');
    assert.equal(
      await refusal(stripeError('invalid_request_error', { code: 'resource_missing', param: 'payment_intent' })),
      'payment_not_found',
    );
    assert.equal(await refusal(stripeError('invalid_request_error', { param: 'amount' })), 'refund_exceeds_charge');
    await assert.rejects(g.refund({ paymentId: 'pi_123', idempotencyKey: 'x', amountCents: 0 }), PaymentGatewayError);
  });

  it('cancels an open PaymentIntent and reports what it became', async () => {
    const bookingId = randomUUID();
    const needsAction = (body: Record<string, unknown>) => ({ ...body, status: 'requires_action' });
    script('POST /v1/payment_intents', { kind: 'patch', patch: needsAction });
    script('GET /v1/payment_intents/', { kind: 'patch', patch: needsAction });
    await gateway().charge(chargeOf(bookingId));
    script('GET /v1/payment_intents/', { kind: 'patch', patch: needsAction });
    script('GET /v1/payment_intents/', { kind: 'patch', patch: (b) => ({ ...b, status: 'canceled' }) });
    const cancelled = await gateway().cancel(bookingId);
    assert.equal(cancelled?.status, 'declined');
    assert.ok(recorded.some((r) => r.method === 'POST' && /\/v1\/payment_intents\/[^/]+\/cancel$/.test(r.path)));
  });
});

describe('a booking paid through Stripe (stripe-mock)', () => {
  it('is charged once with the booking id as idempotency key and ends confirmed', async () => {
    const events = await startEvents(bookingsConfig().jwt);
    const config = bookingsConfig({
      events: { url: events.baseUrl },
      payments: { provider: 'stripe', stripe: { secretKey: 'sk_test_123', apiBase: proxyUrl, maxNetworkRetries: 1 } },
    });
    const svc = await startBookings(config);
    intentsSucceed = true;
    try {
      const user = newUser(config);
      const event = await createEvent(events, user, { price_per_seat: 25, currency: 'GBP' });
      const hold = await holdSeats(events, user, event.event_id, ['A1', 'A2']);
      const res = await svc.api('POST', '/api/booking', {
        token: user.token,
        body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: 50 } },
      });
      assert.equal(res.status, 202, res.text);
      const row = await waitForFinal(svc.deps, res.body.booking_id);
      assert.deepEqual([row.status, row.payment_status], ['confirmed', 'captured']);
      assert.match(row.payment_id!, /^pi_/);
      const sent = creates();
      assert.ok(sent.length >= 1);
      for (const r of sent) {
        assert.equal(r.idempotencyKey, row.id);
        assert.equal(r.params.get('amount'), '5000');
        assert.equal(r.params.get('currency'), 'gbp');
        assert.equal(r.params.get('payment_method'), 'pm_card_visa');
      }
    } finally {
      intentsSucceed = false;
      await svc.close();
      await events.close();
    }
  });
});
