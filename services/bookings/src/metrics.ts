import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerConsumerLagMetrics, type LagSource } from '@ticketing/http';
import type { PaymentGateway } from './payments/payment-gateway.ts';

/** The booking service's own metrics, on the registry its /metrics endpoint serves. */
export function createBookingsMetrics(openStreams: () => number, workerGroup = 'booking-workers', registry = new Registry()) {
  /** The worker pool's subscription, once it runs in this process (its lag is reported). */
  const consumer: { current?: LagSource } = {};
  registerConsumerLagMetrics(registry, workerGroup, () => consumer.current);
  return {
    registry,
    consumer,
    payments: new Histogram({
      name: 'payment_duration_seconds',
      help: 'Calls to the payment gateway by operation (charge, refund) and outcome (ok, error)',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30],
      registers: [registry],
    }),
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

/** The gateway with every charge and refund timed into `payment_duration_seconds`. */
export function timePayments(gateway: PaymentGateway, metrics: Pick<BookingsMetrics, 'payments'>): PaymentGateway {
  const timed =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const end = metrics.payments.startTimer({ operation });
      try {
        const result = await call(...args);
        end({ outcome: 'ok' });
        return result;
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
    };
  const charge = timed('charge', gateway.charge.bind(gateway));
  const refund = timed('refund', gateway.refund.bind(gateway));
  // A Proxy keeps whatever else an adapter offers (a class's methods included).
  return new Proxy(gateway, {
    get(target, property, receiver) {
      if (property === 'charge') return charge;
      if (property === 'refund') return refund;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}
