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

/** Turns ajv errors into `{ "<field>": "<problem>" }`, one entry per bad field. */
export function describeValidationErrors(errors: readonly Partial<ErrorObject>[], context: string): Record<string, string> {
  const fields: Record<string, string> = {};
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
    fields[key] =
      e.keyword === 'required' ? 'is required' : e.keyword === 'additionalProperties' ? 'is not allowed' : (e.message ?? 'is invalid');
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
