import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError, UnrecoverableError } from '@ticketing/errors';
import type { Logger } from '@ticketing/http';
import { isUuid } from '@ticketing/http';
import { HoldRefusedError, type CallContext, type EventsClient, type Hold, type HoldRefusal } from '../clients/events-client.ts';
import { PaymentGatewayError, isFinalCharge, type ChargeRecord, type PaymentGateway } from '../payments/payment-gateway.ts';
import { isOpenStatus, type BookingRow, type BookingsRepository } from './bookings.repository.ts';
import { finishBooking, type FinishDeps } from './finish-booking.ts';

export interface ProcessBookingDeps extends FinishDeps {
  bookingsRepository: BookingsRepository;
  events: EventsClient;
  gateway: PaymentGateway;
  logger: Logger;
  /** How long a payment may stay open (buyer's 3-D Secure, provider undecided) before settling voids it. */
  openPaymentTimeoutSeconds: number;
}

/** Answers from the event service that mean the hold can no longer become this booking's seats. */
const HOLD_LOST: ReadonlySet<HoldRefusal> = new Set(['seats_unavailable', 'hold_not_active', 'hold_not_found', 'hold_expired']);

/** Retries a call that failed transiently a few times at once before giving up to the bus's slower backoff. */
export async function retryTransient<T>(fn: () => Promise<T>, attempts = 3, baseMs = 100): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TransientError) || attempt >= attempts) throw err;
      await sleep(baseMs * 2 ** (attempt - 1));
    }
  }
}

/** Reads and checks the booking id of a `booking-requests` message; a malformed one can never succeed. */
export function bookingIdOf(value: unknown): string {
  const id = (value as { booking_id?: unknown } | null)?.booking_id;
  if (typeof id !== 'string' || !isUuid(id)) throw new UnrecoverableError('message has no valid booking_id');
  return id.toLowerCase();
}

/**
 * Gives a failed booking's whole charge back, once (key `refund:<booking id>`). A payment
 * already refunded in full under another key (an event cancellation, a refund in the
 * provider's dashboard) needs nothing more.
 */
async function refundInFull(gateway: PaymentGateway, paymentId: string, bookingId: string): Promise<void> {
  try {
    await gateway.refund({ paymentId, idempotencyKey: `refund:${bookingId}`, reason: 'booking_failed' });
  } catch (err) {
    if (!(err instanceof PaymentGatewayError && err.code === 'already_refunded')) throw err;
  }
}
const declinedReason = (why: string | undefined) => `Payment declined: ${why ?? 'declined'}`;

export interface ProcessContext extends CallContext {
  /** Aborted when the worker stops (its drain): a booking whose payment has not started is left here. */
  stopping?: AbortSignal | undefined;
}

/**
 * A worker that is stopping leaves a booking whose payment has not started: the message stays
 * uncommitted, and the partition's next consumer carries on from what is stored (every step is
 * idempotent). A payment already started is seen through to the booking's outcome, so a drain
 * waits for one payment and one confirmation, never for a queue of bookings behind them.
 */
function leaveIfStopping(ctx: ProcessContext, bookingId: string): void {
  if (ctx.stopping?.aborted) throw new TransientError(`the worker is stopping: booking ${bookingId} is left to its next delivery`);
}

/**
 * Processes one booking to its final state. Safe to run any number of times, concurrently too:
 * the charge uses the booking id as idempotency key (one charge whatever happens), hold calls
 * are idempotent for this booking id, and the outcome is stored once (conditional update).
 * Throws TransientError when a dependency could not answer, so the bus retries later.
 */
