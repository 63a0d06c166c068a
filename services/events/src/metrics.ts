import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The event service's own metrics, on the registry its /metrics endpoint serves. */
export function createEventsMetrics(openStreams: () => number = () => 0, registry = new Registry()) {
  return {
    registry,
    openStreams: new Gauge({
      name: 'seat_streams_open',
      help: 'Open seat-map SSE streams in this process',
      registers: [registry],
      collect() {
        this.set(openStreams());
      },
    }),
    holdOutcomes: new Counter({
      name: 'seat_hold_outcomes_total',
      help: 'Hold requests that reached the database, by outcome (held, unavailable, limit_reached, ...)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    batchSizes: new Histogram({
      name: 'seat_hold_batch_size',
      help: 'Hold requests decided together in one transaction (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'seat_hold_batch_seconds',
      help: 'Time to decide one batch of hold requests (group commit), commit included',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    batchFallbacks: new Counter({
      name: 'seat_hold_batch_fallbacks_total',
      help: 'Batches that failed as a whole and were decided request by request',
      registers: [registry],
    }),
  };
}

export type EventsMetrics = ReturnType<typeof createEventsMetrics>;
