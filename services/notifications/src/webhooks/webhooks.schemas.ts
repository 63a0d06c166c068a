import { Type, type Static } from '@sinclair/typebox';
import { WEBHOOK_EVENT_TYPES } from '@ticketing/contracts';
import { errorResponses, IdParam } from '@ticketing/http';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const bearer = [{ bearerAuth: [] }];
const tags = ['webhooks'];

export const EventTypeSchema = Type.Union(
  WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t)),
  {
    description:
      'booking.confirmed, booking.failed, booking.cancelled, booking.refunded, event.published, event.cancelled, ticket.checked_in',
  },
);
const EventTypes = Type.Array(EventTypeSchema, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true });
const Url = Type.String({
  minLength: 8,
  maxLength: 2000,
  pattern: '^[hH][tT][tT][pP][sS]?://[^\\s]+$',
  description: 'https:// to a public address (http:// and private addresses only in test configuration)',
});
const Description = Type.String({ maxLength: 500 });

export const EndpointSchema = Type.Object({
  endpoint_id: Uuid,
  organization_id: Uuid,
  url: Type.String(),
  description: Type.String(),
  event_types: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  /** Why it was disabled (by the dispatcher, or `disabled by <email>`); null while enabled. */
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  disabled_at: Type.Union([DateTime, Type.Null()]),
  /** The first characters of the current secret, to tell secrets apart; the secret itself is shown once. */
  secret_hint: Type.String(),
  /** Until when the secret before the last rotation still signs deliveries (null: none). */
  previous_secret_expires_at: Type.Union([DateTime, Type.Null()]),
  consecutive_failures: Type.Integer(),
  created_by_email: Type.String(),
  created_at: DateTime,
  updated_at: DateTime,
});
export type EndpointView = Static<typeof EndpointSchema>;

const WithSecret = Type.Object({
  ...EndpointSchema.properties,
  /** The signing secret, shown only in this answer: store it now. */
  secret: Type.String(),
});

export const DeliveryStatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')], {
  description: 'pending: waiting for its (next) attempt; delivered: a 2xx answer; failed: given up after the retry period',
});

export const AttemptSchema = Type.Object({
  attempt: Type.Integer(),
  started_at: DateTime,
  latency_ms: Type.Integer(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  succeeded: Type.Boolean(),
});

export const DeliverySchema = Type.Object({
  delivery_id: Uuid,
  endpoint_id: Uuid,
  event_id: Type.String(),
  event_type: Type.String(),
  status: DeliveryStatusSchema,
  attempts: Type.Integer(),
  next_attempt_at: Type.Union([DateTime, Type.Null()]),
  last_status_code: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  last_latency_ms: Type.Union([Type.Integer(), Type.Null()]),
  delivered_at: Type.Union([DateTime, Type.Null()]),
  created_at: DateTime,
});
export type DeliveryView = Static<typeof DeliverySchema>;

const DeliveryDetailSchema = Type.Object({
  ...DeliverySchema.properties,
  /** The exact body every attempt sends. */
  body: Type.String(),
  /** The attempts, newest first (at most 100). */
  attempts_log: Type.Array(AttemptSchema),
});

export const CreateEndpointBody = Type.Object(
  {
    organization_id: Type.String({ format: 'uuid' }),
    url: Url,
    event_types: EventTypes,
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);
export type CreateEndpointBody = Static<typeof CreateEndpointBody>;

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    event_types: Type.Optional(EventTypes),
    description: Type.Optional(Description),
    /** false disables the endpoint (no new deliveries); true enables it again and sends what waited. */
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateEndpointBody = Static<typeof UpdateEndpointBody>;

export const RotateSecretBody = Type.Object(
  {
    /** How long the old secret keeps signing too (0: not at all). @defaultValue 86400 */
    overlap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400 })),
  },
  { additionalProperties: false },
);
export type RotateSecretBody = Static<typeof RotateSecretBody>;

export const ListEndpointsQuery = Type.Object({ organization_id: Type.String({ maxLength: 200 }) }, { additionalProperties: false });

export const ListDeliveriesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
    status: Type.Optional(DeliveryStatusSchema),
  },
  { additionalProperties: false },
);
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;

const IdParams = Type.Object({ id: IdParam });

export const createEndpointSchema = {
  tags,
  summary: 'Register a webhook endpoint for an organization (owner or manager); the answer shows its secret once',
  security: bearer,
  body: CreateEndpointBody,
  response: { 201: WithSecret, ...errorResponses(400, 401, 403, 404, 409, 422) },
};
export const listEndpointsSchema = {
  tags,
  summary: 'The webhook endpoints of an organization',
  security: bearer,
  querystring: ListEndpointsQuery,
  response: { 200: Type.Object({ endpoints: Type.Array(EndpointSchema) }), ...errorResponses(400, 401, 403, 404) },
};
export const getEndpointSchema = {
  tags,
  summary: 'One webhook endpoint',
  security: bearer,
  params: IdParams,
  response: { 200: EndpointSchema, ...errorResponses(401, 403, 404) },
};
export const updateEndpointSchema = {
  tags,
  summary: 'Change an endpoint’s URL, event types or description, or disable / enable it',
  security: bearer,
  params: IdParams,
  body: UpdateEndpointBody,
  response: { 200: EndpointSchema, ...errorResponses(400, 401, 403, 404, 422) },
};
export const deleteEndpointSchema = {
  tags,
  summary: 'Delete an endpoint with its deliveries',
  security: bearer,
  params: IdParams,
  response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
};
export const rotateSecretSchema = {
  tags,
  summary: 'Replace the signing secret; the old one keeps signing too for overlap_seconds (both signatures are sent)',
  security: bearer,
  params: IdParams,
  body: RotateSecretBody,
  response: { 200: WithSecret, ...errorResponses(400, 401, 403, 404) },
};
export const testEndpointSchema = {
  tags,
  summary: 'Send a `webhook.test` event to the endpoint now (a delivery like any other, shown in the log)',
  security: bearer,
  params: IdParams,
  response: { 202: DeliverySchema, ...errorResponses(401, 403, 404, 409) },
};
export const listDeliveriesSchema = {
  tags,
  summary: 'The delivery log of an endpoint, newest first',
  security: bearer,
  params: IdParams,
  querystring: ListDeliveriesQuery,
  response: {
    200: Type.Object({
      deliveries: Type.Array(DeliverySchema),
      pagination: Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), has_more: Type.Boolean() }),
    }),
    ...errorResponses(400, 401, 403, 404),
  },
};
export const getDeliverySchema = {
  tags,
  summary: 'One delivery with its body and every attempt (status code, latency, error)',
  security: bearer,
  params: IdParams,
  response: { 200: DeliveryDetailSchema, ...errorResponses(401, 403, 404) },
};
export const replayDeliverySchema = {
  tags,
  summary: 'Send a delivery again now, with the same event id and body (retried like a new one)',
  security: bearer,
  params: IdParams,
  response: { 202: DeliverySchema, ...errorResponses(401, 403, 404, 409) },
};
