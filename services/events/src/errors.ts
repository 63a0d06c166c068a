import { commonErrorSpecs, defineErrors, type DomainError } from '@ticketing/errors';

/** Every error the event service answers with: code, HTTP status, message (docs/errors.md). */
export const eventsCatalog = defineErrors({
  ...commonErrorSpecs,
  event_not_found: { status: 404, message: 'Event not found' },
  hold_not_found: { status: 404, message: 'Hold not found' },
  invalid_seats: { status: 400, message: 'Some seat numbers do not exist in this event' },
  seats_unavailable: { status: 409, message: 'Some requested seats are not available' },
  sales_closed: { status: 409, message: 'Sales are closed: the event has already started' },
  hold_not_active: { status: 409, message: 'The hold is not active' },
  hold_expired: { status: 409, message: 'The hold has expired' },
  hold_limit_reached: { status: 429, message: 'You already hold as many seats for this event as allowed' },
  idempotency_key_in_use: { status: 409, message: 'A request with this Idempotency-Key is still being processed; retry it later' },
  idempotency_key_mismatch: { status: 422, message: 'This Idempotency-Key was used with a different request body' },
});

export const errors = eventsCatalog.errors;
export const eventsErrorStatus = eventsCatalog.statuses;
export type EventsErrorCode = keyof typeof eventsCatalog.specs;
export type EventsError = DomainError<EventsErrorCode>;
