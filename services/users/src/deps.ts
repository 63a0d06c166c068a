import { poolSizeOf } from '@ticketing/config';
import { fileURLToPath } from 'node:url';
import { createCacheFromConfig, createRateLimiter, type Cache } from '@ticketing/cache';
import {
  createKafkaBus,
  createOutboxRelay,
  createOutboxRepository,
  createOutboxSignal,
  type MessageBus,
  type OutboxRelay,
} from '@ticketing/bus';
import { createPostgresDatabase, prepareSchema, type Database, type MigrationSet } from '@ticketing/db';
import { createLogger, registerOutboxMetrics, registerPoolMetrics, type Logger } from '@ticketing/http';
import { createAccountEmails, type AccountEmails } from './emails/account-emails.ts';
import type { UsersConfig } from './config.ts';
import { errors } from './errors.ts';
import { createUsersMetrics, type UsersMetrics } from './metrics.ts';
import { createUsersRepository } from './users/users.repository.ts';
import { createUsersService, type UsersService } from './users/users.service.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** The schema's changes, for `npm run migrate` and the start of the service. */
export const USERS_MIGRATIONS: MigrationSet = { dir: MIGRATIONS_DIR };

export interface UsersDeps {
  config: Readonly<UsersConfig>;
  logger: Logger;
  db: Database;
  cache: Cache;
  metrics: UsersMetrics;
  /** Where emails about accounts are queued (outbox → `account-emails` → notification service). */
  accountEmails: AccountEmails;
  /** Publishes the outbox (when there is a bus and `outbox.enabled`); the entry point starts it. */
  relay: OutboxRelay | undefined;
  usersService: UsersService;
  close(): Promise<void>;
}

/** The composition root: builds every dependency from config; adapters may be passed in (embedded mode, tests). */
export async function createUsersDeps(
  config: Readonly<UsersConfig>,
  given: { db?: Database; cache?: Cache; bus?: MessageBus; logger?: Logger } = {},
): Promise<UsersDeps> {
  const logger = given.logger ?? createLogger('users', config.log.level);
  const db =
    given.db ??
    createPostgresDatabase({
      url: config.database.url,
      schema: 'users',
      poolSize: poolSizeOf(config.database),
      applicationName: 'users',
      onConnectionError: (err) => logger.warn({ err }, 'database connection lost; the pool replaces it'),
    });
  const cache = given.cache ?? createCacheFromConfig(config.redis);
  const ownBus = !given.bus && config.kafka.enabled;
  const bus =
    given.bus ??
    (ownBus
      ? createKafkaBus({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-users`, logger, cluster: config.kafka })
      : undefined);
  const metrics = createUsersMetrics();
  registerPoolMetrics(metrics.registry, db);
  const { applied } = await prepareSchema(db, USERS_MIGRATIONS, { migrate: config.database.migrateOnStart });
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  registerOutboxMetrics(metrics.registry, createOutboxRepository(db), [config.kafka.accountEmailsTopic]);
  const outboxSignal = createOutboxSignal();
  const accountEmails = createAccountEmails({ db, topic: config.kafka.accountEmailsTopic, signal: outboxSignal });
  // Without a bus the rows wait in the outbox until a process with one publishes them.
  const relay =
    bus && config.outbox.enabled
      ? createOutboxRelay({
          db,
          publisher: bus.publisher(),
          topics: [config.kafka.accountEmailsTopic],
          signal: outboxSignal,
          logger: logger.child({ component: 'outbox-relay' }),
          intervalMs: config.outbox.intervalMs,
          batchSize: config.outbox.batchSize,
          maxBackoffMs: config.outbox.maxBackoffMs,
          retentionSeconds: config.outbox.retentionSeconds,
        })
      : undefined;

  const windowMs = config.loginRateLimit.windowSeconds * 1000;
  const perEmail = createRateLimiter(cache, { limit: config.loginRateLimit.perEmail, windowMs, prefix: 'users:login:email' });
  const perIp = createRateLimiter(cache, { limit: config.loginRateLimit.perIp, windowMs, prefix: 'users:login:ip' });

  const usersService = createUsersService({
    repository: createUsersRepository(db),
    bcryptRounds: config.bcryptRounds,
    adminEmails: config.adminEmails,
    jwt: config.jwt,
    async limitLogin(email, ip) {
      const [byEmail, byIp] = await Promise.all([perEmail.hit(email), perIp.hit(ip)]);
      const blocked = [byEmail, byIp].filter((r) => !r.allowed);
      if (blocked.length > 0) {
        const retryAfter = Math.max(...blocked.map((r) => r.retryAfterSeconds));
        throw errors.rateLimited({ message: 'Too many login attempts; try again later', details: { retry_after_seconds: retryAfter } });
      }
    },
    clearLoginLimit: (email) => perEmail.reset(email),
  });

  return {
    config,
    logger,
    db,
    cache,
    metrics,
    accountEmails,
    relay,
    usersService,
    async close() {
      await relay?.close();
      if (ownBus) await bus?.close();
      if (!given.cache) await cache.close();
      if (!given.db) await db.close();
    },
  };
}