export async function processBooking(deps: ProcessBookingDeps, bookingId: string, ctx: ProcessContext = {}): Promise<void> {
  leaveIfStopping(ctx, bookingId);
  // The first delivery (the usual case) marks the payment as started in the same statement that reads the booking.
  let booking = await deps.bookingsRepository.markPaymentProcessing(bookingId);
  if (booking) {
    deps.status.publish(booking);
  } else {
    booking = await deps.bookingsRepository.findById(bookingId);
    if (!booking) throw new UnrecoverableError(`booking ${bookingId} does not exist`);
    if (!isOpenStatus(booking.status)) return;
  }

  let paymentId = booking.payment_id;
  if (booking.payment_status !== 'captured' || paymentId === null) {
    leaveIfStopping(ctx, bookingId);
    const result = await deps.gateway.charge({
      idempotencyKey: booking.id,
      amountCents: Number(booking.total_cents),
      currency: booking.currency,
      method: booking.payment_method,
      reference: booking.id,
    });
    if (result.status === 'declined') {
      await releaseQuietly(deps, booking, 'payment_declined', ctx);
      await finishBooking(deps, booking, {
        status: 'failed',
        paymentStatus: 'failed',
        // A request refused before a PaymentIntent existed has no payment id.
        paymentId: result.paymentId || null,
        reason: declinedReason(result.reason),
      });
      return;
    }
    if (result.status === 'requires_action') {
      // The buyer finishes it (Stripe.js); the provider's webhook or the reconciler brings the outcome.
      const waiting = await deps.bookingsRepository.markActionRequired(bookingId, result.paymentId, result.clientSecret ?? null);
      if (waiting) deps.status.publish(waiting);
      return;
    }
    if (result.status === 'pending') {
      // The provider has the charge and decides later: its webhook or the reconciler settles the booking.
      deps.logger.info({ booking_id: bookingId, payment_id: result.paymentId }, 'payment pending at the provider');
      return;
    }
    paymentId = result.paymentId;
    const captured = await deps.bookingsRepository.markCaptured(bookingId, paymentId);
    if (captured) {
      deps.status.publish(captured);
    } else {
      // The booking was settled (failed) by the reconciler while we were charging: the money
      // must go back.
      const now = await deps.bookingsRepository.findById(bookingId);
      if (now?.status === 'failed') {
        await refundInFull(deps.gateway, paymentId, bookingId);
        const refunded = await deps.bookingsRepository.markLateRefund(bookingId, paymentId);
        if (refunded) deps.status.publish(refunded);
        deps.logger.warn({ booking_id: bookingId }, 'payment captured after the booking was settled: refunded');
        return;
      }
      if (now?.status === 'confirmed') return;
      // Still open: another process marked it meanwhile; confirming below is idempotent.
    }
  }

  await confirmOrRefund(deps, booking, paymentId, ctx);
}

/**
 * The last step for a booking whose payment is captured: the event service's confirm decides.
 * Confirmed (or already confirmed for this booking) → the booking ends confirmed. A definitive
 * "no" (the hold is gone, released, taken by another booking, or its seats were taken after it
 * expired) → the money goes back and the booking fails. Anything else (the event service did
 * not answer) is thrown, so the caller tries again later: a captured payment is never refunded
 * because our own service blinked.
 */
async function confirmOrRefund(
  deps: ProcessBookingDeps,
  booking: BookingRow,
  paymentId: string,
  ctx: CallContext,
): Promise<BookingRow | undefined> {
  try {
    await retryTransient(() => deps.events.confirmHold(booking.hold_id, { booking_id: booking.id }, ctx));
  } catch (err) {
    if (err instanceof HoldRefusedError && HOLD_LOST.has(err.refusal)) {
      await refundInFull(deps.gateway, paymentId, booking.id);
      return finishBooking(deps, booking, {
        status: 'failed',
        paymentStatus: 'refunded',
        paymentId,
        reason:
          err.refusal === 'seats_unavailable'
            ? 'The seats were taken after the hold expired'
            : `The hold could not be confirmed (${err.refusal})`,
      });
    }
    throw err;
  }
  return finishBooking(deps, booking, { status: 'confirmed', paymentId });
}

/** Releases the hold of a failed booking; a hold already gone or not ours is fine (its seats are not ours to free). */
async function releaseQuietly(deps: ProcessBookingDeps, booking: BookingRow, reason: string, ctx: CallContext): Promise<Hold | undefined> {
  try {
    return await retryTransient(() => deps.events.releaseHold(booking.hold_id, { booking_id: booking.id, reason }, ctx));
  } catch (err) {
    if (err instanceof HoldRefusedError) {
      deps.logger.info({ booking_id: booking.id, refusal: err.refusal }, 'hold not released');
      return undefined;
    }
    throw err;
  }
}

/**
 * Settles a booking whose processing gave up (dead letter) or got stuck (reconciler). The money
 * decides first: a captured, unrefunded charge means the customer paid, so the booking is
 * confirmed whenever the event service still lets it have its seats, and refunded only on a
 * definitive refusal (confirmOrRefund). Without a capture, the hold is released first, so that
 * no worker can confirm it afterwards; a release refused because the hold is confirmed for this
 * booking means a worker got that far, and its charge decides. `reason` is kept for failures
 * with no better one (a declined card keeps its decline).
 *
 * Throws when the event service, the gateway or the database could not answer: the caller
 * retries until it succeeds (settling is never handed to a later, blinder step).
 */
