import { createOutboxRelay, type OutboxRelay } from '@ticketing/bus';
import type { BookingsDeps } from '../deps.ts';

/**
 * Starts the outbox relay of this process for the topics the service publishes. Safe to run in every
 * process (API and workers): relays lock disjoint batches.
 */
export function startOutboxRelay(deps: BookingsDeps): OutboxRelay {
  const { config } = deps;
  const relay = createOutboxRelay({
    db: deps.db,
    publisher: deps.bus.publisher(),
    signal: deps.outboxSignal,
    logger: deps.logger.child({ component: 'outbox-relay' }),
    topics: [
      config.kafka.topics.bookingRequests,
      config.kafka.topics.notificationRequests,
      config.kafka.topics.ticketCheckIns,
      config.kafka.topics.bookingCancellations,
    ],
    intervalMs: config.outbox.intervalMs,
    batchSize: config.outbox.batchSize,
    maxBackoffMs: config.outbox.maxBackoffMs,
    retentionSeconds: config.outbox.retentionSeconds,
  });
  relay.start();
  return relay;
}
