import { Gauge, type Registry } from 'prom-client';

/**
 * Metrics every process exposes the same way, whatever its service: the database pool's
 * saturation, the outbox's backlog and the consumers' lag. Each is read when Prometheus scrapes,
 * so nothing runs between scrapes; a read that fails (the database down) leaves the series out
 * of that scrape instead of failing /metrics.
 */

export interface PoolStatsSource {
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
}

export function registerPoolMetrics(registry: Registry, db: PoolStatsSource): void {
  if (!db.poolStats) return;
  const stats = () => db.poolStats!();
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by state (in_use, idle) and the pool maximum (max)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const s = stats();
      this.set({ state: 'in_use' }, s.total - s.idle);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'max' }, s.max);
    },
  });
  new Gauge({
    name: 'db_pool_waiting',
    help: 'Queries waiting for a pool connection (above 0: the pool is saturated)',
    registers: [registry],
    collect() {
      this.set(stats().waiting);
    },
  });
}

export interface OutboxBacklogSource {
  backlog(topics: readonly string[]): Promise<{ topic: string; rows: number; oldestAgeSeconds: number }[]>;
}

/** The backlog of the topics this service's relay publishes (rows of other topics are no relay's business here). */
export function registerOutboxMetrics(registry: Registry, outbox: OutboxBacklogSource, topics: readonly string[]): void {
  // One query per scrape feeds both gauges.
  type Backlog = Awaited<ReturnType<OutboxBacklogSource['backlog']>>;
  let pending: Promise<Backlog | undefined> | undefined;
  const read = () => {
    pending ??= outbox
      .backlog(topics)
      .catch(() => undefined)
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new Gauge({
    name: 'outbox_backlog',
    help: 'Outbox rows not yet published to Kafka, per topic',
    labelNames: ['topic'] as const,
    registers: [registry],
    async collect() {
      for (const b of (await read()) ?? []) this.set({ topic: b.topic }, b.rows);
    },
  });
  new Gauge({
    name: 'outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished outbox row per topic (0 when there is none)',
    labelNames: ['topic'] as const,
    registers: [registry],
    async collect() {
      for (const b of (await read()) ?? []) this.set({ topic: b.topic }, b.oldestAgeSeconds);
    },
  });
}

export interface LagSource {
  lag?(): Promise<{ topic: string; partition: number; lag: number }[]>;
}

/**
 * Lag of the consumer group's partitions this process owns (`sum by (group, topic)` gives the
 * group's). One group per registry: a process runs one worker pool per service.
 */
export function registerConsumerLagMetrics(registry: Registry, group: string, subscription: () => LagSource | undefined): void {
  new Gauge({
    name: 'kafka_consumer_lag',
    help: 'Messages not yet committed, per consumer group and partition owned by this process',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const lags = await subscription()
        ?.lag?.()
        .catch(() => []);
      for (const l of lags ?? []) this.set({ group, topic: l.topic, partition: String(l.partition) }, l.lag);
    },
  });
}
