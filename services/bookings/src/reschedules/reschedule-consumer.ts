import type { MessageBus, OutboxSignal, Subscription } from '@ticketing/bus';
import { eventChanges } from '@ticketing/contracts';
import type { Logger } from '@ticketing/http';
import type { BookingsConfig } from '../config.ts';
import type { ReschedulesRepository } from './reschedules.repository.ts';

export interface RescheduleConsumerDeps {
  config: Pick<BookingsConfig, 'kafka' | 'worker'>;
  bus: Pick<MessageBus, 'consume'>;
  logger: Logger;
  reschedules: ReschedulesRepository;
  signal: OutboxSignal;
}

/**
 * Consumes `event-changes` (group `kafka.rescheduleGroup`) in the bookings worker: an
 * `event.rescheduled` change moves the event's bookings to the new start time and emails every
 * confirmed buyer once (one statement, see reschedules.repository.ts); other changes are not
 * this service's business. A change redelivered after a crash writes nothing twice.
 */
export async function startRescheduleConsumer(deps: RescheduleConsumerDeps): Promise<Subscription> {
  const log = deps.logger.child({ component: 'event-reschedules' });
  return deps.bus.consume({
    groupId: deps.config.kafka.rescheduleGroup,
    topics: [deps.config.kafka.topics.eventChanges],
    concurrency: 4,
    maxAttempts: deps.config.worker.maxAttempts,
    retryBaseMs: deps.config.worker.retryBaseMs,
    retryMaxMs: deps.config.worker.retryMaxMs,
    async handler(message) {
      const change = eventChanges.decode(message);
      if (change.type !== 'event.rescheduled') return;
      const emails = await deps.reschedules.reschedule({
        eventId: change.event_id,
        changeId: message.messageId,
        eventDate: new Date(change.event_date),
        previousEventDate: change.previous_event_date === null ? null : new Date(change.previous_event_date),
        topic: deps.config.kafka.topics.notificationRequests,
      });
      if (emails > 0) deps.signal.notify();
      log.info({ event_id: change.event_id, emails }, 'event rescheduled: buyers emailed');
    },
  });
}
