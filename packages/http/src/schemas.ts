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

/** A UUID path parameter; a malformed id is matched by the route and answered 404 by the handler. */
export const IdParam = Type.String({ maxLength: 200 });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
