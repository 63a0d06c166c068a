export { buildBookingsApp } from './app.ts';
export { bookingsEnv, loadBookingsConfig, type BookingsConfig } from './config.ts';
export { createBookingsDeps, type BookingsDeps, BOOKINGS_MIGRATIONS, type GivenAdapters } from './deps.ts';
export {
  drainTimeoutMs,
  serverShutdownTimeoutMs,
  startBookingsWorker,
  startReconciler,
  type RunningWorker,
} from './bookings/booking-worker.ts';
export { startOutboxRelay } from './outbox/start-outbox-relay.ts';
export { bookingIdForHold } from './bookings/booking-id.ts';
export { createHttpEventsClient, type EventsClient, type Hold } from './clients/events-client.ts';
export { createSimulatedGateway } from './payments/simulated-gateway.ts';
export type { PaymentGateway, ChargeRequest, ChargeResult } from './payments/payment-gateway.ts';
