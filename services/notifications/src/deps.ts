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
    async close() {
      await revocations.close();
      if (!given.bus) await bus.close();
      if (!given.cache) await cache.close();
      if (!given.mailer) await mailer.close();
      if (!given.db) await db.close();
    },
  };
}
