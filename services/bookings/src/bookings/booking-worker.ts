import { setTimeout as sleep } from 'node:timers/promises';
import { DEAD_LETTER_SUFFIX, untilDone, type MessageBus, type OutboxSignal, type Subscription } from '@ticketing/bus';
import { bookingRequests } from '@ticketing/contracts';
import { TransientError } from '@ticketing/errors';
import type { Logger } from '@ticketing/http';
import { createPeriodicTask } from '@ticketing/tasks';
import type { CancelEventBookingsDeps } from '../cancellations/cancel-event-bookings.ts';
import { startCancellationConsumer } from '../cancellations/cancellation-consumer.ts';
import { startRescheduleConsumer } from '../reschedules/reschedule-consumer.ts';
import type { ReschedulesRepository } from '../reschedules/reschedules.repository.ts';
import type { BookingsConfig } from '../config.ts';
import type { BookingsMetrics } from '../metrics.ts';
import type { BookingsRepository } from './bookings.repository.ts';
import type { RefundsService } from '../refunds/refunds.service.ts';
import { bookingIdOf, processBooking, settleBooking, type ProcessBookingDeps } from './process-booking.ts';

export interface RunningWorker {
  /** Stops fetching, lets the bookings in flight finish and commits their offsets. */
  close(): Promise<void>;
}

/** What the worker pool (and the reconciler it starts) uses: no more. */
export interface BookingsWorkerDeps extends ReconcilerDeps {
  config: Pick<BookingsConfig, 'kafka' | 'worker' | 'reconciler'>;
  cancellation: CancelEventBookingsDeps;
  /** Emails the buyers of rescheduled events (the `event-changes` consumer). */
  reschedules: ReschedulesRepository;
  outboxSignal: OutboxSignal;
  bus: Pick<MessageBus, 'consume' | 'ensureTopics'>;
  metrics: Pick<BookingsMetrics, 'messages' | 'consumer'>;
}

const DEAD_LETTER_REASON = 'The booking could not be processed: a payment or seat service was unavailable';
const STUCK_REASON = 'The booking could not be processed in time';

/**
 * Creates the service's topics with the configured partition count. A topic auto-created at the
 * same moment (a relay publishing) makes creation fail; the next attempt then finds it.
 */
