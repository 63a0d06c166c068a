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
  /** booking.failed: why (e.g. payment_declined); booking.cancelled / refunded: the reason given. */
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
