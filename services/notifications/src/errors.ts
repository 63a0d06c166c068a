import { commonErrorSpecs, defineErrors, UnrecoverableError, type DomainError } from '@ticketing/errors';

/** The notification service's read API answers with the common codes only (docs/errors.md). */
export const notificationsCatalog = defineErrors({ ...commonErrorSpecs });

export const errors = notificationsCatalog.errors;
export const notificationsErrorStatus = notificationsCatalog.statuses;
export type NotificationsErrorCode = keyof typeof notificationsCatalog.specs;
export type NotificationsError = DomainError<NotificationsErrorCode>;

/** A message that can never be handled (not JSON, missing fields, unknown type): dead-lettered at once. */
export class MalformedMessageError extends UnrecoverableError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`malformed notification request: ${problems.join('; ')}`.slice(0, 1000));
    this.name = 'MalformedMessageError';
    this.problems = problems;
  }
}
