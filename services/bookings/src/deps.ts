import type { CancelEventBookingsDeps } from './cancellations/cancel-event-bookings.ts';
import { createEventCancellationsRepository, type EventCancellationsRepository } from './cancellations/event-cancellations.repository.ts';
import { poolSizeOf } from '@ticketing/config';
import { fileURLToPath } from 'node:url';
import {
  createKafkaBus,
  createOutboxRepository,
  createOutboxSignal,
  type MessageBus,
  type OutboxRepository,
  type OutboxSignal,
} from '@ticketing/bus';
import { createCacheRevocationChecker, type RevocationChecker } from '@ticketing/auth';
import { createCacheFromConfig, type Cache } from '@ticketing/cache';
import { createPostgresDatabase, prepareSchema, type Database, type MigrationSet } from '@ticketing/db';
import { createLogger, registerOutboxMetrics, registerPoolMetrics, type Logger } from '@ticketing/http';
import { createBookingsRepository, type BookingsRepository } from './bookings/bookings.repository.ts';
import { createBookingsService, type BookingsService } from './bookings/bookings.service.ts';
import type { ProcessBookingDeps } from './bookings/process-booking.ts';
import { createHttpEventsClient, type EventsClient } from './clients/events-client.ts';
import { createEventAccess, type EventAccess } from './organizer/event-access.ts';
import { createAttendancePublisher } from './check-ins/attendance.ts';
import { createCheckInsRepository } from './check-ins/check-ins.repository.ts';
import { createCheckInsService, type CheckInsService } from './check-ins/check-ins.service.ts';
import type { BookingsConfig } from './config.ts';
import { createBookingsMetrics, timePayments, type BookingsMetrics } from './metrics.ts';
import type { PaymentGateway } from './payments/payment-gateway.ts';
import { createSimulatedGateway } from './payments/simulated-gateway.ts';
import { createStripeGateway } from './payments/stripe-gateway.ts';
import { createPaymentWebhooksRepository } from './payments/payment-webhooks.repository.ts';
import { createPaymentWebhooksService, type PaymentWebhooksService } from './payments/payment-webhooks.service.ts';
import { createBookingCancellationsRepository } from './refunds/booking-cancellations.repository.ts';
import { createRefundsService, type RefundsService } from './refunds/refunds.service.ts';
import { createStatusPublisher, type StatusPublisher } from './stream/status-publisher.ts';
import { createSalesRepository } from './reports/sales.repository.ts';
import { createReschedulesRepository, type ReschedulesRepository } from './reschedules/reschedules.repository.ts';
import { createSalesService, type SalesService } from './reports/sales.service.ts';
import { createStreamHub, type StreamHub } from './stream/stream-hub.ts';
import { createTicketCodes, type TicketSigner, type TicketVerifier } from '@ticketing/tickets';
import { createTicketsRepository, type TicketsRepository } from './tickets/tickets.repository.ts';
import { createTicketsService, type TicketsService } from './tickets/tickets.service.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** The schema's changes, for `npm run migrate` and the start of the service. */
export const BOOKINGS_MIGRATIONS: MigrationSet = { dir: MIGRATIONS_DIR };

