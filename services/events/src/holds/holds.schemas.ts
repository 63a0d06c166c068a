import { Type, type Static } from '@sinclair/typebox';
import { errorResponses, IdParam } from '@ticketing/http';

const Uuid = Type.String({ format: 'uuid' });
const HoldStatus = Type.Union(['active', 'locked', 'confirmed', 'released', 'expired'].map((s) => Type.Literal(s)));

export const HoldBody = Type.Object({
  // The count (1 to maxSeatsPerHold) and distinctness are checked by the use case, with the configured limit.
  seat_numbers: Type.Array(Type.String({ minLength: 1, maxLength: 16 }), {
    minItems: 1,
    maxItems: 1000,
    description: 'Seat labels such as A1',
  }),
});
export type HoldBody = Static<typeof HoldBody>;

export const HoldCreatedSchema = Type.Object({
  hold_id: Uuid,
  event_id: Uuid,
  held_seats: Type.Array(Type.String()),
  expires_at: Type.String({ format: 'date-time' }),
  total_price: Type.Number(),
});
export type HoldCreatedView = Static<typeof HoldCreatedSchema>;

export const HoldDetailsSchema = Type.Object({
  hold_id: Uuid,
  user_id: Uuid,
  event_id: Uuid,
  event_name: Type.String(),
  venue: Type.String(),
  event_date: Type.String({ format: 'date-time' }),
  seats: Type.Array(Type.String()),
  total_price: Type.Number(),
  expires_at: Type.String({ format: 'date-time' }),
  status: HoldStatus,
});
export type HoldDetailsView = Static<typeof HoldDetailsSchema>;

export const InternalHoldSchema = Type.Object({
  ...HoldDetailsSchema.properties,
  booking_id: Type.Union([Uuid, Type.Null()]),
});
export type InternalHoldView = Static<typeof InternalHoldSchema>;

export const ReleasedSchema = Type.Object({ message: Type.String() });

export const LockBody = Type.Object({
  user_id: Uuid,
  booking_id: Uuid,
  lock_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'Default: config paymentWindowSeconds (600)' })),
});
export type LockBody = Static<typeof LockBody>;

export const ConfirmBody = Type.Object({ booking_id: Uuid });
export type ConfirmBody = Static<typeof ConfirmBody>;

export const ReleaseBody = Type.Object({
  booking_id: Type.Optional(Uuid),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
export type ReleaseBody = Static<typeof ReleaseBody>;

const HoldParams = Type.Object({ holdId: IdParam });
const EventParams = Type.Object({ id: IdParam });
const EventHoldParams = Type.Object({ id: IdParam, holdId: IdParam });

const user = { security: [{ bearerAuth: [] }] };

export const createHoldSchema = {
  tags: ['holds'],
  summary: 'Hold seats: all the requested seats or none',
  ...user,
  params: EventParams,
  body: HoldBody,
  response: { 201: HoldCreatedSchema, ...errorResponses(400, 401, 404, 409, 413, 415, 429) },
};

export const getHoldSchema = {
  tags: ['holds'],
  summary: 'A hold of the caller (an admin may read any)',
  ...user,
  params: HoldParams,
  response: { 200: HoldDetailsSchema, ...errorResponses(401, 404) },
};

export const releaseHoldSchema = {
  tags: ['holds'],
  summary: 'Release a hold of the caller',
  ...user,
  params: HoldParams,
  response: { 200: ReleasedSchema, ...errorResponses(401, 404, 409) },
};

export const releaseEventHoldSchema = { ...releaseHoldSchema, params: EventHoldParams };

const internal = { tags: ['internal'], security: [{ bearerAuth: [] }] };

export const internalGetSchema = {
  ...internal,
  summary: 'A hold (service to service)',
  params: HoldParams,
  response: { 200: InternalHoldSchema, ...errorResponses(401, 404) },
};

export const internalLockSchema = {
  ...internal,
  summary: 'Lock a hold for payment (idempotent per booking)',
  params: HoldParams,
  body: LockBody,
  response: { 200: InternalHoldSchema, ...errorResponses(400, 401, 404, 409) },
};

export const internalConfirmSchema = {
  ...internal,
  summary: 'Book the seats of a hold locked by this booking (idempotent)',
  params: HoldParams,
  body: ConfirmBody,
  response: { 200: InternalHoldSchema, ...errorResponses(400, 401, 404, 409) },
};

export const internalReleaseSchema = {
  ...internal,
  summary: 'Release a hold (idempotent)',
  params: HoldParams,
  body: ReleaseBody,
  response: { 200: InternalHoldSchema, ...errorResponses(400, 401, 404, 409) },
};
