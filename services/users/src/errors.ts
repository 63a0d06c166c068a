import type { ErrorStatusMap } from '@ticketing/errors';

/** Error codes of the user service and their HTTP statuses (documented in docs/errors.md). */
export const usersErrorStatus = {
  email_taken: 409,
  authentication_failed: 401,
  invalid_current_password: 403,
  user_not_found: 404,
} as const satisfies ErrorStatusMap;
