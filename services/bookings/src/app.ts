import { createHttpApp, type App } from '@ticketing/http';
import { registerBookingRoutes } from './bookings/bookings.routes.ts';
import { registerCancellationRoutes } from './cancellations/cancellations.routes.ts';
import { registerCheckInRoutes } from './check-ins/check-ins.routes.ts';
import type { BookingsDeps } from './deps.ts';
import { bookingsErrorStatus } from './errors.ts';
import { registerPaymentWebhookRoutes } from './payments/payment-webhooks.routes.ts';
import { registerSalesRoutes } from './reports/sales.routes.ts';
import { registerRefundRoutes } from './refunds/refunds.routes.ts';
import { registerStreamRoutes } from './stream/stream.routes.ts';
import { registerTicketRoutes } from './tickets/tickets.routes.ts';

/** Builds the booking service's HTTP app; never listens (server.ts does, tests listen on port 0). */
export async function buildBookingsApp(deps: BookingsDeps): Promise<App> {
  const app = await createHttpApp({
    service: 'bookings',
    description: 'Bookings of held seats, processed asynchronously with payments, with live status over SSE',
    logger: deps.logger,
    bodyLimit: deps.config.http.bodyLimit,
    corsOrigins: deps.config.http.corsOrigins,
    errorStatus: bookingsErrorStatus,
    metrics: deps.metrics.registry,
    healthChecks: {
      postgres: { check: () => deps.db.ping(), required: true },
      redis: { check: () => deps.cache.ping(), required: false },
      // Kafka down does not stop submits (the outbox keeps them), so it only degrades.
      kafka: { check: () => deps.bus.ping(), required: false },
    },
  });
  await deps.streams.start();
  // Open streams never go idle, so they are ended before the server waits for connections to close.
  app.addHook('preClose', async () => deps.streams.close());
  const auth = { ...deps.config.jwt, revocations: deps.revocations };
  registerBookingRoutes(app, { bookingsService: deps.bookingsService, auth });
  registerCancellationRoutes(app, { eventCancellations: deps.eventCancellations, eventAccess: deps.eventAccess, auth });
  registerSalesRoutes(app, { sales: deps.sales, auth });
  registerCheckInRoutes(app, { checkIns: deps.checkIns, cache: deps.cache, auth, heartbeatMs: deps.config.stream.heartbeatMs });
  registerRefundRoutes(app, { refundsService: deps.refundsService, bookingsRepository: deps.bookingsRepository, auth });
  registerStreamRoutes(app, {
    bookingsService: deps.bookingsService,
    hub: deps.streams,
    auth,
    heartbeatMs: deps.config.stream.heartbeatMs,
  });
  registerTicketRoutes(app, { ticketsService: deps.ticketsService, auth });
  await registerPaymentWebhookRoutes(app, { paymentWebhooksService: deps.paymentWebhooksService });
  return app;
}
