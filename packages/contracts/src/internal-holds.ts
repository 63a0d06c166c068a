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
  total_price: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1e12,
      description: "The booking's amount: the lock is refused (409 amount_mismatch, details.expected) unless it is the hold's total",
    }),
  ),
});
export type LockHoldBody = Static<typeof LockHoldBody>;

export const ConfirmHoldBody = Type.Object({ booking_id: Uuid() });
export type ConfirmHoldBody = Static<typeof ConfirmHoldBody>;

/**
 * `POST /internal/holds/{holdId}/release-seats`: seats of a confirmed booking go back on sale
 * (a cancellation or a refund). Idempotent: a seat released before (or never booked by this
 * hold) is left alone, and `released` names only the seats this call freed.
 */
export const ReleaseSeatsBody = Type.Object({
  booking_id: Uuid(),
  seats: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: 10_000 }),
});
export type ReleaseSeatsBody = Static<typeof ReleaseSeatsBody>;

export const ReleasedSeats = Type.Object({
  hold_id: Uuid(),
  event_id: Uuid(),
  released: Type.Array(Type.String()),
  /** Seats of the booking still booked after this call. */
  remaining: Type.Array(Type.String()),
});
export type ReleasedSeats = Static<typeof ReleasedSeats>;
export const releasedSeats = compile(ReleasedSeats);

/** `GET /internal/holds/{holdId}/prices`: the price of each seat of a hold (its section's), by seat label. */
export const HoldSeatPrices = Type.Object({
  hold_id: Uuid(),
  prices: Type.Record(Type.String(), Money()),
});
export type HoldSeatPrices = Static<typeof HoldSeatPrices>;
export const holdSeatPrices = compile(HoldSeatPrices);

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
  /**
   * What a buyer's cancellation is decided on (docs/refunds.md), as the event is now (a
   * reschedule moves the deadline). Optional: an older event service does not send them, and a
   * booking service then refuses buyer cancellations.
   */
  event_date: Type.Optional(DateTime()),
  cancelled_at: Type.Optional(Type.Union([DateTime(), Type.Null()])),
  cancellation_policy: Type.Optional(
    Type.Union([
      Type.Object({ hours_before_start: Type.Integer({ minimum: 0 }), fee_percent: Type.Number({ minimum: 0, maximum: 100 }) }),
      Type.Null(),
    ]),
  ),
});
export type InternalEventOwner = Static<typeof InternalEventOwner>;
export const internalEventOwner = compile(InternalEventOwner);

/** One section of `InternalEventSales`: its place in the layout, price and seats as they read now. */
export const InternalSectionSales = Type.Object({
  name: Type.String(),
  price_cents: Type.Integer({ minimum: 0 }),
  /** Rows first_row .. first_row + row_count - 1 (0-based: row 0 is `A`); seat labels name their row. */
  first_row: Type.Integer({ minimum: 0 }),
  row_count: Type.Integer({ minimum: 1 }),
  seats: Type.Integer({ minimum: 0 }),
  sold: Type.Integer({ minimum: 0 }),
  /** Held by a live hold (being chosen or paid for); an expired hold's seats read available. */
  held: Type.Integer({ minimum: 0 }),
  available: Type.Integer({ minimum: 0 }),
});
export type InternalSectionSales = Static<typeof InternalSectionSales>;

/** `GET /internal/events/{id}/sales`: an event's seats per section now (bookings: the sales report). Drafts included. */
export const InternalEventSales = Type.Object({
  event_id: Uuid(),
  currency: CurrencyCode(),
  sections: Type.Array(InternalSectionSales),
});
export type InternalEventSales = Static<typeof InternalEventSales>;
export const internalEventSales = compile(InternalEventSales);

/**
 * The 0-based row of a seat label (`A7` → 0, `AB12` → 27: Excel-style row letters, then the
 * seat's number), or undefined for a string that is not a seat label.
 */
export function seatLabelRow(label: string): number | undefined {
  const m = /^([A-Z]{1,4})[1-9][0-9]{0,4}$/.exec(label);
  if (!m) return undefined;
  let n = 0;
  for (const ch of m[1]!) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** The letters of a 0-based row (0 → `A`, 26 → `AA`): the inverse of `seatLabelRow`. */
export function seatRowLabel(rowIndex: number): string {
  let n = rowIndex + 1;
  let s = '';
  while (n > 0) {
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}
