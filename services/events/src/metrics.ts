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
    transitionBatchSizes: new Histogram({
      name: 'hold_transition_batch_size',
      help: "Bookings' hold locks (or confirms) decided together in one statement (group commit)",
      labelNames: ['kind'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    transitionBatchSeconds: new Histogram({
      name: 'hold_transition_batch_seconds',
      help: 'Time to decide one batch of hold locks (or confirms), commit included',
      labelNames: ['kind'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
  };
}

export type EventsMetrics = ReturnType<typeof createEventsMetrics>;

/** How many hold requests the group commit has taken and not answered yet (read at scrape time). */
export function registerHoldBatcherMetrics(registry: Registry, pending: () => number): void {
  new Gauge({
    name: 'seat_hold_requests_pending',
    help: 'Hold requests waiting for a batch or being decided in one (group commit)',
    registers: [registry],
    collect() {
      this.set(pending());
    },
  });
}

export interface WaitingQueue {
  eventId: string;
  waiting: number;
  admittedLastMinute: number;
  ratePerMinute: number | undefined;
}

/** The waiting rooms now admitting: buyers waiting and admitted in the last minute, per event (read at scrape time). */
export function registerWaitingRoomMetrics(registry: Registry, queues: () => Promise<WaitingQueue[]>): void {
  // One read per scrape feeds both gauges.
  let pending: Promise<WaitingQueue[]> | undefined;
  const read = () => {
    pending ??= queues()
      .catch(() => [])
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new Gauge({
    name: 'waiting_room_waiting',
    help: 'Buyers waiting in the queue of each event whose waiting room is admitting',
    labelNames: ['event_id'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of await read()) this.set({ event_id: q.eventId }, q.waiting);
    },
  });
  new Gauge({
    name: 'waiting_room_admitted_last_minute',
    help: 'Buyers admitted from each event’s queue in the last minute',
    labelNames: ['event_id'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of await read()) this.set({ event_id: q.eventId }, q.admittedLastMinute);
    },
  });
  new Gauge({
    name: 'waiting_room_admit_rate_per_minute',
    help: 'The rate each event’s waiting room admits at now (adaptive rooms: below the organizer’s ceiling while the platform is slow)',
    labelNames: ['event_id'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const q of await read()) if (q.ratePerMinute !== undefined) this.set({ event_id: q.eventId }, q.ratePerMinute);
    },
  });
}
