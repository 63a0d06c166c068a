import { apiClient, listen, testInfra, uniqueEmail } from '@ticketing/testing';
import { buildUsersApp, createUsersDeps, loadUsersConfig, type UsersConfig } from '../src/index.ts';
import type { DeepPartial } from '@ticketing/config';

/** Starts the user service on a real port against the real PostgreSQL and Redis. */
export async function startUsers(overrides: DeepPartial<UsersConfig> = {}) {
  const config = loadUsersConfig(
    {
      log: { level: 'silent' },
      database: { url: testInfra.databaseUrl },
      redis: { url: testInfra.redisUrl },
      bcryptRounds: 4,
      loginRateLimit: { perEmail: 1000, perIp: 100000, windowSeconds: 60 },
      ...overrides,
    },
    {},
  );
  const deps = await createUsersDeps(config);
  const app = await buildUsersApp(deps);
  const baseUrl = await listen(app);
  return {
    config,
    baseUrl,
    api: apiClient(baseUrl),
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

export function newUser(overrides: Record<string, unknown> = {}) {
  return { email: uniqueEmail(), password: 'correct horse battery', first_name: 'Ada', last_name: 'Lovelace', ...overrides };
}
