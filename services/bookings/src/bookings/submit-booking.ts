import { randomUUID } from 'node:crypto';
import type { UserClaims } from '@ticketing/auth';
import { newTraceparent, type OutboxSignal } from '@ticketing/bus';
import { bookingRequests, fromCents, toCents } from '@ticketing/contracts';
import { DomainError, TransientError } from '@ticketing/errors';
import { invalidRequest, isUuid } from '@ticketing/http';
import { activeTraceHeaders } from '@ticketing/telemetry';
import { HoldRefusedError, type EventsClient, type Hold } from '../clients/events-client.ts';
import { errors, type BookingsError, type BookingsErrorCode } from '../errors.ts';
import { bookingIdForHold } from './booking-id.ts';
import type { BookingRow, BookingsRepository } from './bookings.repository.ts';

export interface SubmitBookingDeps {
  bookingsRepository: BookingsRepository;
  signal: OutboxSignal;
  events: EventsClient;
  bookingRequestsTopic: string;
  /** Used only when the event service's hold carries no currency (an older event service). */
  currency: string;
  /** Payment window asked for when locking; 0 leaves it to the event service. */
  lockSeconds: number;
  onSubmitted?: () => void;
}

export interface SubmitBookingInput {
  user: UserClaims;
  holdId: string;
  paymentMethod: string;
  amount: number;
  idempotencyKey?: string | undefined;
  requestId?: string | undefined;
  traceparent?: string | undefined;
}

export interface SubmitBookingResult {
  /** false when the booking already existed (a retry): the route answers 200 instead of 202. */
  created: boolean;
  booking: BookingRow;
}

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const holdNotFound = () => errors.holdNotFound();
/** Refusals that a concurrent submit of the same hold may explain (its booking is the answer). */
const SETTLED_ELSEWHERE: ReadonlySet<BookingsErrorCode> = new Set(['hold_not_active', 'hold_expired']);

function invalidAmount(): BookingsError {
  return invalidRequest({ 'payment_info.amount': 'must be a positive amount with at most two decimals' });
}

/** The event service's refusal of the hold, as this use case answers it. */
function refusedHold(err: HoldRefusedError): BookingsError {
  switch (err.refusal) {
    case 'hold_not_found':
      return errors.holdNotFound();
    case 'hold_expired':
      return errors.holdExpired();
    case 'amount_mismatch':
      return errors.amountMismatch({
        message: `The amount does not match the hold's total of ${(err.expected ?? 0).toFixed(2)}`,
        details: { expected: err.expected ?? null },
      });
    case 'hold_not_active':
    case 'seats_unavailable':
      return errors.holdNotActive();
  }
}

/** The name carried in messages: the token's `name` claim, else the email's local part. */
export function displayName(user: UserClaims): string {
  const name = user.name?.trim();
  if (name) return name;
  return user.email.split('@')[0] || user.email;
}

/**
 * Accepts a booking for a hold: the booking id is derived from the hold id, so concurrent
 * submits and client retries all target one booking. The hold is validated (owner, state,
 * amount) and locked by one call to the event service, then the booking and its `booking-requests` outbox row are written in one
 * statement (one atomic commit); the relay publishes it and a worker charges and confirms.
 */
export async function submitBooking(deps: SubmitBookingDeps, input: SubmitBookingInput): Promise<SubmitBookingResult> {
  const { user } = input;
  const amountCents = toCents(input.amount);
  if (amountCents === undefined || amountCents <= 0) throw invalidAmount();
  // A hold id that cannot be one is answered like an unknown hold.
  if (!isUuid(input.holdId)) throw holdNotFound();
  const holdId = input.holdId.toLowerCase();
  const bookingId = bookingIdForHold(holdId);

  if (input.idempotencyKey !== undefined) {
    const byKey = await deps.bookingsRepository.findByIdempotencyKey(user.user_id, input.idempotencyKey);
    if (byKey && byKey.hold_id !== holdId) {
      throw errors.idempotencyKeyReused({ details: { booking_id: byKey.id } });
    }
    if (byKey) return { created: false, booking: byKey };
  }

  const existing = await deps.bookingsRepository.findById(bookingId);
  if (existing) {
    if (existing.user_id !== user.user_id) throw holdNotFound();
    return { created: false, booking: existing };
  }

  const ctx = { requestId: input.requestId };
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof TransientError) {
        throw errors.serviceUnavailable({
          message: 'The event service is unavailable; try again shortly',
          details: { retry_after_seconds: 1 },
          // Logged with the 503: which call failed, and how (a timeout, after how long).
          cause: err,
        });
      }
      if (err instanceof HoldRefusedError) throw refusedHold(err);
      throw err;
    }
  };

  let locked: Hold;
  try {
    // One call checks everything (the hold is this user's, active, for this amount) and locks it.
    locked = await call(() =>
      deps.events.lockHold(
        holdId,
        {
          user_id: user.user_id,
          booking_id: bookingId,
          total_price: fromCents(amountCents),
          ...(deps.lockSeconds > 0 ? { lock_seconds: deps.lockSeconds } : {}),
        },
        ctx,
      ),
    );
  } catch (err) {
    // A concurrent submit for this hold may have stored the booking and a worker already
    // confirmed or released the hold: that submit's booking is the answer, not the hold's state.
    if (err instanceof DomainError && SETTLED_ELSEWHERE.has(err.code as BookingsErrorCode)) {
      const concurrent = await deps.bookingsRepository.findById(bookingId);
      if (concurrent?.user_id === user.user_id) return { created: false, booking: concurrent };
    }
    throw err;
  }

  // With tracing on, the request's span (whose trace the client's traceparent started); without,
  // the client's traceparent or a new one: either way one trace id follows the booking.
  const traceparent =
    activeTraceHeaders().traceparent ??
    (input.traceparent !== undefined && TRACEPARENT.test(input.traceparent) ? input.traceparent : newTraceparent());
  const userName = displayName(user);
  const eventDate = new Date(locked.event_date).toISOString();
  const inserted = await deps.bookingsRepository.insertWithOutbox(
    {
      id: bookingId,
      hold_id: holdId,
      user_id: user.user_id,
      user_email: user.email,
      user_name: userName,
      idempotency_key: input.idempotencyKey ?? null,
      event_id: locked.event_id,
      event_name: locked.event_name,
      venue: locked.venue,
      event_date: eventDate,
      seats: locked.seats,
      total_cents: amountCents,
      currency: locked.currency ?? deps.currency,
      payment_method: input.paymentMethod,
      traceparent,
    },
    {
      id: randomUUID(),
      ...bookingRequests.message({
        topic: deps.bookingRequestsTopic,
        key: bookingId,
        headers: { traceparent },
        value: {
          booking_id: bookingId,
          user_id: user.user_id,
          user_email: user.email,
          user_name: userName,
          hold_id: holdId,
          event_id: locked.event_id,
          event_name: locked.event_name,
          venue: locked.venue,
          event_date: eventDate,
          seats: locked.seats,
          payment_info: { payment_method: input.paymentMethod, amount: fromCents(amountCents) },
          timestamp: new Date().toISOString(),
        },
      }),
    },
  );

  if (inserted) {
    deps.signal.notify();
    deps.onSubmitted?.();
    return { created: true, booking: inserted };
  }
  // Nothing inserted: a concurrent submit for this hold won (return its booking), or the
  // Idempotency-Key is taken by another hold's booking of this user.
  const winner = await deps.bookingsRepository.findById(bookingId);
  if (winner) return { created: false, booking: winner };
  throw errors.idempotencyKeyReused();
}
