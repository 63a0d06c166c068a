import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { NotificationsService } from './notifications.service.ts';
import { listNotificationsSchema } from './notifications.schemas.ts';

export function registerNotificationRoutes(app: App, deps: { notifications: NotificationsService; auth: AuthOptions }): void {
  const authenticated = requireUser(deps.auth);

  app.get('/api/notifications', { schema: listNotificationsSchema, preHandler: authenticated }, async (request) =>
    deps.notifications.listForRecipient(currentUser(request).email, request.query),
  );
}
