import { Counter, Gauge, Registry } from 'prom-client';

/** The booking service's own metrics, on the registry its /metrics endpoint serves. */
export function createBookingsMetrics(openStreams: () => number, registry = new Registry()) {
  return {
    registry,
    submitted: new Counter({ name: 'bookings_submitted_total', help: 'Bookings accepted (new, not retries)', registers: [registry] }),
    finished: new Counter({
      name: 'bookings_finished_total',
      help: 'Bookings that reached a final status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    messages: new Counter({
      name: 'booking_messages_total',
      help: 'booking-requests messages handled by this process, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    openStreams: new Gauge({
      name: 'booking_streams_open',
      help: 'Open SSE streams in this process',
      registers: [registry],
      collect() {
        this.set(openStreams());
      },
    }),
  };
}

export type BookingsMetrics = ReturnType<typeof createBookingsMetrics>;
