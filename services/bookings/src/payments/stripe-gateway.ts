import Stripe from 'stripe';
import type { Queryable } from '@ticketing/db';
import { TransientError } from '@ticketing/errors';
import {
  PaymentGatewayError,
  type ChargeRecord,
  type ChargeRequest,
  type ChargeResult,
  type PaymentGateway,
  type RefundResult,
} from './payment-gateway.ts';

export interface StripeGatewayOptions {
  /** The secret API key (`sk_test_…`, `sk_live_…`, or any string for stripe-mock). */
  secretKey: string;
  /** The bookings database: the map from idempotency key to PaymentIntent (stripe_payment_intents). */
  db: Queryable;
  /** Another API address than api.stripe.com, e.g. `http://127.0.0.1:12111` for stripe-mock. */
  apiBase?: string | undefined;
  /** Per-request timeout. @defaultValue 20000 */
  timeoutMs?: number;
  /** Retries of a request that timed out, could not connect or got a 5xx/429, with the same idempotency key. @defaultValue 2 */
  maxNetworkRetries?: number;
}

type Intent = Stripe.PaymentIntent;

/**
 * In test mode (an `sk_test_` key) the shop's test payment methods become Stripe's test
 * PaymentMethods, so the web app's test cards behave alike with both providers; any other
 * value (a `pm_…` from Stripe.js) is passed as it is. Never applied with a live key.
 */
export const STRIPE_TEST_METHODS: Readonly<Record<string, string>> = {
  credit_card: 'pm_card_visa',
  card_declined: 'pm_card_chargeDeclined',
  insufficient_funds: 'pm_card_chargeDeclinedInsufficientFunds',
  requires_action: 'pm_card_threeDSecure2Required',
};

const { StripeCardError, StripeInvalidRequestError, StripeIdempotencyError, StripeError } = Stripe.errors;

/**
 * What a PaymentIntent's status means for a booking. `requires_payment_method` after a confirm
 * is a failed attempt (a decline, or 3-D Secure failed); `processing` and `requires_capture` are
 * decided later by Stripe (a webhook or the reconciler).
 */
function resultOf(pi: Intent): ChargeResult {
  switch (pi.status) {
    case 'succeeded':
      return { status: 'captured', paymentId: pi.id };
    case 'requires_action':
      return pi.client_secret
        ? { status: 'requires_action', paymentId: pi.id, clientSecret: pi.client_secret }
        : { status: 'requires_action', paymentId: pi.id };
    case 'processing':
    case 'requires_capture':
    case 'requires_confirmation':
      return { status: 'pending', paymentId: pi.id };
    case 'canceled':
      return { status: 'declined', paymentId: pi.id, reason: 'The payment was cancelled' };
    case 'requires_payment_method':
      return { status: 'declined', paymentId: pi.id, reason: pi.last_payment_error?.message ?? 'The payment was not completed' };
    default:
      return { status: 'pending', paymentId: pi.id };
  }
}

const isFinal = (pi: Intent) => pi.status === 'succeeded' || pi.status === 'canceled';

/**
 * Stripe errors that are not an outcome: retried (TransientError: network, timeout, 429, 5xx,
 * keys refused) or refused for good (PaymentGatewayError). The stripe client has already retried
 * network failures and 5xx with the same idempotency key before this sees them.
 */
