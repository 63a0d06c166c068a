import {
  ConfigError,
  databaseSection,
  httpSection,
  jwtSection,
  kafkaSection,
  loadServiceConfig,
  logSection,
  outboxSection,
  workerHttpSection,
  redisSection,
  ticketsSection,
  ticketsEnv,
  Type,
  type DeepPartial,
  type Static,
} from '@ticketing/config';

const KafkaSchema = Type.Object(
  {
    ...kafkaSection.properties,
    topics: Type.Object(
      {
        /** @defaultValue booking-requests */
        bookingRequests: Type.String({ default: 'booking-requests', minLength: 1 }),
        /** @defaultValue notification-requests */
        notificationRequests: Type.String({ default: 'notification-requests', minLength: 1 }),
        /** Event cancellations from the event service. @defaultValue event-cancellations */
        eventCancellations: Type.String({ default: 'event-cancellations', minLength: 1 }),
        /** Organizer changes of events from the event service (reschedules are emailed to buyers). @defaultValue event-changes */
        eventChanges: Type.String({ default: 'event-changes', minLength: 1 }),
        /** Tickets admitted at the door (docs/checkin.md). @defaultValue ticket-check-ins */
        ticketCheckIns: Type.String({ default: 'ticket-check-ins', minLength: 1 }),
        /** Buyer cancellations and organizer refunds of bookings, for any consumer (webhooks). @defaultValue booking-cancellations */
        bookingCancellations: Type.String({ default: 'booking-cancellations', minLength: 1 }),
      },
      { default: {} },
    ),
    /** Consumer group of the workers refunding cancelled events. @defaultValue booking-cancellation-workers */
    cancellationGroup: Type.String({ default: 'booking-cancellation-workers', minLength: 1 }),
    /** Consumer group of the workers emailing the buyers of rescheduled events. @defaultValue booking-reschedule-notifiers */
    rescheduleGroup: Type.String({ default: 'booking-reschedule-notifiers', minLength: 1 }),
    /** Consumer group of the booking workers. @defaultValue booking-workers */
    workerGroup: Type.String({ default: 'booking-workers', minLength: 1 }),
    /** Partitions given to the topics this service creates. @defaultValue 12 */
    partitions: Type.Integer({ default: 12, minimum: 1, maximum: 1000 }),
  },
  { default: {} },
);

