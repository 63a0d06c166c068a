import {
  databaseSection,
  httpSection,
  jwtSection,
  kafkaSection,
  loadServiceConfig,
  logSection,
  outboxSection,
  redisSection,
  Type,
  type DeepPartial,
  type Static,
} from '@ticketing/config';

export const UsersConfigSchema = Type.Object({
  http: httpSection(8081),
  log: logSection,
  database: databaseSection,
  redis: redisSection,
  kafka: Type.Object(
    {
      ...kafkaSection.properties,
      /** Publish account emails on Kafka when no bus is given to createUsersDeps. @defaultValue true */
      enabled: Type.Boolean({ default: true }),
      /** @defaultValue "account-emails" */
      accountEmailsTopic: Type.String({ default: 'account-emails', minLength: 1 }),
    },
    { default: {} },
  ),
  outbox: outboxSection,
  jwt: jwtSection,
  /**
   * Where people open the web app: the base of the links in account emails
   * (`<publicUrl>/verify-email?token=…`). @defaultValue "http://127.0.0.1:8080"
   */
  publicUrl: Type.String({ default: 'http://127.0.0.1:8080', pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' }),
  /** bcrypt cost factor. @defaultValue 10 */
  bcryptRounds: Type.Integer({ default: 10, minimum: 4, maximum: 15 }),
  /**
   * Addresses that get the admin role once verified (by the emailed link), never at
   * registration; `npm run admin` is the other way (docs/users.md#platform-admins).
   */
  adminEmails: Type.Array(Type.String(), { default: [] }),
  accountLinks: Type.Object(
    {
      /** How long an email verification link works. @defaultValue 86400 */
      verificationTtlSeconds: Type.Integer({ default: 86_400, minimum: 1, maximum: 30 * 86_400 }),
      /** How long a password reset link works. @defaultValue 3600 */
      resetTtlSeconds: Type.Integer({ default: 3600, minimum: 1, maximum: 86_400 }),
    },
    { default: {} },
  ),
  emailRateLimit: Type.Object(
    {
      /** Verification or reset emails asked for one address within the window (each kind counted apart). @defaultValue 3 */
      perEmail: Type.Integer({ default: 3, minimum: 1 }),
      /** Such requests from one client address within the window. @defaultValue 20 */
      perIp: Type.Integer({ default: 20, minimum: 1 }),
      /** @defaultValue 3600 */
      windowSeconds: Type.Integer({ default: 3600, minimum: 1 }),
    },
    { default: {} },
  ),
  /** How often recent token revocations are written to the cache again (after a cache outage). @defaultValue 30000 */
  revocationResyncMs: Type.Integer({ default: 30_000, minimum: 100 }),
  /** How long an organization invitation can be accepted. @defaultValue 604800 (7 days) */
  invitationTtlSeconds: Type.Integer({ default: 604800, minimum: 60, maximum: 90 * 86400 }),
  loginRateLimit: Type.Object(
    {
      /** Attempts per email within the window. @defaultValue 10 */
      perEmail: Type.Integer({ default: 10, minimum: 1 }),
      /** Attempts per client address within the window. @defaultValue 100 */
      perIp: Type.Integer({ default: 100, minimum: 1 }),
      /** @defaultValue 300 */
      windowSeconds: Type.Integer({ default: 300, minimum: 1 }),
    },
    { default: {} },
  ),
});

export type UsersConfig = Static<typeof UsersConfigSchema>;

/** The environment variables this service reads besides the common ones (commonEnv), by config path. */
export const usersEnv = {
  USERS_PORT: 'http.port',
  USERS_KAFKA_ENABLED: 'kafka.enabled',
  USERS_ACCOUNT_EMAILS_TOPIC: 'kafka.accountEmailsTopic',
  USERS_OUTBOX_ENABLED: 'outbox.enabled',
  USERS_OUTBOX_INTERVAL_MS: 'outbox.intervalMs',
  WEB_PUBLIC_URL: 'publicUrl',
  BCRYPT_ROUNDS: 'bcryptRounds',
  INVITATION_TTL_SECONDS: 'invitationTtlSeconds',
  ADMIN_EMAILS: 'adminEmails[]',
  VERIFICATION_LINK_TTL_SECONDS: 'accountLinks.verificationTtlSeconds',
  RESET_LINK_TTL_SECONDS: 'accountLinks.resetTtlSeconds',
  EMAIL_RATE_LIMIT_PER_EMAIL: 'emailRateLimit.perEmail',
  EMAIL_RATE_LIMIT_PER_IP: 'emailRateLimit.perIp',
  EMAIL_RATE_LIMIT_WINDOW_SECONDS: 'emailRateLimit.windowSeconds',
  REVOCATION_RESYNC_MS: 'revocationResyncMs',
  LOGIN_RATE_LIMIT_PER_EMAIL: 'loginRateLimit.perEmail',
  LOGIN_RATE_LIMIT_PER_IP: 'loginRateLimit.perIp',
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: 'loginRateLimit.windowSeconds',
} as const;

export function loadUsersConfig(overrides?: DeepPartial<UsersConfig>, env: NodeJS.ProcessEnv = process.env): Readonly<UsersConfig> {
  const config = loadServiceConfig({
    service: 'users',
    schema: UsersConfigSchema,
    defaultFile: new URL('../config.yaml', import.meta.url),
    env,
    overrides,
    envMap: usersEnv,
  });
  return config;
}
