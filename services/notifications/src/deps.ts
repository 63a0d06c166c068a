import { poolSizeOf } from '@ticketing/config';
import { fileURLToPath } from 'node:url';
import { createCacheRevocationChecker, type RevocationChecker } from '@ticketing/auth';
import { createKafkaBus, type MessageBus } from '@ticketing/bus';
import { createCacheFromConfig, type Cache } from '@ticketing/cache';
import { createPostgresDatabase, prepareSchema, type Database, type MigrationSet } from '@ticketing/db';
import { createLogger, registerPoolMetrics, type Logger } from '@ticketing/http';
import { createFileMailer, createSmtpMailer, type Mailer } from '@ticketing/mail';
import type { NotificationsConfig } from './config.ts';
import { createNotificationsMetrics, type NotificationsMetrics } from './metrics.ts';
import { createDeadLettersRepository, type DeadLettersRepository } from './notifications/dead-letters.repository.ts';
import { createDeliveriesRepository, type DeliveriesRepository } from './notifications/deliveries.repository.ts';
import { createNotificationDelivery, type NotificationDelivery } from './notifications/deliver-notification.ts';
import { createNotificationsService, type NotificationsService } from './notifications/notifications.service.ts';
import { createRemindersRepository, type RemindersRepository } from './notifications/reminders.repository.ts';
import { createStats, systemClock, type Clock, type NotificationStats } from './notifications/stats.ts';
import { createTemplates, type Templates } from './notifications/templates.ts';
import { createDirectory, type Directory } from './webhooks/directory.client.ts';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhooks/webhook-dispatcher.ts';
import { createWebhookIntake, type WebhookIntake } from './webhooks/webhook-intake.ts';
import { createWebhookSender, type WebhookSender } from './webhooks/webhook-sender.ts';
import { createWebhooksRepository, type WebhooksRepository } from './webhooks/webhooks.repository.ts';
import { createWebhooksService, type WebhooksService } from './webhooks/webhooks.service.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** The schema's changes, for `npm run migrate` and the start of the service. */
export const NOTIFICATIONS_MIGRATIONS: MigrationSet = { dir: MIGRATIONS_DIR };

export interface NotificationsDeps {
  config: Readonly<NotificationsConfig>;
  logger: Logger;
  db: Database;
  bus: MessageBus;
  cache: Cache;
  /** Refuses revoked user tokens (announced by the users service through the cache). */
  revocations: RevocationChecker;
  mailer: Mailer;
  clock: Clock;
  stats: NotificationStats;
  metrics: NotificationsMetrics;
  templates: Templates;
  deliveriesRepository: DeliveriesRepository;
  remindersRepository: RemindersRepository;
  deadLettersRepository: DeadLettersRepository;
  delivery: NotificationDelivery;
  notificationsService: NotificationsService;
  /** The events and users internal APIs (an event's organization, an organization's owners). */
  directory: Directory;
  webhooksRepository: WebhooksRepository;
  webhooksService: WebhooksService;
  webhookIntake: WebhookIntake;
  webhookSender: WebhookSender;
  /** Sends due webhook deliveries; started by the worker. */
  webhookDispatcher: WebhookDispatcher;
  close(): Promise<void>;
}

export interface NotificationsAdapters {
  db?: Database;
  bus?: MessageBus;
  cache?: Cache;
  mailer?: Mailer;
  logger?: Logger;
  /** The source of "now" for reminders (tests move it forward). */
  clock?: Clock;
  /** The events and users internal APIs (tests may point at their own). */
  directory?: Directory;
}

export function createMailer(config: Readonly<NotificationsConfig>, logger: Logger): Mailer {
  const from = { address: config.mail.fromAddress, name: config.mail.fromName };
  if (config.mail.transport === 'file') return createFileMailer({ dir: config.mail.fileDir, from, logger });
  const smtp = config.smtp;
  return createSmtpMailer({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTls: smtp.requireTls,
    rejectUnauthorized: smtp.rejectUnauthorized,
    user: smtp.user || undefined,
    password: smtp.password || undefined,
    from,
    pool: smtp.pool,
    maxConnections: smtp.maxConnections,
    connectionTimeoutMs: smtp.connectionTimeoutMs,
    greetingTimeoutMs: smtp.greetingTimeoutMs,
    socketTimeoutMs: smtp.socketTimeoutMs,
  });
}

