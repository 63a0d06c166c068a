import { Counter, Gauge } from 'prom-client';
import { createHttpApp, type App } from '@ticketing/http';
import type { NotificationsDeps } from './deps.ts';
import { notificationsErrorStatus } from './errors.ts';
import { registerNotificationRoutes } from './notifications/notifications.routes.ts';
import type { NotificationStats } from './notifications/stats.ts';

const COUNTERS = [
  'messages_processed',
  'emails_sent',
  'retries',
  'dead_lettered',
  'duplicates_skipped',
  'reminders_sent',
] as const satisfies readonly (keyof NotificationStats)[];

/** Builds the notification service's HTTP app; never listens (server.ts does, tests listen on port 0). */
export async function buildNotificationsApp(deps: NotificationsDeps): Promise<App> {
  const { stats } = deps;
  const app = await createHttpApp({
    service: 'notifications',
    description: 'Booking emails (confirmed, failed, reminders) from Kafka, and the caller’s notification history',
    logger: deps.logger,
    bodyLimit: deps.config.http.bodyLimit,
    corsOrigins: deps.config.http.corsOrigins,
    errorStatus: notificationsErrorStatus,
    healthChecks: {
      postgres: { check: () => deps.db.ping(), required: true },
      kafka: { check: () => deps.bus.ping(), required: false },
    },
    healthExtras: () => ({ ...stats }),
  });

  for (const name of COUNTERS) {
    new Counter({
      name: `notifications_${name}_total`,
      help: `Notification worker counter: ${name.replaceAll('_', ' ')}`,
      registers: [app.metricsRegistry],
      collect() {
        this.reset();
        this.inc(stats[name]);
      },
    });
  }
  new Gauge({
    name: 'notifications_consumer_running',
    help: '1 while this process consumes notification-requests',
    registers: [app.metricsRegistry],
    collect() {
      this.set(stats.consumer === 'running' ? 1 : 0);
    },
  });

  registerNotificationRoutes(app, { notifications: deps.notifications, auth: deps.config.jwt });
  return app;
}