export interface BookingsDeps {
  config: Readonly<BookingsConfig>;
  logger: Logger;
  db: Database;
  cache: Cache;
  /** Refuses revoked user tokens (announced by the users service through the cache). */
  revocations: RevocationChecker;
  bus: MessageBus;
  events: EventsClient;
  /** The one organizer check (docs/users.md#organizations-and-roles): may this token do an action on this event? */
  eventAccess: EventAccess;
  /** Moves a rescheduled event's bookings and writes their emails (the worker's event-changes consumer). */
  reschedules: ReschedulesRepository;
  /** The organizer's sales report of an event. */
  sales: SalesService;
  gateway: PaymentGateway;
  bookingsRepository: BookingsRepository;
  outbox: OutboxRepository;
  /** In-process "outbox has new rows" signal that wakes this process's relay. */
  outboxSignal: OutboxSignal;
  status: StatusPublisher;
  metrics: BookingsMetrics;
  bookingsService: BookingsService;
  /** Everything the worker needs to process and settle bookings. */
  processing: ProcessBookingDeps;
  eventCancellations: EventCancellationsRepository;
  /** Everything the worker needs to refund the bookings of cancelled events. */
  cancellation: CancelEventBookingsDeps;
  paymentWebhooksService: PaymentWebhooksService;
  checkIns: CheckInsService;
  /** Buyer cancellations and organizer refunds (docs/refunds.md). */
  refundsService: RefundsService;
  streams: StreamHub;
  /** Tickets (docs/tickets.md): their rows, the signer of new codes, and the verifier of the keys still honoured. */
  tickets: { repository: TicketsRepository; signer: TicketSigner; verifier: TicketVerifier };
  ticketsService: TicketsService;
  close(): Promise<void>;
}

export interface GivenAdapters {
  db?: Database;
  cache?: Cache;
  bus?: MessageBus;
  logger?: Logger;
  eventsClient?: EventsClient;
  gateway?: PaymentGateway;
}

/** The payment provider chosen by `payments.provider` (docs/payments.md). */
function createGateway(config: Readonly<BookingsConfig>, db: Database): PaymentGateway {
  const { payments } = config;
  if (payments.provider === 'stripe') {
    return createStripeGateway({
      secretKey: payments.stripe.secretKey,
      db,
      apiBase: payments.stripe.apiBase || undefined,
      timeoutMs: payments.stripe.timeoutMs,
      maxNetworkRetries: payments.stripe.maxNetworkRetries,
    });
  }
  return createSimulatedGateway({
    db,
    latencyMs: payments.latencyMs,
    transientFailures: payments.transientFailures,
    lateCaptureMs: payments.lateCaptureMs,
  });
}

