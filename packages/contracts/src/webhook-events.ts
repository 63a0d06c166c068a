import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { CurrencyCode, Money } from './money.ts';

/**
 * The bodies of outgoing webhooks (docs/webhooks.md), the public contract with organizers'
 * systems: an envelope with a stable `id` (the same on every retry and replay: receivers
 * deduplicate on it), the `type`, and the `data` of that type. Fields are only ever added.
 */
export const WEBHOOK_EVENT_TYPES = [
  'booking.confirmed',
  'booking.failed',
  'booking.cancelled',
  'booking.refunded',
  'event.published',
  'event.cancelled',
  'ticket.checked_in',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** The type of the "send test event" action; always sent, whatever the endpoint subscribed to. */
export const WEBHOOK_TEST_EVENT_TYPE = 'webhook.test';

export const WebhookBookingData = Type.Object({
  booking_id: Uuid(),
  event_id: Uuid(),
  event_name: Type.String(),
  venue: Type.String(),
  event_date: DateTime(),
  seats: Type.Array(Type.String()),
  total_amount: Money({ description: 'In the currency’s major unit, at most two decimals' }),
  currency: Type.Optional(CurrencyCode()),
  buyer_name: Type.String(),
  buyer_email: Type.String(),
  /** booking.failed: why (e.g. payment_declined). */
  reason: Type.Optional(Type.String()),
});
export type WebhookBookingData = Static<typeof WebhookBookingData>;

export const WebhookEventPublishedData = Type.Object({
  event_id: Uuid(),
  name: Type.String(),
  venue: Type.String(),
  event_date: DateTime(),
});

export const WebhookEventCancelledData = Type.Object({
  event_id: Uuid(),
  cancelled_at: DateTime(),
  reason: Type.String(),
});

/**
 * booking.cancelled (the buyer cancelled the booking or some of its seats under the event's
 * policy) and booking.refunded (the organizer refunded the booking): one event per cancellation,
 * so a booking cancelled seat by seat sends one per step. Made from `booking-cancellations`.
 */
export const WebhookBookingCancellationData = Type.Object({
  booking_id: Uuid(),
  event_id: Uuid(),
  /** This cancellation (a booking cancelled in steps has several). */
  cancellation_id: Uuid(),
  /** The seats given back by this cancellation. */
  seats: Type.Array(Type.String()),
  /** The booking's seats still valid afterwards (empty: the whole booking is cancelled). */
  remaining_seats: Type.Array(Type.String()),
  booking_status: Type.Union([Type.Literal('confirmed'), Type.Literal('cancelled')]),
  refund_amount: Money({ description: 'Given back by this cancellation, in the currency’s major unit' }),
  fee_amount: Money({ description: 'Kept under the event’s cancellation policy (0 for an organizer’s refund)' }),
  currency: CurrencyCode(),
  /** When the bookings service recorded the cancellation. */
  cancelled_at: DateTime(),
});
export type WebhookBookingCancellationData = Static<typeof WebhookBookingCancellationData>;

/** ticket.checked_in: a ticket admitted at the door, once per ticket. Made from `ticket-check-ins`. */
export const WebhookTicketCheckedInData = Type.Object({
  ticket_id: Uuid(),
  event_id: Uuid(),
  booking_id: Uuid(),
  seat: Type.String(),
  gate: Type.String(),
  /** When the gate scanned it (the gate's clock for a scan recorded offline and uploaded later). */
  checked_in_at: DateTime(),
  source: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
});
export type WebhookTicketCheckedInData = Static<typeof WebhookTicketCheckedInData>;

export const WebhookTestData = Type.Object({
  endpoint_id: Uuid(),
  message: Type.String(),
});

/** The body of every delivery. */
export const WebhookEnvelope = Type.Object({
  /** `evt_` + 32 hex: derived from the type and the thing it is about, so it never changes. */
  id: Type.String({ pattern: '^evt_[0-9a-f]{32}$' }),
  type: Type.String(),
  /** When the change happened (not when this attempt was made). */
  created_at: DateTime(),
  organization_id: Uuid(),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export type WebhookEnvelope = Static<typeof WebhookEnvelope>;

/** The `data` schema of each type (docs/webhooks.md "Event types"). */
export const WEBHOOK_DATA_SCHEMAS = {
  'booking.confirmed': WebhookBookingData,
  'booking.failed': WebhookBookingData,
  'booking.cancelled': WebhookBookingCancellationData,
  'booking.refunded': WebhookBookingCancellationData,
  'event.published': WebhookEventPublishedData,
  'event.cancelled': WebhookEventCancelledData,
  'ticket.checked_in': WebhookTicketCheckedInData,
  [WEBHOOK_TEST_EVENT_TYPE]: WebhookTestData,
} as const;
