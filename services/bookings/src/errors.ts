import { commonErrorSpecs, defineErrors, type DomainError } from '@ticketing/errors';

/**
 * Every error the booking service answers with: code, HTTP status, message (docs/errors.md).
 * The event service's refusals are mapped to these at the client boundary
 * (clients/events-client.ts), never matched here by their text.
 */
export const bookingsCatalog = defineErrors({
  ...commonErrorSpecs,
  hold_not_found: { status: 404, message: 'Hold not found' },
  hold_expired: { status: 409, message: 'The hold has expired; hold the seats again' },
  hold_not_active: { status: 409, message: 'The hold cannot be booked any more' },
  amount_mismatch: { status: 400, message: "The amount does not match the hold's total" },
  idempotency_key_reused: { status: 409, message: 'This Idempotency-Key was already used for a booking of another hold' },
  booking_not_found: { status: 404, message: 'Booking not found' },
  user_not_found: { status: 404, message: 'User not found' },
  webhook_not_configured: { status: 404, message: 'This payment webhook endpoint is not configured' },
  webhook_signature_invalid: { status: 400, message: 'The webhook signature is not valid' },
  webhook_payload_invalid: { status: 400, message: 'The webhook payload is not a payment provider event' },
  cancellation_not_found: { status: 404, message: 'No cancellation of this event has reached the booking service (yet)' },
  event_not_found: { status: 404, message: 'Event not found' },
  booking_not_cancellable: { status: 409, message: 'Only a confirmed booking can be cancelled' },
  seats_already_cancelled: { status: 409, message: 'Some of these seats are already cancelled' },
  cancellation_not_allowed: { status: 409, message: 'The organizer of this event does not allow buyers to cancel bookings' },
  cancellation_deadline_passed: { status: 409, message: 'Cancellations for this event are closed' },
  event_cancelled: { status: 409, message: 'The event was cancelled: every booking is refunded in full' },
  ticket_already_used: { status: 409, message: 'A ticket of these seats was already used at the door' },
  already_refunded: { status: 409, message: 'This booking was already refunded by its organizer, or its payment is back in full' },
});

export const errors = bookingsCatalog.errors;
export const bookingsErrorStatus = bookingsCatalog.statuses;
export type BookingsErrorCode = keyof typeof bookingsCatalog.specs;
export type BookingsError = DomainError<BookingsErrorCode>;
