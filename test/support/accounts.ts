// The users service with what its accounts need around it, in this process: the notification
// worker that turns `account-emails` into email (sent to a test SMTP server the test reads), and
// the events service to check that another service refuses revoked tokens. `production` runs on
// the real PostgreSQL, Redis and Kafka with unique topics, groups and key prefixes; `embedded` on
// PGlite, the in-process bus and one in-memory cache, as `npm start` does.
import { createLocalBus, type MessageBus } from '@ticketing/bus';
import { createMemoryCache, type Cache } from '@ticketing/cache';
import type { DeepPartial } from '@ticketing/config';
import { createPgliteDatabase, type Database } from '@ticketing/db';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from '@ticketing/mail/testing';
import { apiClient, listen, testInfra, uniqueTopicPrefix } from '@ticketing/testing';
import { buildUsersApp, createUsersDeps, loadUsersConfig, type UsersConfig, type UsersDeps } from '@ticketing/users-service';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import { createNotificationsDeps, loadNotificationsConfig, startNotificationsWorker } from '@ticketing/notifications-service';

export type Profile = 'production' | 'embedded';

export interface AccountsPlatform {
  profile: Profile;
  users: ReturnType<typeof apiClient>;
  events: ReturnType<typeof apiClient>;
  usersDeps: UsersDeps;
  smtp: TestSmtpServer;
  /** The Redis key prefix every service of this platform uses (production profile). */
  redisKeyPrefix: string;
  /** The newest email to `address` whose subject matches, once there are `count` of them. */
  mailTo(address: string, subject: RegExp, count?: number): Promise<ReceivedMail>;
  /** The link in that email. */
  linkIn(address: string, subject: RegExp, count?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startAccountsPlatform(profile: Profile, overrides: DeepPartial<UsersConfig> = {}): Promise<AccountsPlatform> {
  const id = uniqueTopicPrefix('accounts');
  const closers: (() => Promise<void>)[] = [];
  const log = { level: 'silent' as const };
  try {
    const smtp = await startTestSmtpServer();
    closers.push(() => smtp.close());

    let bus: MessageBus | undefined;
    let cache: Cache | undefined;
    const pglite = async (schema: string): Promise<Database> => {
      const db = await createPgliteDatabase({ dataDir: 'memory://', schema });
      closers.push(() => db.close());
      return db;
    };
    if (profile === 'embedded') {
      cache = createMemoryCache();
      bus = await createLocalBus(await pglite('bus'));
      const b = bus;
      closers.push(() => b.close());
    }
    // One key prefix for all: the services of a platform share the revocations in the cache.
    const infra = () => ({ log, database: { url: testInfra.databaseUrl }, redis: { url: testInfra.redisUrl, keyPrefix: `${id}:` } });
    const topic = `${id}.account-emails`;

    const usersDeps = await createUsersDeps(
      loadUsersConfig(
        {
          ...infra(),
          bcryptRounds: 4,
          kafka: { brokers: testInfra.kafkaBrokers, clientId: id, accountEmailsTopic: topic },
          outbox: { intervalMs: 100 },
          publicUrl: 'http://shop.example.test',
          ...overrides,
        },
        {},
      ),
      profile === 'embedded' ? { db: await pglite('users'), cache, bus } : {},
    );
    const usersApp = await buildUsersApp(usersDeps);
    const usersUrl = await listen(usersApp);
    usersDeps.relay?.start();
    closers.push(async () => {
      await usersApp.close();
      await usersDeps.close();
    });

    const notifications = await createNotificationsDeps(
      loadNotificationsConfig(
        {
          ...infra(),
          kafka: { brokers: testInfra.kafkaBrokers, topics: { notificationRequests: `${id}.notification-requests`, accountEmails: topic } },
          consumer: { groupId: `${id}-notifications`, maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 200 },
          smtp: { host: smtp.host, port: smtp.port },
          mail: { fromName: 'Ticketing' },
          reminders: { enabled: false },
          // Not a webhook test: its worker stays out of the webhook consumer group.
          webhooks: { enabled: false },
        },
        {},
      ),
      profile === 'embedded' ? { db: await pglite('notifications'), bus, cache } : {},
    );
    const worker = await startNotificationsWorker(notifications);
    closers.push(async () => {
      await worker.close();
      await notifications.close();
    });

    const events = await createEventsDeps(
      loadEventsConfig({ ...infra(), kafka: { enabled: false }, sweeperIntervalMs: 0 }, {}),
      profile === 'embedded' ? { db: await pglite('events'), cache } : {},
    );
    const eventsApp = await buildEventsApp(events);
    const eventsUrl = await listen(eventsApp);
    closers.push(async () => {
      await eventsApp.close();
      await events.close();
    });

    async function mailTo(address: string, subject: RegExp, count = 1): Promise<ReceivedMail> {
      const started = Date.now();
      for (;;) {
        const mails = smtp.to(address).filter((m) => subject.test(m.parsed.subject ?? ''));
        if (mails.length >= count) return mails.at(-1)!;
        if (Date.now() - started > 30_000) throw new Error(`no email "${subject.source}" to ${address}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }

    return {
      profile,
      users: apiClient(usersUrl),
      events: apiClient(eventsUrl),
      usersDeps,
      smtp,
      redisKeyPrefix: `${id}:`,
      mailTo,
      async linkIn(address, subject, count = 1) {
        const text = (await mailTo(address, subject, count)).parsed.text ?? '';
        const link = /https?:\/\/\S+/.exec(text)?.[0];
        if (!link) throw new Error(`no link in the email to ${address}: ${text}`);
        return link;
      },
      async close() {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close();
    throw err;
  }
}
