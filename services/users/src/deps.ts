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
import { createAuditLog, createPostgresDatabase, prepareSchema, type Database, type MigrationSet } from '@ticketing/db';
import { createLogger, registerOutboxMetrics, registerPoolMetrics, type Logger } from '@ticketing/http';
import { createAccountEmails, type AccountEmails } from './emails/account-emails.ts';
import { createRevocationChecker, REVOCATION_CHANNEL, type RevocationChecker } from '@ticketing/auth';
import { createAccountTokensRepository } from './accounts/account-tokens.repository.ts';
import { createAccountsService, type AccountsService } from './accounts/accounts.service.ts';
import { createAdmins, type Admins } from './accounts/admins.ts';
import { createRevocationAnnouncer, type RevocationAnnouncer } from './accounts/revocations.ts';
import { createRevocationsRepository } from './accounts/revocations.repository.ts';
import type { UsersConfig } from './config.ts';
import { errors } from './errors.ts';
import { createUsersMetrics, type UsersMetrics } from './metrics.ts';
import { createOrganizationsRepository } from './organizations/organizations.repository.ts';
import { createOrganizationsService, type OrganizationsService } from './organizations/organizations.service.ts';
import { createUsersRepository } from './users/users.repository.ts';
import { createUsersService, normalizeEmail, type UsersService } from './users/users.service.ts';

/** Throws rate_limited (429 with Retry-After) when any of the counters is over its limit. */
function throwIfBlocked(results: { allowed: boolean; retryAfterSeconds: number }[], message: string): void {
  const blocked = results.filter((r) => !r.allowed);
  if (blocked.length === 0) return;
  const retryAfter = Math.max(...blocked.map((r) => r.retryAfterSeconds));
  throw errors.rateLimited({ message, details: { retry_after_seconds: retryAfter } });
}

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
  accountsService: AccountsService;
  admins: Admins;
  /** Refuses revoked tokens on this service's routes (read from its own database). */
  revocations: RevocationChecker;
  /** Announces revocations to the other services; the entry point starts its periodic resync. */
  announcer: RevocationAnnouncer;
  organizationsService: OrganizationsService;
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
  const emailWindowMs = config.emailRateLimit.windowSeconds * 1000;
  const emailLimits = {
    perEmail: createRateLimiter(cache, { limit: config.emailRateLimit.perEmail, windowMs: emailWindowMs, prefix: 'users:links:email' }),
    perIp: createRateLimiter(cache, { limit: config.emailRateLimit.perIp, windowMs: emailWindowMs, prefix: 'users:links:ip' }),
  };

  const usersRepository = createUsersRepository(db);
  const revocationsRepository = createRevocationsRepository(db);
  // This service reads revocations from its own database (the source of truth); the others from the cache.
  const revocations = createRevocationChecker({
    lookup: (userId) => revocationsRepository.stateOf(userId),
    subscribe: (onChange) => cache.subscribe(REVOCATION_CHANNEL, onChange),
    maxAgeMs: config.jwt.revocationMaxAgeMs,
    onLookupError: (err) => logger.warn({ err }, 'token revocations unreadable; using the last known ones'),
  });
  const announcer = createRevocationAnnouncer({
    repository: revocationsRepository,
    cache,
    checker: revocations,
    tokenTtlSeconds: config.jwt.ttlSeconds,
    resyncIntervalMs: config.revocationResyncMs,
    logger,
  });
  const tokensRevoked = (userId: string) => announcer.announce(userId);
  const admins = createAdmins({ db, users: usersRepository, tokensRevoked });
  const adminEmails = new Set(config.adminEmails.map(normalizeEmail));

  const accountsService = createAccountsService({
    db,
    users: usersRepository,
    tokens: createAccountTokensRepository(db),
    revocations: revocationsRepository,
    accountEmails,
    admins,
    adminEmails,
    tokensRevoked,
    async limitEmails(kind, email, ip) {
      const [byEmail, byIp] = await Promise.all([emailLimits.perEmail.hit(`${kind}:${email}`), emailLimits.perIp.hit(ip)]);
      throwIfBlocked([byEmail, byIp], 'Too many emails asked for; try again later');
    },
    bcryptRounds: config.bcryptRounds,
    jwt: config.jwt,
    publicUrl: config.publicUrl,
    linkTtlSeconds: {
      email_verification: config.accountLinks.verificationTtlSeconds,
      password_reset: config.accountLinks.resetTtlSeconds,
    },
  });

  const organizationsService = createOrganizationsService({
    db,
    repository: createOrganizationsRepository(db),
    audit: createAuditLog(db),
    invitationTtlSeconds: config.invitationTtlSeconds,
    // A removed or demoted member's earlier tokens are revoked (token generation), so every
    // service refuses the old role as soon as the revocation reaches it (docs/users.md).
    onAccessReduced: (tx, userId) => usersRepository.revokeAllTokens(tx, userId),
    notifyInvited: async (tx, invitation, inviter) => {
      await accountEmails.enqueue(tx, {
        type: 'organization_invitation',
        recipient_email: invitation.email,
        recipient_name: '',
        organization_name: invitation.organization_name,
        inviter_name: inviter.name ?? inviter.email,
        role: invitation.role,
        link: `${config.publicUrl.replace(/\/+$/, '')}/organizations`,
        expires_at: invitation.expires_at.toISOString(),
      });
    },
    afterCommit: async ({ accessReducedFor, invited }) => {
      if (invited) accountEmails.committed();
      if (accessReducedFor) await tokensRevoked(accessReducedFor);
    },
  });
  const usersService = createUsersService({
    db,
    repository: usersRepository,
    bcryptRounds: config.bcryptRounds,
    jwt: config.jwt,
    async limitLogin(email, ip) {
      const [byEmail, byIp] = await Promise.all([perEmail.hit(email), perIp.hit(ip)]);
      throwIfBlocked([byEmail, byIp], 'Too many login attempts; try again later');
    },
    clearLoginLimit: (email) => perEmail.reset(email),
    sendVerification: accountsService.sendVerification,
    sendPasswordChanged: accountsService.sendPasswordChanged,
    emailsCommitted: () => accountEmails.committed(),
    tokensRevoked,
    onLogin: (user) => admins.applyConfiguredAdmin(user, adminEmails),
    organizationsOf: (userId) => organizationsService.claimsOf(userId),
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
    accountsService,
    admins,
    revocations,
    announcer,
    organizationsService,
    async close() {
      await relay?.close();
      await announcer.stop();
      await revocations.close();
      if (ownBus) await bus?.close();
      if (!given.cache) await cache.close();
      if (!given.db) await db.close();
    },
  };
}
