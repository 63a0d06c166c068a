import { commonErrorSpecs, defineErrors, type DomainError } from '@ticketing/errors';

/** Every error the event service answers with: code, HTTP status, message (docs/errors.md). */
export const eventsCatalog = defineErrors({
  ...commonErrorSpecs,
  event_not_found: { status: 404, message: 'Event not found' },
  hold_not_found: { status: 404, message: 'Hold not found' },
  invalid_seats: { status: 400, message: 'Some seat numbers do not exist in this event' },
  seats_unavailable: { status: 409, message: 'Some requested seats are not available' },
  sales_closed: { status: 409, message: 'Sales are not open for this event: they have not started yet, are over, or it was cancelled' },
  organization_not_found: { status: 404, message: 'Organization not found' },
  event_not_editable: { status: 409, message: 'This event can no longer be changed: it has ended or was cancelled' },
  hold_not_active: { status: 409, message: 'The hold is not active' },
  hold_expired: { status: 409, message: 'The hold has expired' },
  amount_mismatch: { status: 409, message: "The amount does not match the hold's total" },
  hold_limit_reached: { status: 429, message: 'You already hold as many seats for this event as allowed' },
  idempotency_key_in_use: { status: 409, message: 'A request with this Idempotency-Key is still being processed; retry it later' },
  idempotency_key_mismatch: { status: 422, message: 'This Idempotency-Key was used with a different request body' },
  admission_required: {
    status: 403,
    message: 'This event sells through a waiting room: join the queue and hold seats with your admission token',
  },
  admission_token_invalid: { status: 403, message: 'The admission token is not valid for this event' },
  admission_token_expired: { status: 403, message: 'Your admission has expired: join the queue again' },
  admission_token_wrong_account: { status: 403, message: 'This admission token belongs to another account' },
  admission_token_used: { status: 409, message: 'This admission token has already been used for a hold' },
  already_in_queue: { status: 409, message: 'You already have a place in this queue' },
  queue_entry_not_found: { status: 404, message: 'You have no place in this queue: join it first' },
  waiting_room_not_enabled: { status: 409, message: 'This event has no waiting room switched on' },
  waitlist_seats_available: { status: 409, message: 'Seats are still available: hold them instead of joining the waiting list' },
  already_on_waitlist: { status: 409, message: 'You are already on the waiting list of this event (and section)' },
  waitlist_entry_not_found: { status: 404, message: 'Waiting list entry not found' },
  waitlist_no_offer: { status: 409, message: 'This waiting list entry has no live offer' },
  waiting_room_unavailable: {
    status: 503,
    message: 'The waiting room is paused for a moment; your place is kept. Try again shortly',
  },
});

export const errors = eventsCatalog.errors;
export const eventsErrorStatus = eventsCatalog.statuses;
export type EventsErrorCode = keyof typeof eventsCatalog.specs;
export type EventsError = DomainError<EventsErrorCode>;
