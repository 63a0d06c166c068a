// Every error a person sees is a sentence: a friendly text per stable error code, else the
// API's own `message`, never raw JSON.
export interface ApiErrorBody {
  error?: string;
  message?: string;
  details?: Record<string, unknown>;
}

const FRIENDLY: Record<string, string> = {
  authentication_failed: 'That email and password do not match an account.',
  email_taken: 'An account with this email already exists. Log in instead?',
  invalid_current_password: 'Your current password is not right.',
  unauthorized: 'Please log in first.',
  invalid_token: 'Your session has ended. Please log in again.',
  rate_limited: 'Too many attempts. Please wait a moment and try again.',
  link_invalid: 'This link is not valid or has already been used. Ask for a new one below.',
  link_expired: 'This link has expired. Ask for a new one below.',
  event_not_found: 'This event does not exist (any more).',
  seats_unavailable: 'Some of those seats were just taken by someone else.',
  sales_closed: 'Sales for this event are not open: they have not started yet, are over, or the event was cancelled.',
  hold_limit_reached: 'You already hold seats for this event several times. Finish or release a hold first.',
  hold_not_found: 'This reservation was not found. It may have been released.',
  hold_expired: 'Your reservation expired and the seats were released. Please pick your seats again.',
  hold_not_active: 'This reservation can no longer be changed: it is being paid or was already booked.',
  admission_required: 'Sales for this event go through a waiting room. Join the queue to pick seats.',
  admission_token_invalid: 'Your place in the waiting room is not valid any more. Please join the queue again.',
  admission_token_expired: 'Your turn to pick seats has expired. Please join the queue again.',
  admission_token_wrong_account: 'This turn in the waiting room belongs to another account. Please join the queue yourself.',
  admission_token_used: 'You already used your turn to hold seats. Join the queue again for more.',
  waiting_room_unavailable: 'The queue is paused for a moment; your place is kept. Please try again shortly.',
  waitlist_seats_available: 'Seats are still available: pick them on the seat map instead of waiting.',
  already_on_waitlist: 'You are already on the waiting list for this event (and section).',
  waitlist_entry_not_found: 'This waiting list entry was not found.',
  waitlist_no_offer: 'This offer is no longer open: it ran out or was declined.',
  booking_not_found: 'This booking was not found.',
  cancellation_not_allowed: 'The organizer of this event does not allow cancellations.',
  seats_already_cancelled: 'Some of these seats were already cancelled. Please reload the page.',
  event_cancelled: 'This event was cancelled: your booking is refunded in full.',
  already_refunded: 'This booking was already refunded.',
  forbidden: 'Your role does not allow this. An owner of the organization can change your role.',
  amount_mismatch: 'The amount to pay changed. Please reload the page.',
  organization_not_found: 'This organization does not exist, or you are not a member of it.',
  webhook_endpoint_not_found: 'This webhook endpoint does not exist (any more).',
  webhook_delivery_not_found: 'This delivery does not exist (any more): its endpoint may have been deleted.',
  webhook_endpoint_limit: 'This organization has as many webhook endpoints as it may have. Delete one first.',
  webhook_endpoint_disabled: 'This endpoint is disabled: enable it first, then send or replay events.',
  payload_too_large: 'That is too much data to send at once.',
  service_unavailable: 'The service is busy or not available right now. Please try again in a moment.',
  gateway_timeout: 'The server took too long to answer. Please try again.',
  bad_gateway: 'The service is not available right now. Please try again in a moment.',
  internal_error: 'Something went wrong on our side. Please try again.',
  not_found: 'That page or resource does not exist.',
};

/** Codes whose API message is more precise than the generic text (it names the fields or seats). */
const USE_API_MESSAGE = new Set([
  'validation_failed',
  'invalid_seats',
  'cancellation_deadline_passed',
  'ticket_already_used',
  'booking_not_cancellable',
]);

export function describeError(body: unknown, status?: number): string {
  const b = (body ?? {}) as ApiErrorBody;
  if (b.error === 'validation_failed' && b.details && typeof b.details.fields === 'object' && b.details.fields) {
    const fields = Object.entries(b.details.fields as Record<string, string>).map(([f, why]) => `${f.replace(/_/g, ' ')} ${why}`);
    return `Please check the form: ${fields.join('; ')}.`;
  }
  if (b.error && USE_API_MESSAGE.has(b.error) && b.message) return ensureSentence(b.message);
  if (b.error && FRIENDLY[b.error]) return FRIENDLY[b.error]!;
  if (b.message) return ensureSentence(b.message);
  if (status && status >= 500) return FRIENDLY.internal_error!;
  return 'Something went wrong. Please try again.';
}

function ensureSentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export const NETWORK_ERROR = 'Cannot reach the server. Check your connection and try again.';
