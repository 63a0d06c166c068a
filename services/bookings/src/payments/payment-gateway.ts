/** A charge request; `idempotencyKey` makes retries of one charge return its first result. */
export interface ChargeRequest {
  idempotencyKey: string;
  amountCents: number;
  currency: string;
  method: string;
  /** The caller's order reference (the booking id), kept on the charge for reconciliation. */
  reference?: string;
}

/**
 * What a charge came to. `captured` and `declined` are final. The two open outcomes wait for
 * someone else: `requires_action` for the buyer (3-D Secure in their browser, with
 * `clientSecret`), `pending` for the provider (it has the charge but has not decided, or decides
 * later). An open charge is settled by the provider's webhook or the reconciler, or voided by
 * `cancel`.
 */
export interface ChargeResult {
  status: 'captured' | 'declined' | 'requires_action' | 'pending';
  paymentId: string;
  reason?: string;
  /** requires_action: the secret the buyer's browser completes the payment with (Stripe.js). */
  clientSecret?: string;
}

export interface ChargeRecord extends ChargeResult {
  /** True once the whole amount has gone back (one full refund or partial ones adding up). */
  refunded: boolean;
  amountCents: number;
  /** Sum of the refunds made so far, in minor units. */
  refundedCents: number;
}

/**
 * A refund request. `idempotencyKey` identifies the refund: asking again with the same key (a
 * retry, a redelivered message, a second worker) returns the first refund and moves no money.
 * Use one key per reason to give money back, e.g. `refund:<booking id>` for a failed booking,
 * `cancel:<booking id>` for an event cancellation.
 */
export interface RefundRequest {
  paymentId: string;
  idempotencyKey: string;
  /** Minor units, > 0; omitted: everything not refunded yet (a full refund). */
  amountCents?: number;
  /** Kept with the refund (e.g. `event_cancelled`, `requested_by_customer`). */
  reason?: string;
}

export interface RefundResult {
  refundId: string;
  paymentId: string;
  amountCents: number;
  /** `pending` only from providers that settle refunds later (Stripe); the simulated gateway always succeeds. */
  status: 'succeeded' | 'pending';
}

/**
 * The payment port. `charge` throws a TransientError when the gateway could not decide (retry
 * with the same key); a decline is a result, not an error. `refund` moves money at most once
 * per idempotency key and never more than was charged in total; it throws TransientError when
 * the gateway could not decide (retry with the same key) and PaymentGatewayError for a refund
 * that can never succeed as asked (see the codes below).
 */
export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /** The charge made with this idempotency key, if any (used to settle a booking safely). */
  findCharge(idempotencyKey: string): Promise<ChargeRecord | undefined>;
  /**
   * Voids a charge still open (requires_action, pending) so that it can never capture, and
   * returns what it finally is: `declined`, or `captured` when it captured first. A final charge
   * is returned as it is; undefined when there is none.
   */
  cancel(idempotencyKey: string): Promise<ChargeRecord | undefined>;
}

/** Final outcomes of a charge (the others wait for the buyer or the provider). */
export const isFinalCharge = (c: Pick<ChargeResult, 'status'>): boolean => c.status === 'captured' || c.status === 'declined';

/**
 * The gateway refused a request that can never succeed as sent. Not a DomainError: it never
 * reaches a client (the worker retries, then dead-letters the booking, which is settled).
 */
export class PaymentGatewayError extends Error {
  /**
   * - `idempotency_conflict`: the key was used for another amount or payment;
   * - `invalid_payment_method`: the method can never be charged;
   * - `payment_not_found`: no captured payment with this id (unknown, or declined);
   * - `invalid_amount`: a refund amount that is not a positive whole number of minor units;
   * - `refund_exceeds_charge`: the amount is more than what is left to refund (nothing moved);
   * - `already_refunded`: a new refund (another key) for a payment refunded in full;
   * - `refund_failed`: the provider tried and could not give the money back (e.g. a closed card).
   */
  readonly code:
    | 'idempotency_conflict'
    | 'invalid_payment_method'
    | 'payment_not_found'
    | 'invalid_amount'
    | 'refund_exceeds_charge'
    | 'already_refunded'
    | 'refund_failed';
  constructor(code: PaymentGatewayError['code'], message: string) {
    super(message);
    this.name = 'PaymentGatewayError';
    this.code = code;
  }
}
