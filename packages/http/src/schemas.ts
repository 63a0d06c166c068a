import { Type, type TSchema } from '@sinclair/typebox';

export const ErrorBodySchema = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: undefined },
);

/**
 * Response schemas for the error statuses a route can return (documentation and serialization).
 * 503 is always among them: any route answers `service_unavailable` while a dependency it needs
 * (its database) is unreachable.
 */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries([...new Set([...statuses, 503])].map((s) => [s, ErrorBodySchema]));
}

/**
 * One server-sent event, as an OpenAPI 3.1 `text/event-stream` schema describes it (each
 * event, not the whole stream).
 */
export const SseEventSchema = Type.Object({
  id: Type.Optional(Type.String()),
  event: Type.Optional(Type.String()),
  data: Type.Optional(Type.String({ description: 'JSON' })),
  retry: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** The 200 response of a route that streams server-sent events. */
export function sseResponse(description: string): { description: string; content: { 'text/event-stream': { schema: TSchema } } } {
  return { description, content: { 'text/event-stream': { schema: SseEventSchema } } };
}

/**
 * Statuses every route can answer whatever it declares: 400 (a NUL character, an unknown
 * query parameter), 500 and 503 (a dependency down); routes with path parameters also 404 (an
 * id that is too long), routes with a body 413 and 415. Added to each route's responses so
 * the OpenAPI document lists what the API really answers.
 */
export function addCommonResponses(schema: { response?: Record<string, unknown>; params?: unknown; body?: unknown }): void {
  if (schema.response === undefined) return;
  const statuses = [400, 500, 503];
  if (schema.params !== undefined) statuses.push(404);
  if (schema.body !== undefined) statuses.push(413, 415);
  for (const status of statuses) {
    if (!(String(status) in schema.response)) schema.response[String(status)] = ErrorBodySchema;
  }
}

/** A UUID path parameter; a malformed id is matched by the route and answered 404 by the handler. */
export const IdParam = Type.String({ maxLength: 200 });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
