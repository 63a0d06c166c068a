import { Type } from '@sinclair/typebox';
import { errorResponses } from '@ticketing/http';

/** A Stripe event as far as this endpoint reads it; the rest is Stripe's (https://docs.stripe.com/api/events/object). */
export const StripeEventBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 255, description: 'The event id (evt_…): a repeated id changes nothing' }),
    object: Type.Optional(Type.Literal('event')),
    type: Type.String({ minLength: 1, maxLength: 255, description: 'e.g. payment_intent.succeeded, charge.refunded' }),
    data: Type.Object({ object: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

export const WebhookReceiptSchema = Type.Object({
  received: Type.Literal(true),
  duplicate: Type.Boolean({ description: 'The event id was handled before: nothing was done' }),
  booking_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The booking the event is about, if any' }),
});

export const stripeWebhookSchema = {
  tags: ['payments'],
  summary: 'Stripe webhook endpoint: settles bookings whose payment outcome arrives late or out of order',
  description:
    'Verifies the `Stripe-Signature` header (HMAC-SHA256 over the timestamp and the raw body, timestamp within `payments.stripe.webhookToleranceSeconds`), is idempotent per event id, then brings the booking the event names in line with what Stripe says now. See docs/payments.md.',
  headers: Type.Object({ 'stripe-signature': Type.Optional(Type.String({ maxLength: 4096 })) }),
  body: StripeEventBody,
  response: { 200: WebhookReceiptSchema, ...errorResponses(400, 404, 413, 415) },
};
