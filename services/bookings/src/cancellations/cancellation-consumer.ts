import type { MessageBus, Subscription } from '@ticketing/bus';
import { eventCancellations } from '@ticketing/contracts';
import type { Logger } from '@ticketing/http';
import type { BookingsConfig } from '../config.ts';
import { cancelEventBookings, type CancelEventBookingsDeps } from './cancel-event-bookings.ts';

export interface CancellationConsumerDeps {
  config: Pick<BookingsConfig, 'kafka' | 'worker'>;
  bus: Pick<MessageBus, 'consume'>;
  logger: Logger;
  cancellation: CancelEventBookingsDeps;
}

/**
 * Consumes `event-cancellations` (group `kafka.cancellationGroup`) in the bookings worker. One
 * event at a time per partition; the offset is committed once every booking of the event is
 * refunded, so a worker killed midway leaves the message to the next one, which resumes
 * (each booking's refund and cancellation are idempotent). A message that keeps failing is
 * dead-lettered to `event-cancellations.dlq` (visible, and replayable once the cause is fixed).
 */
export async function startCancellationConsumer(deps: CancellationConsumerDeps): Promise<Subscription> {
  const log = deps.logger.child({ component: 'event-cancellations' });
  return deps.bus.consume({
    groupId: deps.config.kafka.cancellationGroup,
    topics: [deps.config.kafka.topics.eventCancellations],
    concurrency: 2,
    maxAttempts: deps.config.worker.maxAttempts,
    retryBaseMs: deps.config.worker.retryBaseMs,
    retryMaxMs: deps.config.worker.retryMaxMs,
    async handler(message) {
      const m = eventCancellations.decode(message);
      try {
        await cancelEventBookings(deps.cancellation, m);
      } catch (err) {
        log.warn({ event_id: m.event_id, attempt: message.attempt, err }, 'event cancellation attempt failed; it resumes');
        throw err;
      }
    },
  });
}