/** The composition root: builds every dependency from config; adapters may be passed in (embedded mode, tests). */
export async function createNotificationsDeps(
  config: Readonly<NotificationsConfig>,
  given: NotificationsAdapters = {},
): Promise<NotificationsDeps> {
  const logger = given.logger ?? createLogger('notifications', config.log.level);
  const poolSize = poolSizeOf(config.database);
  const db =
    given.db ??
    createPostgresDatabase({
      url: config.database.url,
      schema: 'notifications',
      poolSize,
      applicationName: 'notifications',
      onConnectionError: (err) => logger.warn({ err }, 'database connection lost; the pool replaces it'),
    });
  const bus =
    given.bus ??
    createKafkaBus({
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-notifications`,
      logger,
      // instanceId, session, heartbeat and rebalance timeouts (kafka section of the config).
      consumer: config.kafka,
      // Replication, min.insync.replicas, acks, TLS and SASL (kafka section of the config).
      cluster: config.kafka,
    });
  const mailer = given.mailer ?? createMailer(config, logger);
  const cache = given.cache ?? createCacheFromConfig(config.redis);
  const revocations = createCacheRevocationChecker(cache, {
    maxAgeMs: config.jwt.revocationMaxAgeMs,
    onLookupError: (err) => logger.warn({ err }, 'token revocations unreadable; using the last known ones'),
  });
  const clock = given.clock ?? systemClock;
  const { applied } = await prepareSchema(db, NOTIFICATIONS_MIGRATIONS, { migrate: config.database.migrateOnStart });
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  const stats = createStats();
  const metrics = createNotificationsMetrics(stats, config.consumer.groupId);
  registerPoolMetrics(metrics.registry, db);
  const templates = createTemplates({
    timezone: config.mail.timezone,
    locale: config.mail.locale,
    currency: config.mail.currency,
    subjects: config.mail.subjects,
    signature: config.mail.fromName,
  });
  const deliveries = createDeliveriesRepository(db);
  const reminders = createRemindersRepository();
  const deadLetters = createDeadLettersRepository(db);
  const delivery = createNotificationDelivery({
    db,
    mailer,
    templates,
    deliveries,
    reminders,
    clock,
    logger,
    lockWaitMs: config.consumer.lockWaitMs,
    sendLeaseMs: config.consumer.sendLeaseMs,
    messageIdDomain: config.mail.messageIdDomain,
    reminderSettings: { enabled: config.reminders.enabled, leadTimeMs: config.reminders.leadTimeMinutes * 60_000 },
  });

  const directory =
    given.directory ??
    createDirectory({ eventsUrl: config.events.url, usersUrl: config.users.url, timeoutMs: config.events.timeoutMs, jwt: config.jwt });
  const wh = config.webhooks;
  const webhooksRepository = createWebhooksRepository();
  const webhookSender = createWebhookSender({
    timeoutMs: wh.timeoutMs,
    allowInsecureTargets: wh.allowInsecureTargets,
    userAgent: 'Ticketing-Webhooks/1',
  });
  if (wh.allowInsecureTargets) logger.warn('webhooks.allowInsecureTargets is on: http:// and private addresses are allowed (tests only)');
  const webhookDispatcher = createWebhookDispatcher({
    db,
    repository: webhooksRepository,
    sender: webhookSender,
    directory,
    delivery,
    clock,
    logger: logger.child({ component: 'webhooks' }),
    settings: {
      concurrency: wh.concurrency,
      pollIntervalMs: wh.pollIntervalMs,
      leaseMs: wh.leaseMs,
      retryBaseMs: wh.retryBaseMs,
      retryMaxMs: wh.retryMaxMs,
      disableAfterFailures: wh.disableAfterFailures,
      disableAfterMs: wh.disableAfterMs,
      manageUrl: wh.manageUrl,
    },
  });
  const onDeliveries = () => webhookDispatcher.wake();
  const webhookIntake = createWebhookIntake({ db, repository: webhooksRepository, clock, maxAgeMs: wh.maxAgeMs, onDeliveries });
  const webhooksService = createWebhooksService({
    db,
    repository: webhooksRepository,
    clock,
    settings: {
      allowInsecureTargets: wh.allowInsecureTargets,
      maxEndpointsPerOrganization: wh.maxEndpointsPerOrganization,
      maxAgeMs: wh.maxAgeMs,
    },
    onDeliveries,
  });

  return {
    config,
    logger,
    db,
    bus,
    cache,
    revocations,
    mailer,
    clock,
    stats,
    metrics,
    templates,
    deliveriesRepository: deliveries,
    remindersRepository: reminders,
    deadLettersRepository: deadLetters,
    delivery,
    notificationsService: createNotificationsService({ deliveries }),
    directory,
    webhooksRepository,
    webhooksService,
    webhookIntake,
    webhookSender,
    webhookDispatcher,
    async close() {
      await webhookDispatcher.stop();
      webhookSender.close();
      await revocations.close();
      if (!given.bus) await bus.close();
      if (!given.cache) await cache.close();
      if (!given.mailer) await mailer.close();
      if (!given.db) await db.close();
    },
  };
}
