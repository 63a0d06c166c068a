import {
  databaseSection,
  httpSection,
  jwtSection,
  loadServiceConfig,
  logSection,
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
  jwt: jwtSection,
  /** bcrypt cost factor. @defaultValue 10 */
  bcryptRounds: Type.Integer({ default: 10, minimum: 4, maximum: 15 }),
  /** Emails that are given the admin role when they register. */
  adminEmails: Type.Array(Type.String(), { default: [] }),
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

export function loadUsersConfig(overrides?: DeepPartial<UsersConfig>, env: NodeJS.ProcessEnv = process.env): Readonly<UsersConfig> {
  const config = loadServiceConfig({
    service: 'users',
    schema: UsersConfigSchema,
    defaultFile: new URL('../config.yaml', import.meta.url),
    env,
    overrides,
    envMap: {
      USERS_PORT: 'http.port',
      BCRYPT_ROUNDS: 'bcryptRounds',
      ADMIN_EMAILS: 'adminEmails[]',
      LOGIN_RATE_LIMIT_PER_EMAIL: 'loginRateLimit.perEmail',
      LOGIN_RATE_LIMIT_PER_IP: 'loginRateLimit.perIp',
      LOGIN_RATE_LIMIT_WINDOW_SECONDS: 'loginRateLimit.windowSeconds',
    },
  });
  return config;
}