export async function settleBooking(
  deps: ProcessBookingDeps,
  bookingId: string,
  reason: string,
  ctx: CallContext = {},
): Promise<BookingRow | undefined> {
  const booking = await deps.bookingsRepository.findById(bookingId);
  if (!booking || !isOpenStatus(booking.status)) return booking;

  let charge = await deps.gateway.findCharge(bookingId);
  if (charge && !isFinalCharge(charge)) {
    // Waiting for the buyer or the provider is not stuck until the open-payment timeout; then
    // the payment is voided, and a capture that landed first still wins.
    const waitedMs = Date.now() - booking.created_at.getTime();
    if (waitedMs < deps.openPaymentTimeoutSeconds * 1000) return booking;
    charge = await deps.gateway.cancel(bookingId);
  }
  if (charge?.status === 'captured' && !charge.refunded) return confirmOrRefund(deps, booking, charge.paymentId, ctx);

  try {
    await retryTransient(() => deps.events.releaseHold(booking.hold_id, { booking_id: bookingId, reason: 'booking_failed' }, ctx));
  } catch (err) {
    if (!(err instanceof HoldRefusedError)) throw err;
    if (err.refusal === 'hold_not_active') {
      const hold = await retryTransient(() => deps.events.getHold(booking.hold_id, ctx));
      if (hold.status === 'confirmed' && hold.booking_id === bookingId) {
        // A worker confirmed the seats after our first look at the charge: it had captured it.
        const paid = await deps.gateway.findCharge(bookingId);
        if (paid?.status === 'captured' && !paid.refunded) {
          return finishBooking(deps, booking, { status: 'confirmed', paymentId: paid.paymentId });
        }
        deps.logger.error({ booking_id: bookingId }, 'hold confirmed without a captured payment');
      }
    } else if (err.refusal !== 'hold_not_found') {
      throw err;
    }
  }

  // The seats are released: a charge that landed meanwhile goes back (one still open is voided first).
  let last = await deps.gateway.findCharge(bookingId);
  if (last && !isFinalCharge(last)) last = await deps.gateway.cancel(bookingId);
  if (last?.status === 'captured') {
    await refundInFull(deps.gateway, last.paymentId, bookingId);
    return finishBooking(deps, booking, { status: 'failed', paymentStatus: 'refunded', paymentId: last.paymentId, reason });
  }
  return finishBooking(deps, booking, {
    status: 'failed',
    paymentStatus: 'failed',
    paymentId: last?.paymentId || null,
    reason: last?.status === 'declined' ? declinedReason(last.reason) : reason,
  });
}

/**
 * Brings a booking in line with what the payment provider says now: called for every provider
 * webhook that names it, whatever the webhook's own content (it only says "look again"), so a
 * late, repeated or out-of-order webhook can only move the booking to the provider's truth.
 * - open booking, charge captured → confirmed (or refunded when its seats are gone);
 * - open booking, charge declined → failed, hold released;
 * - open booking, charge still open → unchanged (the reconciler voids it after the timeout);
 * - failed booking, charge captured → refunded (it landed after we gave up);
 * - confirmed booking, charge refunded in full elsewhere → payment_status refunded.
 * Throws when a dependency could not answer (the provider retries its webhook).
 */
export async function syncWithProvider(
  deps: ProcessBookingDeps,
  bookingId: string,
  ctx: CallContext = {},
): Promise<BookingRow | undefined> {
  const booking = await deps.bookingsRepository.findById(bookingId);
  if (!booking) return undefined;
  const charge: ChargeRecord | undefined = await deps.gateway.findCharge(bookingId);
  if (!charge) return booking;

  if (isOpenStatus(booking.status)) {
    if (charge.status === 'captured' && !charge.refunded) {
      const captured = await deps.bookingsRepository.markCaptured(bookingId, charge.paymentId);
      if (captured) deps.status.publish(captured);
      return (await confirmOrRefund(deps, captured ?? booking, charge.paymentId, ctx)) ?? booking;
    }
    if (charge.status === 'declined') return (await settleBooking(deps, bookingId, declinedReason(charge.reason), ctx)) ?? booking;
    if (charge.status === 'requires_action' && booking.status !== 'payment_action_required') {
      const waiting = await deps.bookingsRepository.markActionRequired(bookingId, charge.paymentId, charge.clientSecret ?? null);
      if (waiting) deps.status.publish(waiting);
      return waiting ?? booking;
    }
    return booking;
  }
  if (booking.status === 'failed' && charge.status === 'captured' && !charge.refunded) {
    await refundInFull(deps.gateway, charge.paymentId, bookingId);
    const refunded = await deps.bookingsRepository.markLateRefund(bookingId, charge.paymentId);
    if (refunded) deps.status.publish(refunded);
    deps.logger.warn({ booking_id: bookingId }, 'payment captured after the booking failed: refunded');
    return refunded ?? booking;
  }
  if (booking.status === 'confirmed' && charge.refunded && booking.payment_status === 'captured') {
    const refunded = await deps.bookingsRepository.markRefundedAfterConfirm(bookingId);
    if (refunded) deps.status.publish(refunded);
    return refunded ?? booking;
  }
  return booking;
}
