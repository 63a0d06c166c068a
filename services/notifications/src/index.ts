export { buildNotificationsApp } from './app.ts';
export { notificationsEnv, loadNotificationsConfig, type NotificationsConfig } from './config.ts';
export { createNotificationsDeps, NOTIFICATIONS_MIGRATIONS, type NotificationsAdapters, type NotificationsDeps } from './deps.ts';
export { startNotificationsWorker, type NotificationsWorker } from './notifications/notifications.worker.ts';
export {
  parseNotificationRequest,
  NOTIFICATION_TYPES,
  type NotificationType,
  type NotificationRequestValue,
} from './notifications/notification-message.ts';
export type { Clock, NotificationStats } from './notifications/stats.ts';
