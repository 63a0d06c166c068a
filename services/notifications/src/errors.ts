import type { ErrorStatusMap } from '@ticketing/errors';
import { UnrecoverableError } from '@ticketing/errors';

/**
 * Error codes of the notification service's HTTP API and their statuses. The read API only uses
 * the common codes (validation_failed, unauthorized, invalid_token); listed here for completeness.
 */
export const notificationsErrorStatus = {} as const satisfies ErrorStatusMap;

/** A message that can never be handled (not JSON, missing fields, unknown type): dead-lettered at once. */
export class MalformedMessageError extends UnrecoverableError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`malformed notification request: ${problems.join('; ')}`.slice(0, 1000));
    this.name = 'MalformedMessageError';
    this.problems = problems;
  }
}