export const BookingsConfigSchema = Type.Object({
  http: httpSection(8083),
  log: logSection,
  /** The standalone worker's (src/worker.ts) probe and metrics port. */
  workerHttp: workerHttpSection,
  database: databaseSection,
  redis: redisSection,
  kafka: KafkaSchema,
  jwt: jwtSection,
  /** The key that signs ticket codes (docs/tickets.md#keys). */
  tickets: ticketsSection,
  events: Type.Object(
    {
      /** Base URL of the event service's internal hold API. @defaultValue http://127.0.0.1:8082 */
      url: Type.String({ default: 'http://127.0.0.1:8082', minLength: 1 }),
      /** Per-call timeout. @defaultValue 5000 */
      timeoutMs: Type.Integer({ default: 5000, minimum: 100 }),
      /** Calls in flight at once per process (more wait in line). @defaultValue 64 */
      maxConcurrent: Type.Integer({ default: 64, minimum: 1, maximum: 10_000 }),
      /** Payment window asked for when locking a hold; 0 uses the event service's default. @defaultValue 0 */
      lockSeconds: Type.Integer({ default: 0, minimum: 0, maximum: 86400 }),
    },
    { default: {} },
  ),
  payments: Type.Object(
    {
      /** Simulated gateway latency per call. @defaultValue 2000 */
      latencyMs: Type.Integer({ default: 2000, minimum: 0, maximum: 600_000 }),
      /** Attempts that fail transiently for the `transient_failure` method before it succeeds. @defaultValue 2 */
      transientFailures: Type.Integer({ default: 2, minimum: 0, maximum: 100 }),
      /** `simulated` (the default: no keys, no network) or `stripe` (needs `payments.stripe.secretKey`). @defaultValue simulated */
      provider: Type.Union([Type.Literal('simulated'), Type.Literal('stripe')], { default: 'simulated' }),
      /** How long after its first attempt a `late_capture` charge of the simulated gateway captures. @defaultValue 5000 */
      lateCaptureMs: Type.Integer({ default: 5000, minimum: 0, maximum: 3_600_000 }),
      /**
       * How long a booking may wait for its buyer (3-D Secure) or for the provider before the
       * reconciler voids the payment and fails it (a capture that lands first still confirms). @defaultValue 900
       */
      openPaymentTimeoutSeconds: Type.Integer({ default: 900, minimum: 1, maximum: 86400 }),
      stripe: Type.Object(
        {
          /** Secret API key (`sk_test_…`/`sk_live_…`); needed when provider is `stripe`. @defaultValue "" */
          secretKey: Type.String({ default: '' }),
          /** Publishable key (`pk_…`), given to the web app so Stripe.js can finish 3-D Secure; empty: not offered. @defaultValue "" */
          publishableKey: Type.String({ default: '' }),
          /** Signing secret of the webhook endpoint (`whsec_…`); empty: POST /api/payments/webhooks/stripe answers 404. @defaultValue "" */
          webhookSecret: Type.String({ default: '' }),
          /** Oldest signature timestamp accepted (Stripe's default tolerance). @defaultValue 300 */
          webhookToleranceSeconds: Type.Integer({ default: 300, minimum: 1, maximum: 86400 }),
          /** Another API address, e.g. `http://127.0.0.1:12111` for stripe-mock; empty: api.stripe.com. @defaultValue "" */
          apiBase: Type.String({ default: '' }),
          /** @defaultValue 20000 */
          timeoutMs: Type.Integer({ default: 20_000, minimum: 100, maximum: 120_000 }),
          /** Retries (same idempotency key) of a request that timed out, failed to connect, or got a 429/5xx. @defaultValue 2 */
          maxNetworkRetries: Type.Integer({ default: 2, minimum: 0, maximum: 10 }),
        },
        { default: {} },
      ),
      /** Currency of a booking whose hold carries none (an older event service); otherwise the event's. @defaultValue USD */
      currency: Type.String({ default: 'USD', minLength: 3, maxLength: 3 }),
    },
    { default: {} },
  ),
  worker: Type.Object(
    {
      /** Run the worker pool (and reconciler) inside the API process (server.ts). @defaultValue true */
      enabled: Type.Boolean({ default: true }),
      /** Bookings processed at once per process: a payment is seconds of I/O wait, so 2 s × 500/s = 1000 in flight. @defaultValue 1000 */
      concurrency: Type.Integer({ default: 1000, minimum: 1, maximum: 10_000 }),
      /** Attempts for a booking that keeps failing transiently before it is dead-lettered. @defaultValue 5 */
      maxAttempts: Type.Integer({ default: 5, minimum: 1, maximum: 100 }),
      /** @defaultValue 500 */
      retryBaseMs: Type.Integer({ default: 500, minimum: 1 }),
      /** @defaultValue 10000 */
      retryMaxMs: Type.Integer({ default: 10_000, minimum: 1 }),
      /**
       * How long the drain on SIGTERM may take before the process exits 1. Unset: the gateway's
       * and event service's timeouts allow for it (drainTimeoutMs in booking-worker.ts, 24 s with
       * the defaults); the pod's terminationGracePeriodSeconds must be longer. @defaultValue unset
       */
      drainTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
    },
    { default: {} },
  ),
  outbox: outboxSection,
  reconciler: Type.Object(
    {
      /** @defaultValue true */
      enabled: Type.Boolean({ default: true }),
      /** @defaultValue 30000 */
      intervalMs: Type.Integer({ default: 30_000, minimum: 50 }),
      /** A booking still processing after this long (no change) is settled (confirmed if paid and its seats are still its own, else failed). @defaultValue 900 */
      stuckAfterSeconds: Type.Integer({ default: 900, minimum: 1 }),
      /** First wait before retrying a settlement that failed (a dependency down); doubles each time. @defaultValue 200 */
      retryBaseMs: Type.Integer({ default: 200, minimum: 1 }),
      /** Longest wait between settlement retries. @defaultValue 5000 */
      retryMaxMs: Type.Integer({ default: 5000, minimum: 1 }),
      /** A cancellation still refunding after this long (its request died midway) is finished by the reconciler. @defaultValue 60 */
      unfinishedCancellationAfterSeconds: Type.Integer({ default: 60, minimum: 1 }),
    },
    { default: {} },
  ),
  submit: Type.Object(
    {
      /** Concurrent submits per process before new ones are answered 503 + Retry-After. @defaultValue 2000 */
      maxInFlight: Type.Integer({ default: 2000, minimum: 1 }),
    },
    { default: {} },
  ),
  checkIn: Type.Object(
    {
      /** Scans of one event within this long are announced to the attendance streams together. @defaultValue 250 */
      announceDelayMs: Type.Integer({ default: 250, minimum: 0, maximum: 10_000 }),
      /** How far ahead of the server's clock an offline gate's scan times may be. @defaultValue 300000 */
      maxClockAheadMs: Type.Integer({ default: 300_000, minimum: 0, maximum: 86_400_000 }),
    },
    { default: {} },
  ),
  stream: Type.Object(
    {
      /** Comment heartbeat on every open stream. @defaultValue 15000 */
      heartbeatMs: Type.Integer({ default: 15_000, minimum: 10 }),
      /**
       * Safety net for lost pub/sub messages (Redis restart): one query per process for every
       * open stream's booking; 0 disables. @defaultValue 5000
       */
      resyncIntervalMs: Type.Integer({ default: 5000, minimum: 0 }),
    },
    { default: {} },
  ),
});

