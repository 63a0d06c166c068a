import type { FastifyInstance } from 'fastify';
import type { App } from '@ticketing/http';
import type { PaymentWebhooksService } from './payment-webhooks.service.ts';
import { stripeWebhookSchema } from './payment-webhooks.schemas.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as sent: the signature covers these bytes, not a re-serialised copy. */
    rawBody?: string;
  }
}

/**
 * `POST /api/payments/webhooks/stripe`. In its own plugin scope, JSON bodies are kept as text
 * too (the signature is checked over the raw body) before being parsed for validation.
 */
export async function registerPaymentWebhookRoutes(app: App, deps: { paymentWebhooksService: PaymentWebhooksService }): Promise<void> {
  await app.register(async (scope: FastifyInstance) => {
    scope.removeContentTypeParser(['application/json']);
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      request.rawBody = body as string;
      try {
        done(null, JSON.parse(body as string));
      } catch (err) {
        done(err as SyntaxError, undefined);
      }
    });
    scope.post('/api/payments/webhooks/stripe', { schema: stripeWebhookSchema }, async (request) => {
      const signature = request.headers['stripe-signature'];
      return deps.paymentWebhooksService.receiveStripe(request.rawBody ?? '', Array.isArray(signature) ? signature[0] : signature);
    });
  });
}
