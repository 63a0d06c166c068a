import { apiClient, listen, testInfra, uniqueEmail, uniqueId } from '@ticketing/testing';
import { buildUsersApp, createUsersDeps, loadUsersConfig, type UsersConfig } from '../src/index.ts';
import type { DeepPartial } from '@ticketing/config';
import { createPgliteDatabase } from '@ticketing/db';
import { createMemoryCache } from '@ticketing/cache';

export type Profile = 'production' | 'embedded';

/**
 * Starts the user service on a real port: `production` against the real PostgreSQL and Redis,
 * `embedded` on PGlite and the in-memory cache (the adapters `npm start` uses).
 */
export async function startUsers(overrides: DeepPartial<UsersConfig> = {}, profile: Profile = 'production') {
  const config = loadUsersConfig(
    {
      log: { level: 'silent' },
      database: { url: testInfra.databaseUrl },
      redis: { url: testInfra.redisUrl },
      bcryptRounds: 4,
      // Emails stay in the outbox (test/account-emails.test.ts follows them to the mailbox).
      kafka: { enabled: false, accountEmailsTopic: uniqueId('account-emails') },
      loginRateLimit: { perEmail: 1000, perIp: 100000, windowSeconds: 60 },
      ...overrides,
    },
    {},
  );
  const given =
    profile === 'embedded' ? { db: await createPgliteDatabase({ dataDir: 'memory://', schema: 'users' }), cache: createMemoryCache() } : {};
  const deps = await createUsersDeps(config, given);
  const app = await buildUsersApp(deps);
  const baseUrl = await listen(app);
  return {
    config,
    baseUrl,
    api: apiClient(baseUrl),
    async close() {
      await app.close();
      await deps.close();
      await given.db?.close();
    },
  };
}

export function newUser(overrides: Record<string, unknown> = {}) {
  return { email: uniqueEmail(), password: 'correct horse battery', first_name: 'Ada', last_name: 'Lovelace', ...overrides };
}
