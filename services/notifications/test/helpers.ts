import { randomUUID } from 'node:crypto';
import type { DeepPartial } from '@ticketing/config';
import { createKafkaBus, type IncomingMessage, type MessageBus } from '@ticketing/bus';
import { startTestSmtpServer, type TestSmtpServer, type TestSmtpServerOptions } from '@ticketing/mail/testing';
import { apiClient, listen, testInfra, uniqueEmail, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import {
  buildNotificationsApp,
  createNotificationsDeps,
  loadNotificationsConfig,
  startNotificationsWorker,
  type Clock,
  type NotificationsConfig,
  type NotificationsDeps,
  type NotificationsWorker,
  type NotificationType,
} from '../src/index.ts';

/** Deep-merges config overrides (objects merge, anything else replaces). */
function merge<T extends object>(base: T, over: object): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? merge(b, v) : v;
  }
  return out as T;
}

/** A clock the test moves by hand. */
export function manualClock(start = new Date()): Clock & { set(d: Date): void; advance(ms: number): void } {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set: (d) => void (now = d.getTime()),
    advance: (ms) => void (now += ms),
  };
}

export interface StartOptions {
  smtp: TestSmtpServer;
  overrides?: DeepPartial<NotificationsConfig>;
  clock?: Clock;
  /** Reuse a topic and group (restart tests); unique ones are made otherwise. */
  topic?: string;
  groupId?: string;
}

/**
 * Starts the notification service as production runs it: HTTP API on a real port, the Kafka
 * consumer and (when enabled) the reminder scheduler, against the real PostgreSQL and Kafka, and
 * sending over SMTP to the given test server. Each call uses its own topic and consumer group.
 */
export async function startNotifications(opts: StartOptions) {
  const topic = opts.topic ?? uniqueTopicPrefix('notification-requests');
  const groupId = opts.groupId ?? uniqueId('notification-service');
  const config = loadNotificationsConfig(
    merge<DeepPartial<NotificationsConfig>>(
      {
        log: { level: 'silent' },
        database: { url: testInfra.databaseUrl },
        kafka: { brokers: testInfra.kafkaBrokers, topics: { notificationRequests: topic, accountEmails: `${topic}.account-emails` } },
        consumer: { groupId, concurrency: 4, maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 200, lockWaitMs: 5000 },
        smtp: { host: opts.smtp.host, port: opts.smtp.port, connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 5000 },
        // Only the reminder tests run schedulers, so no other test file's scheduler sends their reminders.
        reminders: { enabled: false },
        // Only the webhook tests (test/webhooks*.ts) run the webhook consumer: with it on, every test
        // file's worker would join one consumer group (webhook-dispatch) and read the default topics.
        webhooks: { enabled: false },
      },
      opts.overrides ?? {},
    ),
    {},
  );
  const deps = await createNotificationsDeps(config, opts.clock ? { clock: opts.clock } : {});
  const app = await buildNotificationsApp(deps);
  const baseUrl = await listen(app);
  let worker: NotificationsWorker | undefined = await startNotificationsWorker(deps);
  return {
    config,
    deps,
    topic,
    groupId,
    baseUrl,
    api: apiClient(baseUrl),
    get worker() {
      return worker;
    },
    /** Stops the worker only (consumer + scheduler), as a SIGTERM would. */
    async stopWorker() {
      await worker?.close();
      worker = undefined;
    },
    async close() {
      await app.close();
      await worker?.close();
      await deps.close();
    },
  };
}

export type NotificationsHarness = Awaited<ReturnType<typeof startNotifications>>;

/** A producer for the tests (what the booking workers publish). */
export function createTestProducer(): MessageBus {
  return createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('notifications-test') });
}

export interface BookingData {
  booking_id: string;
  event_name: string;
  venue: string;
  event_date: string;
  seats: string[];
  total_amount: number | string;
  user_name: string;
  reason?: string;
  payment_status?: string;
  currency?: string;
}

export interface RequestValue {
  type: NotificationType;
  recipient_email: string;
  booking_data: BookingData;
  timestamp: string;
}

