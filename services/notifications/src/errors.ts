import { commonErrorSpecs, defineErrors, UnrecoverableError, type DomainError } from '@ticketing/errors';

/** The notification service's codes (docs/errors.md): the common ones and the webhook endpoints'. */
export const notificationsCatalog = defineErrors({
  ...commonErrorSpecs,
  organization_not_found: { status: 404, message: 'No such organization, or you are not a member of it' },
  webhook_endpoint_not_found: { status: 404, message: 'No such webhook endpoint' },
  webhook_delivery_not_found: { status: 404, message: 'No such webhook delivery' },
  webhook_url_not_allowed: {
    status: 422,
    message: 'The URL must be https:// and reach a public address (not private, loopback or link-local)',
  },
  webhook_endpoint_limit: { status: 409, message: 'This organization has as many webhook endpoints as it may have' },
  webhook_endpoint_disabled: { status: 409, message: 'The endpoint is disabled: enable it first' },
});

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