function failureOf(err: unknown): Error {
  if (err instanceof StripeIdempotencyError) {
    return new PaymentGatewayError('idempotency_conflict', 'Stripe refused the idempotency key: it was used with other parameters');
  }
  if (err instanceof StripeError) {
    const status = err.statusCode ?? 0;
    // 401/403: the keys are wrong or lack a permission; an operator fixes them, then retries work.
    return new TransientError(`Stripe did not answer usefully (${err.type}, HTTP ${status || 'none'}): ${err.message}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The payment-gateway port on Stripe PaymentIntents. A charge is one PaymentIntent created and
 * confirmed with the booking id as idempotency key, so every retry (ours, the client's, a second
 * worker's) is the same PaymentIntent and charges at most once. A card decline and a request
 * Stripe refuses as invalid (an unknown payment method, an amount below the minimum) are
 * declines: the booking fails with Stripe's message. See docs/payments.md.
 */
export function createStripeGateway(opts: StripeGatewayOptions): PaymentGateway {
  const base = opts.apiBase ? new URL(opts.apiBase) : undefined;
  const stripe = new Stripe(opts.secretKey, {
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    timeout: opts.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: 'ticketing' },
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
  const { db } = opts;
  const testMode = opts.secretKey.startsWith('sk_test_');
  const paymentMethodOf = (method: string) =>
    testMode && Object.hasOwn(STRIPE_TEST_METHODS, method) ? STRIPE_TEST_METHODS[method]! : method;

  async function remember(key: string, intentId: string): Promise<void> {
    await db.query(
      `INSERT INTO stripe_payment_intents (idempotency_key, payment_intent_id) VALUES ($1, $2)
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [key, intentId],
    );
  }

  /** The PaymentIntent of a key: our map first; Stripe's search (by metadata, eventually consistent) covers a create whose answer we lost. */
  async function intentIdOf(key: string): Promise<string | undefined> {
    const { rows } = await db.query<{ payment_intent_id: string }>(
      'SELECT payment_intent_id FROM stripe_payment_intents WHERE idempotency_key = $1',
      [key],
    );
    if (rows[0]) return rows[0].payment_intent_id;
    try {
      const found = await stripe.paymentIntents.search({ query: `metadata['booking_id']:'${key.replace(/'/g, '')}'`, limit: 1 });
      const id = found.data[0]?.id;
      if (id) await remember(key, id);
      return id;
    } catch (err) {
      throw failureOf(err);
    }
  }

  async function recordOf(intentId: string): Promise<ChargeRecord> {
    const pi = await stripe.paymentIntents.retrieve(intentId, { expand: ['latest_charge'] });
    const charge = typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
    const refundedCents = charge?.amount_refunded ?? 0;
    return {
      ...resultOf(pi),
      amountCents: pi.amount,
      refundedCents,
      refunded: charge?.refunded === true || (pi.status === 'succeeded' && refundedCents >= pi.amount),
    };
  }

  return {
    async charge(req: ChargeRequest): Promise<ChargeResult> {
      if (req.method.length === 0) throw new PaymentGatewayError('invalid_payment_method', 'payment method is empty');
      let pi: Intent;
      try {
        pi = await stripe.paymentIntents.create(
          {
            amount: req.amountCents,
            currency: req.currency.toLowerCase(),
            payment_method: paymentMethodOf(req.method),
            confirm: true,
            // Cards (3-D Secure included, completed by Stripe.js) but no payment method that
            // leaves the page: there is no return URL to come back to.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            metadata: { booking_id: req.reference ?? req.idempotencyKey },
          },
          { idempotencyKey: req.idempotencyKey },
        );
      } catch (err) {
        if (err instanceof StripeCardError) {
          const intent = (err.raw as { payment_intent?: Intent } | undefined)?.payment_intent;
          if (intent?.id) await remember(req.idempotencyKey, intent.id);
          return { status: 'declined', paymentId: intent?.id ?? '', reason: err.message };
        }
        if (err instanceof StripeInvalidRequestError) {
          return { status: 'declined', paymentId: '', reason: `The payment was refused: ${err.message}` };
        }
        throw failureOf(err);
      }
      await remember(req.idempotencyKey, pi.id);
      if (pi.amount !== req.amountCents) {
        throw new PaymentGatewayError('idempotency_conflict', 'This idempotency key was used for a different amount');
      }
      // A replayed create answers what it answered the first time: ask for the PaymentIntent as it is now.
      if (!isFinal(pi) && pi.status !== 'requires_payment_method') {
        try {
          pi = await stripe.paymentIntents.retrieve(pi.id);
        } catch (err) {
          throw failureOf(err);
        }
      }
      return resultOf(pi);
    },

    async refund(req): Promise<RefundResult> {
      if (req.amountCents !== undefined && (!Number.isSafeInteger(req.amountCents) || req.amountCents <= 0)) {
        throw new PaymentGatewayError('invalid_amount', 'A refund amount is a positive whole number of minor units');
      }
      try {
        const refund = await stripe.refunds.create(
          {
            payment_intent: req.paymentId,
            ...(req.amountCents !== undefined ? { amount: req.amountCents } : {}),
            metadata: { reason: req.reason ?? '', idempotency_key: req.idempotencyKey },
          },
          { idempotencyKey: req.idempotencyKey },
        );
        if (refund.status === 'failed' || refund.status === 'canceled') {
          throw new PaymentGatewayError('refund_failed', `Stripe could not refund the payment (${refund.failure_reason ?? refund.status})`);
        }
        return {
          refundId: refund.id,
          paymentId: req.paymentId,
          amountCents: refund.amount,
          status: refund.status === 'succeeded' ? 'succeeded' : 'pending',
        };
      } catch (err) {
        if (err instanceof PaymentGatewayError) throw err;
        if (err instanceof StripeInvalidRequestError) {
          if (err.code === 'charge_already_refunded') throw new PaymentGatewayError('already_refunded', err.message);
          if (err.code === 'resource_missing' || err.param === 'payment_intent')
            throw new PaymentGatewayError('payment_not_found', err.message);
          if (err.param === 'amount' || err.code === 'amount_too_large')
            throw new PaymentGatewayError('refund_exceeds_charge', err.message);
        }
        throw failureOf(err);
      }
    },

    async findCharge(key): Promise<ChargeRecord | undefined> {
      const id = await intentIdOf(key);
      if (!id) return undefined;
      try {
        return await recordOf(id);
      } catch (err) {
        if (err instanceof StripeInvalidRequestError && err.code === 'resource_missing') return undefined;
        throw failureOf(err);
      }
    },

    async cancel(key): Promise<ChargeRecord | undefined> {
      const id = await intentIdOf(key);
      if (!id) return undefined;
      try {
        const now = await recordOf(id);
        if (now.status === 'requires_action' || now.status === 'pending') {
          // Refused when it succeeded meanwhile (payment_intent_unexpected_state): the record below tells.
          await stripe.paymentIntents.cancel(id).catch((err: unknown) => {
            if (!(err instanceof StripeInvalidRequestError)) throw err;
          });
          return await recordOf(id);
        }
        return now;
      } catch (err) {
        throw failureOf(err);
      }
    },
  };
}
