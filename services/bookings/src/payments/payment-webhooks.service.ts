import Stripe from 'stripe';
import { TransientError } from '@ticketing/errors';
import type { Logger } from '@ticketing/http';
import { isUuid } from '@ticketing/http';
import type { BookingsRepository } from '../bookings/bookings.repository.ts';
import { syncWithProvider, type ProcessBookingDeps } from '../bookings/process-booking.ts';
import { HoldRefusedError } from '../clients/events-client.ts';
import { errors } from '../errors.ts';
import { PaymentGatewayError } from './payment-gateway.ts';
import type { PaymentWebhooksRepository } from './payment-webhooks.repository.ts';

export interface PaymentWebhooksServiceOptions {
  repository: PaymentWebhooksRepository;
  bookingsRepository: Pick<BookingsRepository, 'findByPaymentId'>;
  processing: ProcessBookingDeps;
  logger: Logger;
  /** The endpoint's signing secret (`whsec_…`); empty: the endpoint is not configured. */
  stripeWebhookSecret: string;
  toleranceSeconds: number;
}

export interface WebhookReceipt {
  received: true;
  duplicate: boolean;
  booking_id: string | null;
}

/** The part of a Stripe event this service reads: which payment (and booking) it is about. */
interface EventObject {
  id?: unknown;
  object?: unknown;
  payment_intent?: unknown;
  metadata?: { booking_id?: unknown } | null;
}

export function createPaymentWebhooksService(opts: PaymentWebhooksServiceOptions) {
  const log = opts.logger.child({ component: 'payment-webhooks' });

  /** The booking an event is about: our metadata on the PaymentIntent, else the payment it names. */
  async function bookingOf(object: EventObject): Promise<string | null> {
    const fromMetadata = object.metadata?.booking_id;
    if (typeof fromMetadata === 'string' && isUuid(fromMetadata)) return fromMetadata.toLowerCase();
    const paymentId =
      object.object === 'payment_intent' ? object.id : typeof object.payment_intent === 'string' ? object.payment_intent : undefined;
    if (typeof paymentId !== 'string' || paymentId.length === 0) return null;
    return (await opts.bookingsRepository.findByPaymentId(paymentId))?.id ?? null;
  }

  return {
    /**
     * One Stripe webhook delivery. The signature (HMAC over timestamp and raw body, timestamp
     * within the tolerance) is checked first: anything else is refused and changes nothing. An
     * event id already handled is answered as a duplicate and changes nothing. Otherwise the
     * booking it names is brought in line with what the provider says now (syncWithProvider):
     * the event is a reason to look, never the truth itself, so late and out-of-order events are
     * harmless. A failure throws before the event is recorded, so Stripe's retry gets another go.
     */
    async receiveStripe(rawBody: string, signature: string | undefined): Promise<WebhookReceipt> {
      if (opts.stripeWebhookSecret === '') throw errors.webhookNotConfigured();
      if (signature === undefined || signature.length === 0) {
        throw errors.webhookSignatureInvalid({ message: 'The Stripe-Signature header is missing' });
      }
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(rawBody, signature, opts.stripeWebhookSecret, opts.toleranceSeconds);
      } catch (err) {
        if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
          throw errors.webhookSignatureInvalid({ message: `The webhook signature is not valid: ${err.message}` });
        }
        throw errors.webhookPayloadInvalid();
      }
      if (typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.data?.object !== 'object') {
        throw errors.webhookPayloadInvalid();
      }
      if (await opts.repository.isHandled('stripe', event.id)) return { received: true, duplicate: true, booking_id: null };

      const bookingId = await bookingOf(event.data.object);
      if (bookingId) {
        const row = await syncWithProvider(opts.processing, bookingId).catch((err: unknown) => {
          // The provider or the event service could not answer: 503, and Stripe delivers again later.
          if (err instanceof TransientError || err instanceof PaymentGatewayError || err instanceof HoldRefusedError) {
            log.warn({ err, event_id: event.id, booking_id: bookingId }, 'payment webhook not settled yet');
            throw errors.serviceUnavailable({
              message: 'The booking could not be settled right now; the webhook will be delivered again',
              details: { retry_after_seconds: 5 },
            });
          }
          throw err;
        });
        log.info({ event_id: event.id, type: event.type, booking_id: bookingId, status: row?.status }, 'payment webhook handled');
      } else {
        log.info({ event_id: event.id, type: event.type }, 'payment webhook names no booking of ours');
      }
      const first = await opts.repository.recordHandled('stripe', event.id, event.type, bookingId);
      return { received: true, duplicate: !first, booking_id: bookingId };
    },
  };
}

export type PaymentWebhooksService = ReturnType<typeof createPaymentWebhooksService>;
