/**
 * Domain errors carry a stable snake_case `code`; each service maps codes to HTTP statuses in
 * one place (its errors.ts), so business code never speaks HTTP.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}

/** A map from error code to HTTP status, declared per service. */
export type ErrorStatusMap = Readonly<Record<string, number>>;

/** Codes shared by every service; their statuses are fixed by the API contract. */
export const commonErrorStatus = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  invalid_token: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies ErrorStatusMap;

export type CommonErrorCode = keyof typeof commonErrorStatus;

/** Thrown when a downstream dependency fails in a way worth retrying (network, 5xx, timeout). */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Thrown for a message or job that can never succeed; workers dead-letter it without retrying. */
export class UnrecoverableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnrecoverableError';
  }
}

/**
 * A dependency (the database, a broker, a cache a route cannot do without) cannot be reached
 * right now. Workers retry it like any TransientError; HTTP answers 503 `service_unavailable`
 * with `Retry-After`, whatever layer it was thrown from.
 */
export class DependencyUnavailableError extends TransientError {
  /** What is unavailable, e.g. `database`. */
  readonly dependency: string;
  /** @defaultValue 2 */
  readonly retryAfterSeconds: number;

  constructor(dependency: string, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 2;
  }
}

/** The DependencyUnavailableError that `err` is or was caused by (following `cause`), if any. */
export function findDependencyUnavailable(err: unknown): DependencyUnavailableError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof DependencyUnavailableError) return e;
  }
  return undefined;
}
