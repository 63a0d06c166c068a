import { setTimeout as sleep } from 'node:timers/promises';
import { DEAD_LETTER_SUFFIX, type Subscription } from '@ticketing/bus';
import { TransientError } from '@ticketing/errors';
import type { BookingsDeps } from '../deps.ts';
import { bookingIdOf, processBooking, settleBooking } from './process-booking.ts';

export interface RunningWorker {
  /** Stops fetching, lets the bookings in flight finish and commits their offsets. */
  close(): Promise<void>;
}

const DEAD_LETTER_REASON = 'The booking could not be processed: a payment or seat service was unavailable';
const STUCK_REASON = 'The booking could not be processed in time';

/**
 * Creates the service's topics with the configured partition count. A topic auto-created at the
 * same moment (a relay publishing) makes creation fail; the next attempt then finds it.
 */
async function ensureTopics(deps: BookingsDeps, topics: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.bus.ensureTopics(topics, deps.config.kafka.partitions);
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(200 * attempt);
    }
  }
}

/**
 * Starts the worker pool: consumes `booking-requests` (group `kafka.workerGroup`) with bounded
 * concurrency through the MessageBus, which retries transient failures with backoff, dead-letters
 * to `<topic>.dlq`, and commits offsets in order once the handler has resolved, that is once the
 * outcome is stored. A dead-lettered booking is settled at once (failed, refunded if charged);
 * the reconciler (started too unless `reconciler.enabled` is false) settles bookings stuck in
 * processing whatever the reason.
 */
export async function startBookingsWorker(deps: BookingsDeps): Promise<RunningWorker> {
  const { config, bus, processing, metrics } = deps;
  const log = deps.logger.child({ component: 'worker' });
  const topic = config.kafka.topics.bookingRequests;
  await ensureTopics(deps, [topic, topic + DEAD_LETTER_SUFFIX, config.kafka.topics.notificationRequests]);

  const subscription: Subscription = await bus.consume({
    groupId: config.kafka.workerGroup,
    topics: [topic],
    concurrency: config.worker.concurrency,
    maxAttempts: config.worker.maxAttempts,
    retryBaseMs: config.worker.retryBaseMs,
    retryMaxMs: config.worker.retryMaxMs,
    async handler(message) {
      const bookingId = bookingIdOf(message.json());
      if (message.attempt > 1) metrics.messages.inc({ outcome: 'retried' });
      try {
        await processBooking(processing, bookingId, { requestId: message.messageId });
        metrics.messages.inc({ outcome: 'processed' });
      } catch (err) {
        log.warn(
          { booking_id: bookingId, attempt: message.attempt, err: (err as Error).message, transient: err instanceof TransientError },
          'booking attempt failed',
        );
        throw err;
      }
    },
    async onDeadLetter(message, error) {
      metrics.messages.inc({ outcome: 'dead_lettered' });
      let bookingId: string;
      try {
        bookingId = bookingIdOf(message.json());
      } catch {
        return;
      }
      // Never throws: a failure here is left to the reconciler, and the offset still commits.
      await settleBooking(processing, bookingId, DEAD_LETTER_REASON, { requestId: message.messageId }).then(
        (row) => log.warn({ booking_id: bookingId, status: row?.status, err: (error as Error)?.message }, 'dead-lettered booking settled'),
        (err: unknown) =>
          log.error(
            { booking_id: bookingId, err: (err as Error).message },
            'could not settle a dead-lettered booking; the reconciler will',
          ),
      );
    },
  });

  const reconciler = config.reconciler.enabled ? startReconciler(deps) : undefined;
  log.info({ topic, group: config.kafka.workerGroup, concurrency: config.worker.concurrency }, 'booking worker started');
  return {
    async close() {
      await reconciler?.close();
      await subscription.close();
    },
  };
}

/**
 * Every `reconciler.intervalMs`, settles bookings that have been processing without any change
 * for `reconciler.stuckAfterSeconds` (the message was lost, dead-lettered while the event service
 * was down, or never published). Several reconcilers can run: each claims its bookings.
 */
export function startReconciler(deps: BookingsDeps): RunningWorker {
  const { config, processing } = deps;
  const log = deps.logger.child({ component: 'reconciler' });
  const stop = new AbortController();

  async function runOnce(): Promise<void> {
    const stuck = await deps.bookingsRepository.claimStuck(config.reconciler.stuckAfterSeconds, 100);
    for (let i = 0; i < stuck.length; i += 10) {
      await Promise.all(
        stuck.slice(i, i + 10).map((b) =>
          settleBooking(processing, b.id, STUCK_REASON).then(
            (row) => log.warn({ booking_id: b.id, status: row?.status }, 'stuck booking settled'),
            (err: unknown) => log.warn({ booking_id: b.id, err: (err as Error).message }, 'stuck booking not settled yet'),
          ),
        ),
      );
    }
  }

  const loop = (async () => {
    while (!stop.signal.aborted) {
      await runOnce().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'reconciler pass failed'));
      await sleep(config.reconciler.intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })();

  return {
    async close() {
      stop.abort();
      await loop;
    },
  };
}
