import { commonErrorSpecs, type ErrorSpecs } from './common.ts';
import { DomainError } from './domain-error.ts';

/** `hold_not_found` → `holdNotFound`. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

export interface ErrorOptions {
  /** Replaces the catalog's message, e.g. to name the seats concerned. */
  message?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** One factory per code, named in camelCase: `errors.holdNotFound()`. */
export type ErrorFactories<T extends ErrorSpecs> = {
  readonly [K in keyof T & string as CamelCase<K>]: (options?: ErrorOptions) => DomainError<K>;
};

export interface ErrorCatalog<T extends ErrorSpecs> {
  readonly specs: T;
  readonly errors: ErrorFactories<T>;
  /** Code → status, for the HTTP error handler. */
  readonly statuses: Readonly<Record<keyof T & string, number>>;
  has(code: string): code is keyof T & string;
}

export function camelCase<S extends string>(code: S): CamelCase<S> {
  return code.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as CamelCase<S>;
}

const CODE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * A service's error catalog: every code it can answer with, each with its status and message.
 * A malformed entry fails when the module loads, not at the first throw.
 */
export function defineErrors<const T extends ErrorSpecs>(specs: T): ErrorCatalog<T> {
  const errors: Record<string, (options?: ErrorOptions) => DomainError> = {};
  const statuses: Record<string, number> = {};
  for (const [code, spec] of Object.entries(specs)) {
    if (!CODE.test(code)) throw new Error(`error code ${code} is not snake_case`);
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599)
      throw new Error(`error ${code} needs a 4xx or 5xx status`);
    if (spec.message.trim() === '') throw new Error(`error ${code} needs a message`);
    statuses[code] = spec.status;
    errors[camelCase(code)] = (options = {}) =>
      new DomainError(code, options.message ?? spec.message, options.details, { status: spec.status, cause: options.cause });
  }
  return {
    specs,
    errors: errors as ErrorFactories<T>,
    statuses: statuses as Record<keyof T & string, number>,
    has: (code: string): code is keyof T & string => Object.hasOwn(specs, code),
  };
}

/** The common codes as a catalog: what packages (auth, http) throw. */
export const commonErrors = defineErrors(commonErrorSpecs);
