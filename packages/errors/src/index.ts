export * from './common.ts';
export * from './domain-error.ts';
export * from './catalog.ts';

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

/** The message of anything thrown, for a sentence; logs take the error itself (pino's `err`). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