/** The composition root: builds every dependency from config; adapters may be passed in (embedded mode, tests). */
export async function createBookingsDeps(config: Readonly<BookingsConfig>, given: GivenAdapters = {}): Promise<BookingsDeps> {
  const logger = given.logger ?? createLogger('bookings', config.log.level);
  const db =
    given.db ??
    createPostgresDatabase({
      url: config.database.url,
      schema: 'bookings',
      poolSize: poolSizeOf(config.database),
      applicationName: 'bookings',
      onConnectionError: (err) => logger.warn({ err }, 'database connection lost; the pool replaces it'),
    });
  const cache = given.cache ?? createCacheFromConfig(config.redis);
  const revocations = createCacheRevocationChecker(cache, {
    maxAgeMs: config.jwt.revocationMaxAgeMs,
    onLookupError: (err) => logger.warn({ err }, 'token revocations unreadable; using the last known ones'),
  });
  const bus =
    given.bus ??
    createKafkaBus({
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      logger: logger.child({ component: 'bus' }),
      // instanceId, session, heartbeat and rebalance timeouts (kafka section of the config).
      consumer: config.kafka,
      // Replication, min.insync.replicas, acks, TLS and SASL (kafka section of the config).
      cluster: config.kafka,
    });
  const { applied } = await prepareSchema(db, BOOKINGS_MIGRATIONS, { migrate: config.database.migrateOnStart });
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  const events =
    given.eventsClient ??
    createHttpEventsClient({
      baseUrl: config.events.url,
      timeoutMs: config.events.timeoutMs,
      maxConcurrent: config.events.maxConcurrent,
      jwt: config.jwt,
    });
  const untimedGateway = given.gateway ?? createGateway(config, db);
  const bookingsRepository = createBookingsRepository(db);
  const outbox = createOutboxRepository(db);
  const outboxSignal = createOutboxSignal();
  const status = createStatusPublisher(cache, logger);

  const streams = createStreamHub({
    cache,
    logger,
    resyncIntervalMs: config.stream.resyncIntervalMs,
    loadBookings: (ids) => bookingsRepository.findMany(ids),
  });
  const metrics = createBookingsMetrics(() => streams.size, config.kafka.workerGroup);
  registerPoolMetrics(metrics.registry, db);
  registerOutboxMetrics(metrics.registry, outbox, [
    config.kafka.topics.bookingRequests,
    config.kafka.topics.notificationRequests,
    config.kafka.topics.ticketCheckIns,
    config.kafka.topics.bookingCancellations,
  ]);
  const gateway = timePayments(untimedGateway, metrics);

  const bookingsService = createBookingsService({
    bookingsRepository,
    signal: outboxSignal,
    events,
    bookingRequestsTopic: config.kafka.topics.bookingRequests,
    currency: config.payments.currency,
    lockSeconds: config.events.lockSeconds,
    maxSubmitsInFlight: config.submit.maxInFlight,
    paymentAction: { provider: config.payments.provider, publishableKey: config.payments.stripe.publishableKey },
    onSubmitted: () => metrics.submitted.inc(),
  });

  const ticketCodes = createTicketCodes(config.tickets);
  const tickets = { repository: createTicketsRepository(db), ...ticketCodes };

  const processing: ProcessBookingDeps = {
    bookingsRepository,
    ticketSigner: ticketCodes.signer,
    signal: outboxSignal,
    status,
    events,
    gateway,
    logger: logger.child({ component: 'worker' }),
    openPaymentTimeoutSeconds: config.payments.openPaymentTimeoutSeconds,
    notificationRequestsTopic: config.kafka.topics.notificationRequests,
    onFinished: (row) => metrics.finished.inc({ status: row.status }),
  };

  const eventCancellations = createEventCancellationsRepository(db);
  const cancellation: CancelEventBookingsDeps = {
    eventCancellations,
    gateway,
    signal: outboxSignal,
    notificationRequestsTopic: config.kafka.topics.notificationRequests,
    logger: logger.child({ component: 'event-cancellations' }),
  };

  const paymentWebhooksService = createPaymentWebhooksService({
    repository: createPaymentWebhooksRepository(db),
    bookingsRepository,
    processing,
    logger,
    stripeWebhookSecret: config.payments.stripe.webhookSecret,
    toleranceSeconds: config.payments.stripe.webhookToleranceSeconds,
  });

  const eventAccess = createEventAccess(events);
  const checkInsRepository = createCheckInsRepository(db);
  const checkIns = createCheckInsService({
    repository: checkInsRepository,
    verifier: ticketCodes.verifier,
    eventAccess,
    signal: outboxSignal,
    attendance: createAttendancePublisher({
      cache,
      repository: checkInsRepository,
      logger: logger.child({ component: 'attendance' }),
      delayMs: config.checkIn.announceDelayMs,
    }),
    ticketCheckInsTopic: config.kafka.topics.ticketCheckIns,
    maxClockAheadMs: config.checkIn.maxClockAheadMs,
  });

  const refundsService = createRefundsService({
    bookingsRepository,
    cancellations: createBookingCancellationsRepository(db),
    events,
    eventAccess,
    gateway,
    signal: outboxSignal,
    status,
    notificationRequestsTopic: config.kafka.topics.notificationRequests,
    bookingCancellationsTopic: config.kafka.topics.bookingCancellations,
    logger,
  });

  return {
    config,
    logger,
    db,
    cache,
    revocations,
    bus,
    events,
    eventAccess,
    reschedules: createReschedulesRepository(db),
    sales: createSalesService({ repository: createSalesRepository(db), events, eventAccess }),
    gateway,
    bookingsRepository,
    outbox,
    outboxSignal,
    status,
    metrics,
    bookingsService,
    processing,
    eventCancellations,
    cancellation,
    paymentWebhooksService,
    checkIns,
    refundsService,
    streams,
    tickets,
    ticketsService: createTicketsService({ tickets: tickets.repository, bookingsRepository, verifier: tickets.verifier }),
    async close() {
      await streams.close();
      await revocations.close();
      if (!given.bus) await bus.close();
      if (!given.cache) await cache.close();
      if (!given.db) await db.close();
    },
  };
}