export function notificationRequest(
  type: NotificationType,
  data: Partial<BookingData> = {},
  recipient = uniqueEmail('buyer'),
): RequestValue {
  return {
    type,
    recipient_email: recipient,
    booking_data: {
      booking_id: randomUUID(),
      event_name: 'Rock Night',
      venue: 'Arena Hall',
      event_date: '2031-03-01T19:00:00.000Z',
      seats: ['A1', 'A2'],
      total_amount: 199.98,
      user_name: 'Ada Lovelace',
      ...data,
    },
    timestamp: new Date().toISOString(),
  };
}

export async function publish(
  producer: MessageBus,
  topic: string,
  value: unknown,
  messageId: string = randomUUID(),
  key?: string,
): Promise<string> {
  const k = key ?? (value as RequestValue)?.booking_data?.booking_id ?? 'no-key';
  await producer.publisher().publish([{ topic, key: k, value, messageId }]);
  return messageId;
}

/** The one polling helper of the tests (the notification tests import it from here). */
export { waitFor } from '@ticketing/testing';

/** Collects what arrives on a topic (e.g. the dead-letter topic) with a fresh consumer group. */
export async function collectTopic(bus: MessageBus, topic: string) {
  const seen: IncomingMessage[] = [];
  await bus.ensureTopics([topic]);
  const sub = await bus.consume({ groupId: uniqueId('dlq-reader'), topics: [topic], handler: async (m) => void seen.push(m) });
  return { seen, close: () => sub.close() };
}

export interface DeliveryRecord {
  id: string;
  message_id: string;
  status: string;
  attempts: number;
  duplicates: number;
  last_error: string | null;
  recipient_email: string;
}

export async function deliveriesOf(deps: NotificationsDeps, bookingId: string): Promise<DeliveryRecord[]> {
  const { rows } = await deps.db.query<DeliveryRecord>(
    'SELECT id, message_id, status, attempts, duplicates, last_error, recipient_email FROM deliveries WHERE booking_id = $1 ORDER BY created_at',
    [bookingId],
  );
  return rows;
}

export { startTestSmtpServer, type TestSmtpServer, type TestSmtpServerOptions };

/** Publishes bytes as they are (e.g. a value that is not JSON), bypassing the bus's JSON encoding. */
export async function publishRaw(topic: string, key: string, value: string, messageId: string = randomUUID()): Promise<string> {
  const { Producer, stringSerializers } = await import('@platformatic/kafka');
  const producer = new Producer({
    clientId: uniqueId('raw-producer'),
    bootstrapBrokers: testInfra.kafkaBrokers.split(','),
    serializers: stringSerializers,
    autocreateTopics: true,
  });
  try {
    await producer.send({ messages: [{ topic, key, value, headers: { message_id: messageId } }] });
  } finally {
    await producer.close();
  }
  return messageId;
}

export interface DeadLetterRecord {
  source: string;
  message_id: string;
  booking_id: string | null;
  type: string | null;
  error_type: string;
  error: string;
  raw: string;
  occurrences: number;
}

export async function deadLetterOf(deps: NotificationsDeps, messageId: string): Promise<DeadLetterRecord | undefined> {
  const { rows } = await deps.db.query<DeadLetterRecord>(
    'SELECT source, message_id, booking_id, type, error_type, error, raw, occurrences FROM dead_letters WHERE message_id = $1',
    [messageId],
  );
  return rows[0];
}

export interface ReminderRecord {
  status: string;
  attempts: number;
  due_at: Date;
  next_attempt_at: Date;
  event_date: Date;
  last_error: string | null;
}

export async function reminderOf(deps: NotificationsDeps, bookingId: string): Promise<ReminderRecord | undefined> {
  const { rows } = await deps.db.query<ReminderRecord>(
    'SELECT status, attempts, due_at, next_attempt_at, event_date, last_error FROM reminders WHERE booking_id = $1',
    [bookingId],
  );
  return rows[0];
}
