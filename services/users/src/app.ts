import { createHttpApp, type App } from '@ticketing/http';
import type { UsersDeps } from './deps.ts';
import { usersErrorStatus } from './errors.ts';
import { registerAccountRoutes } from './accounts/accounts.routes.ts';
import { registerOrganizationRoutes } from './organizations/organizations.routes.ts';
import { registerUserRoutes } from './users/users.routes.ts';

/** Builds the user service's HTTP app; never listens (server.ts does, tests inject or listen on port 0). */
export async function buildUsersApp(deps: UsersDeps): Promise<App> {
  const app = await createHttpApp({
    service: 'users',
    description: 'Registration, login with JWT, profiles, organizations, members and invitations',
    logger: deps.logger,
    bodyLimit: deps.config.http.bodyLimit,
    corsOrigins: deps.config.http.corsOrigins,
    errorStatus: usersErrorStatus,
    healthChecks: {
      postgres: { check: () => deps.db.ping(), required: true },
      redis: { check: () => deps.cache.ping(), required: false },
    },
    metrics: deps.metrics.registry,
  });
  const auth = { ...deps.config.jwt, revocations: deps.revocations };
  registerUserRoutes(app, { users: deps.usersService, auth });
  registerAccountRoutes(app, { accounts: deps.accountsService, auth });
  registerOrganizationRoutes(app, { organizations: deps.organizationsService, auth });
  return app;
}
