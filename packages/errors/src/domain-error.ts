import { commonErrorSpecs, type CommonErrorCode } from './common.ts';

/**
 * A refusal with a stable snake_case `code`. Services make them with their catalog's factories
 * (src/errors.ts: `errors.holdNotFound()`), which give each its HTTP status and message, so
 * `code` is that service's union of codes and business code never speaks HTTP.
 */
export class DomainError<C extends string = string> extends Error {
  readonly code: C;
  /** From the catalog (or the common codes); undefined for a code no catalog knows: a bug. */
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: C, message: string, details?: Record<string, unknown>, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
    this.status = options?.status ?? (Object.hasOwn(commonErrorSpecs, code) ? commonErrorSpecs[code as CommonErrorCode].status : undefined);
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
