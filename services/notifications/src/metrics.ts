import { Counter, Gauge, Registry } from 'prom-client';
import { registerConsumerLagMetrics, type LagSource } from '@ticketing/http';
import type { NotificationStats } from './notifications/stats.ts';

const COUNTERS = [
  'messages_processed',
  'emails_sent',
  'retries',
  'dead_lettered',
  'duplicates_skipped',
  'reminders_sent',
] as const satisfies readonly (keyof NotificationStats)[];

/** The notification service's own metrics (read from the worker's counters), on the registry its /metrics endpoint serves. */
export function createNotificationsMetrics(stats: NotificationStats, consumerGroup = 'notifications', registry = new Registry()) {
  /** The consumer's subscription, once it runs in this process (its lag is reported). */
  const consumer: { current?: LagSource } = {};
  registerConsumerLagMetrics(registry, consumerGroup, () => consumer.current);
  for (const name of COUNTERS) {
    new Counter({
      name: `notifications_${name}_total`,
      help: `Notification worker counter: ${name.replaceAll('_', ' ')}`,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(stats[name]);
      },
    });
  }
  new Gauge({
    name: 'notifications_consumer_running',
    help: '1 while this process consumes notification-requests',
    registers: [registry],
    collect() {
      this.set(stats.consumer === 'running' ? 1 : 0);
    },
  });
  return { registry, consumer };
}

export type NotificationsMetrics = ReturnType<typeof createNotificationsMetrics>;
