import { Type, type Static } from '@sinclair/typebox';
import {
  ConfirmHoldBody,
  HoldDetails,
  HoldSeatPrices,
  InternalHold,
  LockHoldBody,
  Money,
  ReleasedSeats,
  ReleaseHoldBody,
  ReleaseSeatsBody,
  Uuid,
} from '@ticketing/contracts';
import { errorResponses, IdParam } from '@ticketing/http';

export const HoldBody = Type.Object({
  // Exactly one of seat_numbers and quantity; the count (1 to maxSeatsPerHold) and distinctness
  // are checked by the use case, with the configured limit.
  seat_numbers: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 16 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'Seat labels such as A1 (the seats to hold), or give quantity instead',
    }),
  ),
  quantity: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, description: 'Best available: how many adjacent seats to hold (instead of seat_numbers)' }),
  ),
  section: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'Best available within this section (by name); only with quantity' }),
  ),
});
export const HoldHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'A retry with the same key answers the same hold; the same key with another body is refused (422)',
    }),
  ),
  'admission-token': Type.Optional(
    // Its shape is checked after authentication (holds.routes.ts): a missing token stays a 401.
    Type.String({ maxLength: 4096, description: 'The admission token of the waiting room, when the event has one switched on' }),
  ),
});
export type HoldBody = Static<typeof HoldBody>;

export const HoldCreatedSchema = Type.Object({
  hold_id: Uuid(),
  event_id: Uuid(),
  held_seats: Type.Array(Type.String()),
  expires_at: Type.String({ format: 'date-time' }),
  total_price: Money(),
});
export type HoldCreatedView = Static<typeof HoldCreatedSchema>;

// The hold objects and the internal bodies are the contract the booking service reads (@ticketing/contracts).
export const HoldDetailsSchema = HoldDetails;
export type HoldDetailsView = HoldDetails;

export const InternalHoldSchema = InternalHold;
export type InternalHoldView = InternalHold;

export const ReleasedSchema = Type.Object({ message: Type.String() });

export const LockBody = LockHoldBody;
export type LockBody = LockHoldBody;

export const ConfirmBody = ConfirmHoldBody;
export type ConfirmBody = ConfirmHoldBody;

export const ReleaseBody = ReleaseHoldBody;
export type ReleaseBody = ReleaseHoldBody;

const HoldParams = Type.Object({ holdId: IdParam });
const EventParams = Type.Object({ id: IdParam });
const EventHoldParams = Type.Object({ id: IdParam, holdId: IdParam });

const user = { security: [{ bearerAuth: [] }] };

export const createHoldSchema = {
  tags: ['holds'],
  summary: 'Hold seats: all the requested seats or none',
  description:
    'On an event whose waiting room is switched on, send the admission token of the queue as the `Admission-Token` header ' +
    '(403 admission_required, admission_token_invalid, admission_token_expired, admission_token_wrong_account; 409 admission_token_used).',
  ...user,
  params: EventParams,
  headers: HoldHeaders,
  body: HoldBody,
  response: { 201: HoldCreatedSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429) },
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

export const internalReleaseSeatsSchema = {
  ...internal,
  summary: 'Put seats of a confirmed booking back on sale (a cancellation or refund; idempotent)',
  params: HoldParams,
  body: ReleaseSeatsBody,
  response: { 200: ReleasedSeats, ...errorResponses(400, 401, 404, 409) },
};

export const internalSeatPricesSchema = {
  ...internal,
  summary: 'The price of each seat of a hold, by label (from its section)',
  params: HoldParams,
  response: { 200: HoldSeatPrices, ...errorResponses(401, 404) },
};