export type BookingsConfig = Static<typeof BookingsConfigSchema>;

/** The environment variables this service reads besides the common ones (commonEnv), by config path. */
export const bookingsEnv = {
  ...ticketsEnv,
  WORKER_HTTP_HOST: 'workerHttp.host',
  WORKER_HTTP_PORT: 'workerHttp.port',
  BOOKINGS_PORT: 'http.port',
  EVENTS_URL: 'events.url',
  EVENTS_TIMEOUT_MS: 'events.timeoutMs',
  EVENTS_MAX_CONCURRENT: 'events.maxConcurrent',
  PAYMENT_LATENCY_MS: 'payments.latencyMs',
  PAYMENT_TRANSIENT_FAILURES: 'payments.transientFailures',
  PAYMENT_PROVIDER: 'payments.provider',
  PAYMENT_OPEN_TIMEOUT_SECONDS: 'payments.openPaymentTimeoutSeconds',
  STRIPE_SECRET_KEY: 'payments.stripe.secretKey',
  STRIPE_PUBLISHABLE_KEY: 'payments.stripe.publishableKey',
  STRIPE_WEBHOOK_SECRET: 'payments.stripe.webhookSecret',
  STRIPE_API_BASE: 'payments.stripe.apiBase',
  WORKER_ENABLED: 'worker.enabled',
  WORKER_CONCURRENCY: 'worker.concurrency',
  WORKER_MAX_ATTEMPTS: 'worker.maxAttempts',
  WORKER_RETRY_BASE_MS: 'worker.retryBaseMs',
  WORKER_RETRY_MAX_MS: 'worker.retryMaxMs',
  WORKER_DRAIN_TIMEOUT_MS: 'worker.drainTimeoutMs',
  BOOKING_REQUESTS_TOPIC: 'kafka.topics.bookingRequests',
  NOTIFICATION_REQUESTS_TOPIC: 'kafka.topics.notificationRequests',
  BOOKING_WORKERS_GROUP: 'kafka.workerGroup',
  EVENT_CANCELLATIONS_TOPIC: 'kafka.topics.eventCancellations',
  TICKET_CHECK_INS_TOPIC: 'kafka.topics.ticketCheckIns',
  BOOKING_CANCELLATIONS_TOPIC: 'kafka.topics.bookingCancellations',
  CANCELLATION_WORKERS_GROUP: 'kafka.cancellationGroup',
  EVENT_CHANGES_TOPIC: 'kafka.topics.eventChanges',
  RESCHEDULE_WORKERS_GROUP: 'kafka.rescheduleGroup',
  KAFKA_PARTITIONS: 'kafka.partitions',
  OUTBOX_ENABLED: 'outbox.enabled',
  OUTBOX_INTERVAL_MS: 'outbox.intervalMs',
  RECONCILER_ENABLED: 'reconciler.enabled',
  RECONCILER_INTERVAL_MS: 'reconciler.intervalMs',
  RECONCILER_STUCK_AFTER_SECONDS: 'reconciler.stuckAfterSeconds',
  RECONCILER_UNFINISHED_CANCELLATION_AFTER_SECONDS: 'reconciler.unfinishedCancellationAfterSeconds',
  SSE_HEARTBEAT_MS: 'stream.heartbeatMs',
  BOOKINGS_MAX_SUBMITS_IN_FLIGHT: 'submit.maxInFlight',
} as const;

export function loadBookingsConfig(
  overrides?: DeepPartial<BookingsConfig>,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<BookingsConfig> {
  const config = loadServiceConfig({
    service: 'bookings',
    schema: BookingsConfigSchema,
    defaultFile: new URL('../config.yaml', import.meta.url),
    env,
    overrides,
    envMap: bookingsEnv,
  });
  if (config.payments.provider === 'stripe' && config.payments.stripe.secretKey === '') {
    throw new ConfigError('payments.provider is stripe but payments.stripe.secretKey (STRIPE_SECRET_KEY) is empty');
  }
  return config;
}
