import type { ErrorStatusMap } from '@ticketing/errors';

/** Error codes of the booking service and their HTTP statuses (documented in docs/bookings.md). */
export const bookingsErrorStatus = {
  hold_not_found: 404,
  hold_expired: 409,
  hold_not_active: 409,
  amount_mismatch: 400,
  idempotency_key_reused: 409,
  booking_not_found: 404,
  user_not_found: 404,
  seats_unavailable: 409,
  event_service_error: 502,
} as const satisfies ErrorStatusMap;
