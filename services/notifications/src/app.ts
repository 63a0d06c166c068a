import { createHttpApp, type App } from '@ticketing/http';
import type { NotificationsDeps } from './deps.ts';
import { notificationsErrorStatus } from './errors.ts';
import { registerNotificationRoutes } from './notifications/notifications.routes.ts';
import { registerWebhookRoutes } from './webhooks/webhooks.routes.ts';

/** Builds the notification service's HTTP app; never listens (server.ts does, tests listen on port 0). */
export async function buildNotificationsApp(deps: NotificationsDeps): Promise<App> {
  const { stats } = deps;
  const app = await createHttpApp({
    service: 'notifications',
    description:
      'Booking emails (confirmed, failed, reminders) from Kafka, the caller’s notification history, and organizers’ outgoing webhooks',
    logger: deps.logger,
    bodyLimit: deps.config.http.bodyLimit,
    corsOrigins: deps.config.http.corsOrigins,
    errorStatus: notificationsErrorStatus,
    healthChecks: {
      postgres: { check: () => deps.db.ping(), required: true },
      kafka: { check: () => deps.bus.ping(), required: false },
      redis: { check: () => deps.cache.ping(), required: false },
    },
    healthExtras: () => ({ ...stats }),
    metrics: deps.metrics.registry,
  });

  const auth = { ...deps.config.jwt, revocations: deps.revocations };
  registerNotificationRoutes(app, { notifications: deps.notificationsService, auth });
  registerWebhookRoutes(app, { webhooks: deps.webhooksService, auth });
  return app;
}