async function ensureTopics(deps: BookingsWorkerDeps, topics: string[]): Promise<void> {
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
export async function startBookingsWorker(deps: BookingsWorkerDeps): Promise<RunningWorker> {
  const { config, bus, processing, metrics } = deps;
  const log = deps.logger.child({ component: 'worker' });
  const topic = config.kafka.topics.bookingRequests;
  const cancellations = config.kafka.topics.eventCancellations;
  await ensureTopics(deps, [
    topic,
    topic + DEAD_LETTER_SUFFIX,
    config.kafka.topics.notificationRequests,
    config.kafka.topics.ticketCheckIns,
    config.kafka.topics.bookingCancellations,
    cancellations,
    cancellations + DEAD_LETTER_SUFFIX,
    config.kafka.topics.eventChanges,
    config.kafka.topics.eventChanges + DEAD_LETTER_SUFFIX,
  ]);

  const subscription: Subscription = await bus.consume({
    groupId: config.kafka.workerGroup,
    topics: [topic],
    concurrency: config.worker.concurrency,
    maxAttempts: config.worker.maxAttempts,
    retryBaseMs: config.worker.retryBaseMs,
    retryMaxMs: config.worker.retryMaxMs,
    async handler(message) {
      // A message off the contract can never succeed: decode throws an UnrecoverableError (dead letter).
      const bookingId = bookingRequests.decode(message).booking_id.toLowerCase();
      if (message.attempt > 1) metrics.messages.inc({ outcome: 'retried' });
      try {
        await processBooking(processing, bookingId, { requestId: message.messageId, stopping: message.stopping });
        metrics.messages.inc({ outcome: 'processed' });
      } catch (err) {
        if (message.stopping?.aborted) log.info({ booking_id: bookingId }, 'booking left to its next delivery: the worker is stopping');
        else {
          log.warn(
            { booking_id: bookingId, attempt: message.attempt, err, transient: err instanceof TransientError },
            'booking attempt failed',
          );
        }
        throw err;
      }
    },
    async onDeadLetter(message, error) {
      metrics.messages.inc({ outcome: 'dead_lettered' });
      let bookingId: string;
      try {
        // Even a message off the contract is settled when it names its booking.
        bookingId = bookingIdOf(message.json());
      } catch {
        return;
      }
      // A failure throws, and the bus calls this hook again with backoff (capped) until it
      // succeeds; the offset stays uncommitted meanwhile, so a worker stopping here leaves the
      // message to be redelivered. Never handed to the reconciler's later, slower look.
      try {
        const row = await settleBooking(processing, bookingId, DEAD_LETTER_REASON, { requestId: message.messageId });
        log.warn({ booking_id: bookingId, status: row?.status, err: error }, 'dead-lettered booking settled');
      } catch (err) {
        log.warn({ booking_id: bookingId, err }, 'could not settle a dead-lettered booking yet; retrying');
        throw err;
      }
    },
  });

  metrics.consumer.current = subscription;
  const cancellationSubscription = await startCancellationConsumer({ config, bus, logger: deps.logger, cancellation: deps.cancellation });
  const rescheduleSubscription = await startRescheduleConsumer({
    config,
    bus,
    logger: deps.logger,
    reschedules: deps.reschedules,
    signal: deps.outboxSignal,
  });
  const reconciler = config.reconciler.enabled ? startReconciler(deps) : undefined;
  log.info({ topic, group: config.kafka.workerGroup, concurrency: config.worker.concurrency }, 'booking worker started');
  return {
    async close() {
      await reconciler?.close();
      await Promise.all([subscription.close(), cancellationSubscription.close(), rescheduleSubscription.close()]);
    },
  };
}

/**
 * How long a worker's drain may take before the process gives up and exits 1 (onShutdown's
 * timeout; the pod's terminationGracePeriodSeconds must be longer). A drain waits only for the
 * bookings whose payment has started (processBooking leaves the others to the next consumer):
 * one gateway call at its worst (the simulated latency, or Stripe's timeout times its tries),
 * a refund after it when the seats are gone, the event service's confirmation (three tries of
 * its timeout), and a few seconds to commit offsets and leave the group.
 */
export function drainTimeoutMs(config: Pick<BookingsConfig, 'payments' | 'events'> & { worker?: { drainTimeoutMs?: number } }): number {
  if (config.worker?.drainTimeoutMs !== undefined) return config.worker.drainTimeoutMs;
  const { payments } = config;
  const gatewayCallMs =
    payments.provider === 'stripe' ? payments.stripe.timeoutMs * (payments.stripe.maxNetworkRetries + 1) : payments.latencyMs;
  return Math.max(15_000, 2 * gatewayCallMs + 3 * config.events.timeoutMs + 5_000);
}

/**
 * The bookings API's shutdown timeout: its HTTP drain (keep-alive + 1 s at most) first, then,
 * when the worker pool runs in the process (WORKER_ENABLED), the pool's drain; undefined: the
 * default of onShutdown.
 */
export function serverShutdownTimeoutMs(
  config: Pick<BookingsConfig, 'payments' | 'events'> & { worker: { enabled: boolean; drainTimeoutMs?: number } },
): number | undefined {
  return config.worker.enabled ? 10_000 + drainTimeoutMs(config) : undefined;
}

export interface ReconcilerDeps {
  config: Pick<BookingsConfig, 'reconciler'>;
  logger: Logger;
  bookingsRepository: Pick<BookingsRepository, 'claimStuck'>;
  processing: ProcessBookingDeps;
  /** Finishes cancellations whose request died after deciding them (docs/refunds.md). */
  refundsService?: Pick<RefundsService, 'resume'>;
}

/**
 * Every `reconciler.intervalMs`, claims bookings that have been processing without any change
 * for `reconciler.stuckAfterSeconds` (the message was lost or never published, or the worker
 * settling it died) and settles them. A settlement that fails (a dependency is down) is retried
 * in the background with backoff capped at `reconciler.retryMaxMs`, not left for another
 * `stuckAfterSeconds`. Several reconcilers can run: each claims its bookings.
 */
export function startReconciler(deps: ReconcilerDeps): RunningWorker {
  const { processing } = deps;
  const settings = deps.config.reconciler;
  const log = deps.logger.child({ component: 'reconciler' });
  let stopping = false;
  const stopped = new AbortController();
  const settling = new Map<string, Promise<void>>();
  const MAX_SETTLING = 100;

  function settle(id: string): void {
    if (settling.has(id)) return;
    let failures = 0;
    const task = untilDone(
      async () => {
        try {
          const row = await settleBooking(processing, id, STUCK_REASON);
          log.warn({ booking_id: id, status: row?.status, error_message: row?.error_message }, 'stuck booking settled');
        } catch (err) {
          if (++failures === 1 || failures % 20 === 0) {
            log.warn({ booking_id: id, err, failures }, 'stuck booking not settled yet; retrying');
          }
          throw err;
        }
      },
      () => stopping,
      settings.retryBaseMs,
      settings.retryMaxMs,
      stopped.signal,
    )
      .catch(() => undefined)
      .finally(() => settling.delete(id));
    settling.set(id, task);
  }

  async function claimAndSettle(): Promise<void> {
    const room = MAX_SETTLING - settling.size;
    if (room <= 0) return;
    const stuck = await deps.bookingsRepository.claimStuck(settings.stuckAfterSeconds, room);
    for (const b of stuck) settle(b.id);
  }

  const task = createPeriodicTask({
    intervalMs: settings.intervalMs,
    async run() {
      await claimAndSettle();
      const resumed = await deps.refundsService?.resume(settings.unfinishedCancellationAfterSeconds);
      if (resumed) log.warn({ resumed }, 'unfinished cancellations finished');
    },
    onError: (err) => log.warn({ err }, 'reconciler pass failed'),
  });
  task.start();

  return {
    async close() {
      stopping = true;
      stopped.abort();
      await task.stop();
      await Promise.allSettled([...settling.values()]);
    },
  };
}
