import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { commonErrors, type DomainError } from '@ticketing/errors';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: true,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Bodies are validated strictly (a string is never turned into a number: wrong types are a
 * 400), while query strings, params and headers, which are always text, are coerced.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const coercing = makeAjv('array');
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') return strict.compile(schema as object);
    // Unknown query parameters are refused unless a schema says otherwise.
    const s = schema as { type?: unknown; additionalProperties?: unknown };
    if (httpPart === 'querystring' && s.type === 'object' && s.additionalProperties === undefined) {
      return coercing.compile({ ...s, additionalProperties: false });
    }
    return coercing.compile(schema as object);
  };
}

const FORMATS: Record<string, string> = {
  uuid: 'a UUID',
  email: 'an email address',
  'date-time': 'a date-time with a time zone (RFC 3339, e.g. 2027-03-01T20:00:00Z)',
  date: 'a date (YYYY-MM-DD)',
  uri: 'a URL',
};

const TYPES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

/** ajv's keyword messages ("must NOT have more than 200 characters") as a person would say them. */
function describeProblem(e: Partial<ErrorObject>): string {
  const p = (e.params ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'type': {
      const types = (Array.isArray(p.type) ? p.type.map(String) : String(typeof p.type === 'string' ? p.type : '').split(',')).map(
        (t) => TYPES[t] ?? t,
      );
      return `must be ${types.join(' or ')}`;
    }
    case 'format':
      return `must be ${FORMATS[String(p.format)] ?? `in ${String(p.format)} format`}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `must be more than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(p.limit)}`;
    case 'minItems':
      return p.limit === 1 ? 'must not be empty' : `must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'uniqueItems':
      return 'must not repeat an item';
    case 'enum':
      return `must be one of: ${(Array.isArray(p.allowedValues) ? p.allowedValues : []).map(String).join(', ')}`;
    case 'const':
      return `must be ${String(p.allowedValue)}`;
    case 'pattern':
      return 'is not in the expected format';
    case 'multipleOf':
      return `must be a multiple of ${String(p.multipleOf)}`;
    case undefined:
    default:
      return e.message ?? 'is invalid';
  }
}

/** Turns ajv errors into `{ "<field>": "<problem>" }`, one entry per bad field, in words for people. */
export function describeValidationErrors(errors: readonly Partial<ErrorObject>[], context: string): Record<string, string> {
  const fields: Record<string, string> = {};
  // A union of literals (an enum written as anyOf) fails once per literal: say "one of" once.
  const literals = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword !== 'const') continue;
    const allowed = (e.params as { allowedValue?: unknown } | undefined)?.allowedValue;
    const list = literals.get(e.instancePath ?? '') ?? [];
    list.push(String(allowed));
    literals.set(e.instancePath ?? '', list);
  }
  for (const e of errors) {
    let path = (e.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const params = (e.params ?? {}) as Record<string, unknown>;
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      path = path ? `${path}.${params.missingProperty}` : params.missingProperty;
    }
    if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path = path ? `${path}.${params.additionalProperty}` : params.additionalProperty;
    }
    const key = path || context;
    if (fields[key] !== undefined) continue;
    const oneOf = literals.get(e.instancePath ?? '');
    fields[key] =
      (e.keyword === 'const' || e.keyword === 'anyOf') && oneOf && oneOf.length > 1
        ? `must be one of: ${oneOf.join(', ')}`
        : describeProblem(e);
  }
  return fields;
}

/** The one sentence every validation failure reads as, naming each bad field. */
export function describeInvalidRequest(fields: Record<string, string>): string {
  return `Invalid request: ${Object.entries(fields)
    .map(([name, problem]) => `${name} ${problem}`)
    .join('; ')}`.slice(0, 500);
}

/** A validation failure found outside the JSON schema (same code, message and details shape). */
export function invalidRequest(fields: Record<string, string>): DomainError<'validation_failed'> {
  return commonErrors.errors.validationFailed({ message: describeInvalidRequest(fields), details: { fields } });
}
