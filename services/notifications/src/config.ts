import {
  ConfigError,
  databaseSection,
  httpSection,
  jwtSection,
  kafkaSection,
  loadServiceConfig,
  logSection,
  redisSection,
  workerHttpSection,
  Type,
  type DeepPartial,
  type Static,
} from '@ticketing/config';

/** Placeholders a subject template may use, e.g. `Booking confirmed: {{event_name}}`. */
export const SUBJECT_PLACEHOLDERS = ['event_name', 'venue', 'event_date', 'booking_id', 'user_name', 'seats', 'total_amount'] as const;

export const NotificationsConfigSchema = Type.Object({
  http: httpSection(8084),
  log: logSection,
  /** The standalone worker's (src/worker.ts) probe and metrics port. */
  workerHttp: workerHttpSection,
  database: databaseSection,
  /** Read for token revocations only (docs/users.md#revocation). */
  redis: redisSection,
  jwt: jwtSection,
  kafka: Type.Object(
    {
      ...kafkaSection.properties,
      topics: Type.Object(
        {
          /** The topic consumed; its dead letters go to `<topic>.dlq`. @defaultValue notification-requests */
          notificationRequests: Type.String({ default: 'notification-requests', minLength: 1 }),
          /** Emails about accounts from the users service; dead letters to `<topic>.dlq`. @defaultValue account-emails */
          accountEmails: Type.String({ default: 'account-emails', minLength: 1 }),
          /** Waiting-list offers from the event service; dead letters to `<topic>.dlq`. @defaultValue waitlist-offers */
          waitlistOffers: Type.String({ default: 'waitlist-offers', minLength: 1 }),
          /** Organizer changes of events (event.published), for outgoing webhooks. @defaultValue event-changes */
          eventChanges: Type.String({ default: 'event-changes', minLength: 1 }),
          /** Event cancellations, for outgoing webhooks. @defaultValue event-cancellations */
          eventCancellations: Type.String({ default: 'event-cancellations', minLength: 1 }),
          /** Buyer cancellations and organizer refunds of bookings, for outgoing webhooks. @defaultValue booking-cancellations */
          bookingCancellations: Type.String({ default: 'booking-cancellations', minLength: 1 }),
          /** Tickets admitted at the door, for outgoing webhooks. @defaultValue ticket-check-ins */
          ticketCheckIns: Type.String({ default: 'ticket-check-ins', minLength: 1 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  consumer: Type.Object(
    {
      /** @defaultValue notification-service */
      groupId: Type.String({ default: 'notification-service', minLength: 1 }),
      /** Messages handled at once. @defaultValue 8 */
      concurrency: Type.Integer({ default: 8, minimum: 1, maximum: 256 }),
      /** Attempts (first try included) before a message is dead-lettered. @defaultValue 5 */
      maxAttempts: Type.Integer({ default: 5, minimum: 1, maximum: 100 }),
      /** First retry delay, doubled on every attempt. @defaultValue 1000 */
      retryBaseMs: Type.Integer({ default: 1000, minimum: 1 }),
      /** @defaultValue 60000 */
      retryMaxMs: Type.Integer({ default: 60_000, minimum: 1 }),
      /** How long a claim waits for another claim of the same email (a short transaction). @defaultValue 5000 */
      lockWaitMs: Type.Integer({ default: 5000, minimum: 1, maximum: 60_000 }),
      /**
       * How long a worker owns an email it is sending; past it, a worker that died mid-send is
       * taken over. Must exceed the longest SMTP conversation (the smtp timeouts). @defaultValue 120000
       */
      sendLeaseMs: Type.Integer({ default: 120_000, minimum: 100, maximum: 3_600_000 }),
    },
    { default: {} },
  ),
  /** The event service's internal API: which organization an event belongs to (webhooks). */
  events: Type.Object(
    {
      /** @defaultValue http://127.0.0.1:8082 */
      url: Type.String({ default: 'http://127.0.0.1:8082', minLength: 1 }),
      /** @defaultValue 5000 */
      timeoutMs: Type.Integer({ default: 5000, minimum: 100, maximum: 60_000 }),
    },
    { default: {} },
  ),
  /** The users service's internal API: the owners of an organization (a disabled webhook endpoint is emailed to them). */
  users: Type.Object(
    {
      /** @defaultValue http://127.0.0.1:8081 */
      url: Type.String({ default: 'http://127.0.0.1:8081', minLength: 1 }),
      /** @defaultValue 5000 */
      timeoutMs: Type.Integer({ default: 5000, minimum: 100, maximum: 60_000 }),
    },
    { default: {} },
  ),
  /** Outgoing webhooks for organizers (docs/webhooks.md). */
  webhooks: Type.Object(
    {
      /** Run the webhook consumer and dispatcher in the worker. @defaultValue true */
      enabled: Type.Boolean({ default: true }),
      /** Consumer group reading the topics webhooks are made from. @defaultValue webhook-dispatch */
      groupId: Type.String({ default: 'webhook-dispatch', minLength: 1 }),
      /**
       * Allow http:// URLs and private, loopback and link-local addresses. For tests and local
       * development only: in production it opens the platform to SSRF. @defaultValue false
       */
      allowInsecureTargets: Type.Boolean({ default: false }),
      /** Deliveries in flight at once per process. @defaultValue 16 */
      concurrency: Type.Integer({ default: 16, minimum: 1, maximum: 512 }),
      /** How often the dispatcher looks for due deliveries (it is also woken by new ones). @defaultValue 1000 */
      pollIntervalMs: Type.Integer({ default: 1000, minimum: 10 }),
      /** How long one HTTP attempt may take. @defaultValue 10000 */
      timeoutMs: Type.Integer({ default: 10_000, minimum: 100, maximum: 120_000 }),
      /**
       * How long a dispatcher owns a delivery it is attempting; past it, one that died is taken
       * over. Longer than timeoutMs. @defaultValue 60000
       */
      leaseMs: Type.Integer({ default: 60_000, minimum: 200, maximum: 3_600_000 }),
      /** First retry delay, doubled per attempt (with jitter). @defaultValue 30000 */
      retryBaseMs: Type.Integer({ default: 30_000, minimum: 1 }),
      /** Longest delay between two attempts. @defaultValue 3600000 (1 h) */
      retryMaxMs: Type.Integer({ default: 3_600_000, minimum: 1 }),
      /** How long a delivery is retried before it is given up. @defaultValue 86400000 (24 h) */
      maxAgeMs: Type.Integer({ default: 86_400_000, minimum: 1 }),
      /** Failed attempts in a row (any deliveries) after which an endpoint is disabled. @defaultValue 100 */
      disableAfterFailures: Type.Integer({ default: 100, minimum: 1 }),
      /** How long an endpoint may keep failing (no success in between) before it is disabled. @defaultValue 86400000 (24 h) */
      disableAfterMs: Type.Integer({ default: 86_400_000, minimum: 1 }),
      /** Endpoints one organization may register. @defaultValue 20 */
      maxEndpointsPerOrganization: Type.Integer({ default: 20, minimum: 1, maximum: 1000 }),
      /** Link to the endpoints page in the owners' email. @defaultValue http://localhost:8080/organizations */
      manageUrl: Type.String({ default: 'http://localhost:8080/organizations', pattern: '^https?://' }),
    },
    { default: {} },
  ),
  worker: Type.Object(
    {
      /** server.ts also runs the consumer and the reminder scheduler in its process. @defaultValue true */
      enabled: Type.Boolean({ default: true }),
      /** How long the drain on SIGTERM may take before the process exits 1. @defaultValue 15000 */
      drainTimeoutMs: Type.Integer({ default: 15_000, minimum: 1000, maximum: 3_600_000 }),
    },
    { default: {} },
  ),
  mail: Type.Object(
    {
      /** `smtp` sends for real; `file` writes .eml/.json files under `fileDir` (embedded profile). @defaultValue smtp */
      transport: Type.Union([Type.Literal('smtp'), Type.Literal('file')], { default: 'smtp' }),
      fileDir: Type.String({ default: './data/mail' }),
      fromAddress: Type.String({ default: 'tickets@ticketing.local', minLength: 3, pattern: '^[^\\s@]+@[^\\s@]+$' }),
      fromName: Type.String({ default: 'Ticketing' }),
      /** Domain of the Message-ID headers (stable per booking and type). @defaultValue ticketing.local */
      messageIdDomain: Type.String({ default: 'ticketing.local', minLength: 1, pattern: '^[A-Za-z0-9.-]+$' }),
      /** IANA time zone the event dates are shown in. @defaultValue UTC */
      timezone: Type.String({ default: 'UTC', minLength: 1 }),
      /** BCP 47 locale for dates and amounts. @defaultValue en-US */
      locale: Type.String({ default: 'en-US', minLength: 2 }),
      /** ISO 4217 currency of the amounts. @defaultValue USD */
      currency: Type.String({ default: 'USD', pattern: '^[A-Z]{3}$' }),
      subjects: Type.Object(
        {
          booking_confirmed: Type.String({ default: 'Booking confirmed: {{event_name}}', minLength: 1 }),
          booking_failed: Type.String({ default: 'Booking failed: {{event_name}}', minLength: 1 }),
          event_reminder: Type.String({ default: 'Reminder: {{event_name}} is coming up', minLength: 1 }),
          event_cancelled: Type.String({ default: 'Cancelled: {{event_name}}, your payment is refunded', minLength: 1 }),
          event_rescheduled: Type.String({ default: 'New date: {{event_name}} is now on {{event_date}}', minLength: 1 }),
          booking_cancelled: Type.String({ default: 'Booking cancelled: {{event_name}}', minLength: 1 }),
        },
        { default: {} },
      ),
    },
    { default: {} },
  ),
  smtp: Type.Object(
    {
      host: Type.String({ default: '127.0.0.1', minLength: 1 }),
      /** @defaultValue 1025 (mailpit in development) */
      port: Type.Integer({ default: 1025, minimum: 1, maximum: 65535 }),
      /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. @defaultValue false */
      secure: Type.Boolean({ default: false }),
      requireTls: Type.Boolean({ default: false }),
      rejectUnauthorized: Type.Boolean({ default: true }),
      user: Type.String({ default: '' }),
      password: Type.String({ default: '' }),
      pool: Type.Boolean({ default: true }),
      maxConnections: Type.Integer({ default: 5, minimum: 1, maximum: 100 }),
      connectionTimeoutMs: Type.Integer({ default: 10_000, minimum: 100 }),
      greetingTimeoutMs: Type.Integer({ default: 10_000, minimum: 100 }),
      socketTimeoutMs: Type.Integer({ default: 30_000, minimum: 100 }),
    },
    { default: {} },
  ),
  reminders: Type.Object(
    {
      /** Schedule a reminder per confirmed booking and run the scheduler. @defaultValue true */
      enabled: Type.Boolean({ default: true }),
      /** How long before the event the reminder goes out. @defaultValue 1440 (24 h) */
      leadTimeMinutes: Type.Integer({ default: 1440, minimum: 1 }),
      /** How often the scheduler looks for due reminders. @defaultValue 15000 */
      pollIntervalMs: Type.Integer({ default: 15_000, minimum: 10 }),
      /** Reminders sent at once by one process. @defaultValue 2 */
      concurrency: Type.Integer({ default: 2, minimum: 1, maximum: 64 }),
      /** Attempts before a reminder is given up (dead). @defaultValue 8 */
      maxAttempts: Type.Integer({ default: 8, minimum: 1 }),
      /** First retry delay of a reminder, doubled each attempt. @defaultValue 30000 */
      retryBaseMs: Type.Integer({ default: 30_000, minimum: 1 }),
      /** @defaultValue 1800000 (30 min) */
      retryMaxMs: Type.Integer({ default: 1_800_000, minimum: 1 }),
    },
    { default: {} },
  ),
});

export type NotificationsConfig = Static<typeof NotificationsConfigSchema>;

function assertTemplates(config: NotificationsConfig): void {
  const known = new Set<string>(SUBJECT_PLACEHOLDERS);
  const bad: string[] = [];
  for (const [type, template] of Object.entries(config.mail.subjects)) {
    for (const m of template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      if (!known.has(m[1]!)) bad.push(`mail.subjects.${type}: unknown placeholder {{${m[1]}}}`);
    }
  }
  try {
    new Intl.DateTimeFormat(config.mail.locale, { timeZone: config.mail.timezone });
  } catch {
    bad.push(`mail.timezone: unknown time zone or locale (${config.mail.timezone}, ${config.mail.locale})`);
  }
  if (bad.length > 0) {
    throw new ConfigError(
      `notifications: invalid configuration\n  ${bad.join('\n  ')}\n  (placeholders: ${SUBJECT_PLACEHOLDERS.join(', ')})`,
    );
  }
}

/** The environment variables this service reads besides the common ones (commonEnv), by config path. */
export const notificationsEnv = {
  WORKER_HTTP_HOST: 'workerHttp.host',
  WORKER_HTTP_PORT: 'workerHttp.port',
  NOTIFICATIONS_PORT: 'http.port',
  NOTIFICATIONS_TOPIC: 'kafka.topics.notificationRequests',
  NOTIFICATIONS_ACCOUNT_EMAILS_TOPIC: 'kafka.topics.accountEmails',
  NOTIFICATIONS_WAITLIST_OFFERS_TOPIC: 'kafka.topics.waitlistOffers',
  NOTIFICATIONS_GROUP_ID: 'consumer.groupId',
  NOTIFICATIONS_CONCURRENCY: 'consumer.concurrency',
  NOTIFICATIONS_MAX_ATTEMPTS: 'consumer.maxAttempts',
  NOTIFICATIONS_RETRY_BASE_MS: 'consumer.retryBaseMs',
  NOTIFICATIONS_RETRY_MAX_MS: 'consumer.retryMaxMs',
  NOTIFICATIONS_SEND_LEASE_MS: 'consumer.sendLeaseMs',
  NOTIFICATIONS_RUN_WORKER: 'worker.enabled',
  NOTIFICATIONS_DRAIN_TIMEOUT_MS: 'worker.drainTimeoutMs',
  EVENT_CHANGES_TOPIC: 'kafka.topics.eventChanges',
  EVENT_CANCELLATIONS_TOPIC: 'kafka.topics.eventCancellations',
  BOOKING_CANCELLATIONS_TOPIC: 'kafka.topics.bookingCancellations',
  TICKET_CHECK_INS_TOPIC: 'kafka.topics.ticketCheckIns',
  EVENTS_URL: 'events.url',
  USERS_URL: 'users.url',
  WEBHOOKS_ENABLED: 'webhooks.enabled',
  WEBHOOKS_GROUP_ID: 'webhooks.groupId',
  WEBHOOKS_ALLOW_INSECURE_TARGETS: 'webhooks.allowInsecureTargets',
  WEBHOOKS_CONCURRENCY: 'webhooks.concurrency',
  WEBHOOKS_POLL_INTERVAL_MS: 'webhooks.pollIntervalMs',
  WEBHOOKS_TIMEOUT_MS: 'webhooks.timeoutMs',
  WEBHOOKS_LEASE_MS: 'webhooks.leaseMs',
  WEBHOOKS_RETRY_BASE_MS: 'webhooks.retryBaseMs',
  WEBHOOKS_RETRY_MAX_MS: 'webhooks.retryMaxMs',
  WEBHOOKS_MAX_AGE_MS: 'webhooks.maxAgeMs',
  WEBHOOKS_DISABLE_AFTER_FAILURES: 'webhooks.disableAfterFailures',
  WEBHOOKS_DISABLE_AFTER_MS: 'webhooks.disableAfterMs',
  WEBHOOKS_MANAGE_URL: 'webhooks.manageUrl',
  MAIL_TRANSPORT: 'mail.transport',
  MAIL_FILE_DIR: 'mail.fileDir',
  MAIL_FROM_ADDRESS: 'mail.fromAddress',
  MAIL_FROM_NAME: 'mail.fromName',
  MAIL_TIMEZONE: 'mail.timezone',
  MAIL_LOCALE: 'mail.locale',
  MAIL_CURRENCY: 'mail.currency',
  MAIL_SUBJECT_BOOKING_CONFIRMED: 'mail.subjects.booking_confirmed',
  MAIL_SUBJECT_BOOKING_FAILED: 'mail.subjects.booking_failed',
  MAIL_SUBJECT_EVENT_REMINDER: 'mail.subjects.event_reminder',
  MAIL_SUBJECT_EVENT_CANCELLED: 'mail.subjects.event_cancelled',
  MAIL_SUBJECT_EVENT_RESCHEDULED: 'mail.subjects.event_rescheduled',
  MAIL_SUBJECT_BOOKING_CANCELLED: 'mail.subjects.booking_cancelled',
  SMTP_HOST: 'smtp.host',
  SMTP_PORT: 'smtp.port',
  SMTP_SECURE: 'smtp.secure',
  SMTP_REQUIRE_TLS: 'smtp.requireTls',
  SMTP_REJECT_UNAUTHORIZED: 'smtp.rejectUnauthorized',
  SMTP_USER: 'smtp.user',
  SMTP_PASSWORD: 'smtp.password',
  SMTP_POOL: 'smtp.pool',
  SMTP_MAX_CONNECTIONS: 'smtp.maxConnections',
  REMINDERS_ENABLED: 'reminders.enabled',
  REMINDER_LEAD_MINUTES: 'reminders.leadTimeMinutes',
  REMINDER_POLL_INTERVAL_MS: 'reminders.pollIntervalMs',
} as const;

export function loadNotificationsConfig(
  overrides?: DeepPartial<NotificationsConfig>,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<NotificationsConfig> {
  const config = loadServiceConfig({
    service: 'notifications',
    schema: NotificationsConfigSchema,
    defaultFile: new URL('../config.yaml', import.meta.url),
    env,
    overrides,
    envMap: notificationsEnv,
  });
  assertTemplates(config);
  return config;
}
