import type { ErrorStatusMap } from '@ticketing/errors';

/** Error codes of the event service and their HTTP statuses (documented in docs/events.md). */
export const eventsErrorStatus = {
  event_not_found: 404,
  hold_not_found: 404,
  invalid_seats: 400,
  seats_unavailable: 409,
  sales_closed: 409,
  hold_not_active: 409,
  hold_expired: 409,
  hold_limit_reached: 429,
} as const satisfies ErrorStatusMap;
