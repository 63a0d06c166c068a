/** A charge request; `idempotencyKey` makes retries of one charge return its first result. */
export interface ChargeRequest {
  idempotencyKey: string;
  amountCents: number;
  currency: string;
  method: string;
  /** The caller's order reference (the booking id), kept on the charge for reconciliation. */
  reference?: string;
}

export interface ChargeResult {
  status: 'captured' | 'declined';
  paymentId: string;
  reason?: string;
}

export interface ChargeRecord extends ChargeResult {
  refunded: boolean;
}

export interface RefundRequest {
  paymentId: string;
  idempotencyKey: string;
}

/**
 * The payment port. `charge` throws a TransientError when the gateway could not decide (retry
 * with the same key); a decline is a result, not an error. `refund` is idempotent per payment.
 */
export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
  /** The charge made with this idempotency key, if any (used to settle a booking safely). */
  findCharge(idempotencyKey: string): Promise<ChargeRecord | undefined>;
}

/**
 * The gateway refused a request that can never succeed as sent. Not a DomainError: it never
 * reaches a client (the worker retries, then dead-letters the booking, which is settled).
 */
export class PaymentGatewayError extends Error {
  readonly code: 'idempotency_conflict' | 'invalid_payment_method' | 'payment_not_found';
  constructor(code: PaymentGatewayError['code'], message: string) {
    super(message);
    this.name = 'PaymentGatewayError';
    this.code = code;
  }
}
