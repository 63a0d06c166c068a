import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { UsersService } from './users.service.ts';
import { getProfileSchema, loginSchema, refreshTokenSchema, registerSchema, updateProfileSchema } from './users.schemas.ts';

export function registerUserRoutes(app: App, deps: { users: UsersService; auth: AuthOptions }): void {
  const { users } = deps;
  const authenticated = requireUser(deps.auth);

  app.post('/api/users/register', { schema: registerSchema }, async (request, reply) => {
    const user = await users.register(request.body);
    return reply.status(201).send(user);
  });

  app.post('/api/users/login', { schema: loginSchema }, async (request) => users.login(request.body, request.ip));

  app.post('/api/users/token', { schema: refreshTokenSchema, preHandler: authenticated }, async (request) =>
    users.refreshToken(currentUser(request).user_id),
  );

  app.get('/api/users/profile', { schema: getProfileSchema, preHandler: authenticated }, async (request) =>
    users.getProfile(currentUser(request).user_id),
  );

  app.put('/api/users/profile', { schema: updateProfileSchema, preHandler: authenticated }, async (request) =>
    users.updateProfile(currentUser(request).user_id, request.body),
  );
}
