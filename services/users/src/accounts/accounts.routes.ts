import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { AccountsService } from './accounts.service.ts';
import {
  changePasswordSchema,
  forgotPasswordSchema,
  logoutSchema,
  requestVerificationSchema,
  resetPasswordSchema,
  verifyEmailSchema,
} from './accounts.schemas.ts';

export function registerAccountRoutes(app: App, deps: { accounts: AccountsService; auth: AuthOptions }): void {
  const { accounts } = deps;
  const authenticated = requireUser(deps.auth);

  app.post('/api/users/verify-email/request', { schema: requestVerificationSchema }, async (request, reply) =>
    reply.status(202).send(await accounts.requestVerification(request.body.email, request.ip)),
  );

  app.post('/api/users/verify-email', { schema: verifyEmailSchema }, async (request) => accounts.verifyEmail(request.body.token));

  app.post('/api/users/password/forgot', { schema: forgotPasswordSchema }, async (request, reply) =>
    reply.status(202).send(await accounts.forgotPassword(request.body.email, request.ip)),
  );

  app.post('/api/users/password/reset', { schema: resetPasswordSchema }, async (request) => accounts.resetPassword(request.body));

  app.post('/api/users/password', { schema: changePasswordSchema, preHandler: authenticated }, async (request) =>
    accounts.changePassword(currentUser(request).user_id, request.body),
  );

  app.post('/api/users/logout', { schema: logoutSchema, preHandler: authenticated }, async (request) =>
    accounts.logout(currentUser(request)),
  );
}
