/** An entry of an error catalog: the HTTP status and the message a person reads. */
export interface ErrorSpec {
  readonly status: number;
  /** A sentence for people; a factory call may give a more specific one. */
  readonly message: string;
}

export type ErrorSpecs = Readonly<Record<string, ErrorSpec>>;

/** Codes every service answers with, fixed by the API contract (docs/errors.md, "All services"). */
export const commonErrorSpecs = {
  validation_failed: { status: 400, message: 'The request is not valid' },
  invalid_json: { status: 400, message: 'Request body is not valid JSON' },
  bad_request: { status: 400, message: 'The request is malformed' },
  unauthorized: { status: 401, message: 'Authentication required: send Authorization: Bearer <token>' },
  invalid_token: { status: 401, message: 'The access token is invalid or expired' },
  forbidden: { status: 403, message: 'You are not allowed to do this' },
  not_found: { status: 404, message: 'No such route' },
  method_not_allowed: { status: 405, message: 'This method is not allowed on this path' },
  request_timeout: { status: 408, message: 'The request took too long to arrive' },
  payload_too_large: { status: 413, message: 'Request body is too large' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json' },
  rate_limited: { status: 429, message: 'Too many requests; try again later' },
  headers_too_large: { status: 431, message: 'The URL and headers exceed 64 KiB' },
  internal_error: { status: 500, message: 'An unexpected error occurred' },
  service_unavailable: { status: 503, message: 'The service is temporarily unavailable; try again shortly' },
} as const satisfies ErrorSpecs;

export type CommonErrorCode = keyof typeof commonErrorSpecs;

/** A map from error code to HTTP status. */
export type ErrorStatusMap = Readonly<Record<string, number>>;

/** The common codes' statuses. */
export const commonErrorStatus: Readonly<Record<CommonErrorCode, number>> = Object.fromEntries(
  Object.entries(commonErrorSpecs).map(([code, spec]) => [code, spec.status]),
) as Record<CommonErrorCode, number>;
