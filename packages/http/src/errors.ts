import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, commonErrorStatus, findDependencyUnavailable, type ErrorStatusMap } from '@ticketing/errors';
import { describeInvalidRequest, describeValidationErrors } from './validation.ts';

export interface ErrorBody {
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Registers the one error handler of a service: every failure leaves as `{error, message, details}`. */
export function installErrorHandler(app: FastifyInstance, statusMap: ErrorStatusMap): void {
  const statuses: ErrorStatusMap = { ...commonErrorStatus, ...statusMap };

  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(err, statuses);
    if (status >= 500 && body.error === 'internal_error') {
      const errorId = randomUUID();
      body.details = { error_id: errorId };
      const uncatalogued = isDomainError(err) && err.code !== 'internal_error' ? { uncatalogued_code: err.code } : {};
      request.log.error(
        { err, error_id: errorId, ...uncatalogued },
        uncatalogued.uncatalogued_code ? 'error code missing from the catalog' : 'unhandled error',
      );
    } else if (status >= 500) {
      // A deliberate 5xx (e.g. 503 while a dependency is down): expected, no stack trace needed.
      // With its cause (which dependency, which call, which timeout), the line says where to look.
      const cause = findDependencyUnavailable(err) ?? (err.cause instanceof Error ? err.cause : undefined);
      request.log.warn({ error: body.error, status, cause: cause?.message }, body.message);
    } else {
      request.log.info({ error: body.error, status }, body.message);
    }
    const retryAfter = body.details?.retry_after_seconds;
    if ((status === 429 || status === 503) && typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  });
}

function toErrorResponse(err: FastifyError, statuses: ErrorStatusMap): { status: number; body: ErrorBody } {
  // A dependency outage (the database restarting, a broker away), from whatever layer it was
  // thrown: the client should come back shortly, not report a bug.
  const outage = findDependencyUnavailable(err);
  if (outage) {
    return {
      status: 503,
      body: {
        error: 'service_unavailable',
        message: `The service is temporarily unavailable (${outage.dependency} unreachable); try again shortly`,
        details: { retry_after_seconds: outage.retryAfterSeconds },
      },
    };
  }
  if (isDomainError(err)) {
    // The catalog's factory gave the error its status; the map is for errors made without one.
    const status = err.status ?? statuses[err.code];
    if (status === undefined) {
      // A code no catalog knows is a bug (the catalog tests should have caught it): reported
      // as one, with the code in the log line, never passed off as a deliberate answer.
      return { status: 500, body: { error: 'internal_error', message: 'An unexpected error occurred' } };
    }
    const body: ErrorBody = { error: err.code, message: err.message };
    if (err.details) body.details = err.details;
    return { status, body };
  }
  if (err.validation) {
    const fields = describeValidationErrors(err.validation, err.validationContext ?? 'request');
    return { status: 400, body: { error: 'validation_failed', message: describeInvalidRequest(fields), details: { fields } } };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { error: 'payload_too_large', message: 'Request body is too large' } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: 'unsupported_media_type', message: 'Send the body as application/json' } };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { error: 'invalid_json', message: 'Request body is not valid JSON' } };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: { error: 'bad_request', message: 'Content-Length does not match the body' } };
    default:
      break;
  }
  if (err instanceof SyntaxError || err.name === 'SyntaxError') {
    return { status: 400, body: { error: 'invalid_json', message: 'Request body is not valid JSON' } };
  }
  const statusCode = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: { error: 'bad_request', message: err.message } };
  }
  return { status: 500, body: { error: 'internal_error', message: 'An unexpected error occurred' } };
}
