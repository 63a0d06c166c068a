import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';
import { CurrencyCode, Money } from './money.ts';

/**
 * `booking-cancellations` (key: booking_id), bookings service via its outbox (written in the
 * statement that records the refund) → any consumer (webhooks). One message per cancellation:
 * `booking.cancelled` when the buyer cancelled the booking or some of its seats under the
 * event's policy, `booking.refunded` when the event's organizer refunded it (docs/refunds.md).
 */
export const BookingCancellationEvent = Type.Object({
  type: Type.Union([Type.Literal('booking.cancelled'), Type.Literal('booking.refunded')]),
  cancellation_id: Uuid(),
  booking_id: Uuid(),
  event_id: Uuid(),
  organization_id: Uuid(),
  user_id: Uuid({ description: 'The buyer' }),
  /** Who asked: the buyer, or the organizer's member who refunded. */
  requested_by: Uuid(),
  /** The seats given back by this cancellation (back on sale). */
  seats: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10_000 }),
  /** The booking's seats still valid afterwards (empty: the whole booking is cancelled). */
  remaining_seats: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10_000 }),
  /** The booking's status afterwards. */
  status: Type.Union([Type.Literal('confirmed'), Type.Literal('cancelled')]),
  refund_amount: Money({ description: 'Given back by this cancellation' }),
  fee_amount: Money({ description: 'Kept under the event’s policy' }),
  currency: CurrencyCode(),
  timestamp: DateTime(),
});
export type BookingCancellationEvent = Static<typeof BookingCancellationEvent>;

/** Version 1. */
export const bookingCancellations = defineMessage({ name: 'booking-cancellations', version: 1, schema: BookingCancellationEvent });
