import { DEAD_LETTER_SUFFIX, type MessageBus, type Subscription } from '@ticketing/bus';
import type { NotificationsDeps } from '../deps.ts';
import {
  createAccountEmailHandler,
  createDeadLetterHandler,
  createNotificationHandler,
  createWaitlistOfferHandler,
} from './notification-consumer.ts';
import { createReminderScheduler, type ReminderScheduler } from './reminders.scheduler.ts';
import { createWebhookHandler, webhookTopicList, type WebhookTopics } from '../webhooks/webhook-consumer.ts';

export interface NotificationsWorker {
  /** The reminder scheduler of this worker (undefined when reminders are disabled). */
  reminders: ReminderScheduler | undefined;
  /** Stops consuming, waits for the messages in flight (their offsets are committed), then stops the scheduler. */
  close(): Promise<void>;
}

/** What the worker (consumer and reminder scheduler) uses: no more. */
export type NotificationsWorkerDeps = Pick<
  NotificationsDeps,
  | 'config'
  | 'logger'
  | 'stats'
  | 'db'
  | 'clock'
  | 'delivery'
  | 'deliveriesRepository'
  | 'remindersRepository'
  | 'deadLettersRepository'
  | 'directory'
  | 'webhookIntake'
  | 'webhookDispatcher'
> & { bus: Pick<MessageBus, 'consume' | 'ensureTopics'>; metrics?: Pick<NotificationsDeps['metrics'], 'consumer'> };

/** Starts consuming `notification-requests` and, when enabled, the reminder scheduler. */
export async function startNotificationsWorker(deps: NotificationsWorkerDeps): Promise<NotificationsWorker> {
  const { config, logger, stats } = deps;
  const topic = config.kafka.topics.notificationRequests;
  const accountTopic = config.kafka.topics.accountEmails;
  const waitlistTopic = config.kafka.topics.waitlistOffers;
  const { eventChanges, eventCancellations, bookingCancellations, ticketCheckIns } = config.kafka.topics;
  const webhookSources: WebhookTopics = {
    notificationRequests: topic,
    eventChanges,
    eventCancellations,
    bookingCancellations,
    ticketCheckIns,
  };
  // notification-requests is ensured with the emails' topics.
  const webhookTopics = config.webhooks.enabled ? webhookTopicList(webhookSources).filter((t) => t !== topic) : [];
  await deps.bus.ensureTopics([topic, accountTopic, waitlistTopic, ...webhookTopics].flatMap((t) => [t, t + DEAD_LETTER_SUFFIX]));

  const consumerOptions = {
    delivery: deps.delivery,
    deliveries: deps.deliveriesRepository,
    deadLetters: deps.deadLettersRepository,
    stats,
    logger,
    accountEmailsTopic: accountTopic,
    waitlistOffersTopic: waitlistTopic,
    // A copy of a message whose email another worker is sending waits for it (its lease at most).
    waitForOtherSenderMs: config.consumer.sendLeaseMs + config.consumer.lockWaitMs,
  };
  const handleNotification = createNotificationHandler(consumerOptions);
  const handleAccountEmail = createAccountEmailHandler(consumerOptions);
  const handleWaitlistOffer = createWaitlistOfferHandler(consumerOptions);
  const subscription: Subscription = await deps.bus.consume({
    groupId: config.consumer.groupId,
    topics: [topic, accountTopic, waitlistTopic],
    concurrency: config.consumer.concurrency,
    maxAttempts: config.consumer.maxAttempts,
    retryBaseMs: config.consumer.retryBaseMs,
    retryMaxMs: config.consumer.retryMaxMs,
    handler: (message) =>
      message.topic === accountTopic
        ? handleAccountEmail(message)
        : message.topic === waitlistTopic
          ? handleWaitlistOffer(message)
          : handleNotification(message),
    onDeadLetter: createDeadLetterHandler(consumerOptions),
  });

  if (deps.metrics) deps.metrics.consumer.current = subscription;
  // Webhooks read the same booking outcomes in a group of their own (and the event topics), and
  // only record deliveries; the dispatcher sends them from the table, never blocking a partition.
  const webhookSubscription = config.webhooks.enabled
    ? await deps.bus.consume({
        groupId: config.webhooks.groupId,
        topics: webhookTopicList(webhookSources),
        concurrency: config.consumer.concurrency,
        maxAttempts: config.consumer.maxAttempts,
        retryBaseMs: config.consumer.retryBaseMs,
        retryMaxMs: config.consumer.retryMaxMs,
        handler: createWebhookHandler({
          topics: webhookSources,
          directory: deps.directory,
          intake: deps.webhookIntake,
          logger,
        }),
      })
    : undefined;
  if (config.webhooks.enabled) deps.webhookDispatcher.start();
  const reminders = config.reminders.enabled
    ? createReminderScheduler({
        db: deps.db,
        reminders: deps.remindersRepository,
        delivery: deps.delivery,
        deadLetters: deps.deadLettersRepository,
        clock: deps.clock,
        stats,
        logger,
        pollIntervalMs: config.reminders.pollIntervalMs,
        concurrency: config.reminders.concurrency,
        maxAttempts: config.reminders.maxAttempts,
        retryBaseMs: config.reminders.retryBaseMs,
        retryMaxMs: config.reminders.retryMaxMs,
        leaseMs: config.consumer.sendLeaseMs,
      })
    : undefined;
  reminders?.start();
  stats.consumer = 'running';
  logger.info(
    { topics: [topic, accountTopic, waitlistTopic], group_id: config.consumer.groupId, reminders: Boolean(reminders) },
    'notification worker started',
  );

  let closing: Promise<void> | undefined;
  return {
    reminders,
    close() {
      closing ??= (async () => {
        await subscription.close();
        await webhookSubscription?.close();
        await deps.webhookDispatcher.stop();
        await reminders?.stop();
        stats.consumer = 'stopped';
        logger.info({ ...stats }, 'notification worker stopped');
      })();
      return closing;
    },
  };
}
