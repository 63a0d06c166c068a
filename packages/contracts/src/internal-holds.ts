import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { CurrencyCode, Money } from './money.ts';
import { compile } from './validate.ts';

/**
 * The event service's internal hold API (docs/internal-api.md), called by the booking service:
 * `GET /internal/holds/{holdId}`, `POST …/lock`, `POST …/confirm`, `POST …/release`. The event
 * service declares these as its route schemas; the booking service's client validates every
 * answer against `InternalHold`.
 */
export const HOLD_STATUSES = ['active', 'locked', 'confirmed', 'released', 'expired'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];
export const HoldStatusSchema = Type.Union(HOLD_STATUSES.map((s) => Type.Literal(s)));

/** A hold as the owner sees it (GET /api/events/holds/{holdId}). */
export const HoldDetails = Type.Object({
  hold_id: Uuid(),
  user_id: Uuid(),
  event_id: Uuid(),
  event_name: Type.String(),
  venue: Type.String(),
  event_date: DateTime(),
  seats: Type.Array(Type.String()),
  total_price: Money(),
  /** The event's currency; optional so that a booking service can talk to an older event service. */
  currency: Type.Optional(CurrencyCode()),
  expires_at: DateTime(),
  /** Computed: an active or locked hold past its expiry reads `expired`. */
  status: HoldStatusSchema,
});
export type HoldDetails = Static<typeof HoldDetails>;

/** The answer of every internal hold call. */
export const InternalHold = Type.Object({
  ...HoldDetails.properties,
  booking_id: Type.Union([Uuid(), Type.Null()]),
});
export type InternalHold = Static<typeof InternalHold>;

export const internalHold = compile(InternalHold);

export const LockHoldBody = Type.Object({
  user_id: Uuid(),
  booking_id: Uuid(),
  lock_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400, description: 'Default: config paymentWindowSeconds (600)' })),
});
export type LockHoldBody = Static<typeof LockHoldBody>;

export const ConfirmHoldBody = Type.Object({ booking_id: Uuid() });
export type ConfirmHoldBody = Static<typeof ConfirmHoldBody>;

export const ReleaseHoldBody = Type.Object({
  booking_id: Type.Optional(Uuid()),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
export type ReleaseHoldBody = Static<typeof ReleaseHoldBody>;

/** An error answer (every service): `{error, message, details?}`. */
export const ErrorBody = Type.Object({
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const errorBody = compile(ErrorBody);

/**
 * `GET /internal/events/{id}`: who owns an event, for another service's organizer check
 * (bookings: sales reports, refunds, check-in). The organization never changes.
 */
export const InternalEventOwner = Type.Object({
  event_id: Uuid(),
  organization_id: Uuid(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('cancelled')]),
});
export type InternalEventOwner = Static<typeof InternalEventOwner>;
export const internalEventOwner = compile(InternalEventOwner);
