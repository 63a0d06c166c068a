// Notification throughput: N booking_confirmed messages (plus 10 % redelivered copies) through
// the real path (Kafka → consumer → PostgreSQL dedup → SMTP) into an in-process SMTP server,
// beside a baseline of the same number of plain pooled nodemailer sends to the same server.
//
//   node bench/notifications-throughput.ts [messages=2000] [concurrency=8]
import { randomUUID } from 'node:crypto';
import { createKafkaBus } from '@ticketing/bus';
import { notificationRequests } from '@ticketing/contracts';
import { createSmtpMailer } from '@ticketing/mail';
import { startTestSmtpServer } from '@ticketing/mail/testing';
import { testInfra, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import { createNotificationsDeps, loadNotificationsConfig, startNotificationsWorker } from '../services/notifications/src/index.ts';

const N = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const smtp = await startTestSmtpServer();

async function waitUntil(done: () => boolean) {
  while (!done()) await new Promise((r) => setTimeout(r, 10));
}

// Baseline: the same emails straight to SMTP, CONCURRENCY at a time, no Kafka, no database.
const mailer = createSmtpMailer({ host: smtp.host, port: smtp.port, from: { address: 'bench@example.test' }, maxConnections: 5 });
let t = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < N) {
      const i = next++;
      await mailer.send({
        to: `baseline-${i}@example.test`,
        subject: 'Booking confirmed',
        text: 'x'.repeat(600),
        html: `<p>${'x'.repeat(900)}</p>`,
      });
    }
  }),
);
const baselineMs = performance.now() - t;
await mailer.close();
smtp.received.length = 0;

const topic = uniqueTopicPrefix('bench-notifications');
const config = loadNotificationsConfig(
  {
    log: { level: 'warn' },
    database: { url: testInfra.databaseUrl },
    kafka: { brokers: testInfra.kafkaBrokers, topics: { notificationRequests: topic } },
    consumer: { groupId: uniqueId('bench'), concurrency: CONCURRENCY },
    smtp: { host: smtp.host, port: smtp.port, maxConnections: 5 },
    reminders: { enabled: true, pollIntervalMs: 3_600_000 },
  },
  {},
);
const deps = await createNotificationsDeps(config);
const producer = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('bench-producer') });
await producer.ensureTopics([topic, `${topic}.dlq`]);
const worker = await startNotificationsWorker(deps);

// Built as the booking workers build them: typed by the contract, with its version header.
const messages = Array.from({ length: N }, (_, i) => {
  const id = randomUUID();
  return notificationRequests.message({
    topic,
    key: id,
    messageId: randomUUID(),
    value: {
      type: 'booking_confirmed',
      recipient_email: `bench-${i}@example.test`,
      booking_data: {
        booking_id: id,
        event_name: 'Bench Night',
        venue: 'Hall',
        event_date: '2031-01-01T20:00:00Z',
        seats: ['A1', 'A2'],
        total_amount: 99.5,
        user_name: 'Bench',
      },
      timestamp: new Date().toISOString(),
    },
  });
});
const copies = messages.filter((_, i) => i % 10 === 0).map((m) => ({ ...m, messageId: randomUUID() }));
t = performance.now();
for (let i = 0; i < messages.length; i += 500) await producer.publisher().publish(messages.slice(i, i + 500));
await producer.publisher().publish(copies);
const publishedMs = performance.now() - t;
await waitUntil(() => deps.stats.messages_processed >= N + copies.length);
const pipelineMs = performance.now() - t;

const emails = smtp.received.length;
await worker.close();
await producer.close();
await deps.close();
await smtp.close();

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
console.log(
  JSON.stringify(
    {
      messages: N,
      redelivered_copies: copies.length,
      concurrency: CONCURRENCY,
      emails_received: emails,
      duplicates_skipped: deps.stats.duplicates_skipped,
      publish_ms: Math.round(publishedMs),
      pipeline_ms: Math.round(pipelineMs),
      pipeline_emails_per_s: rate(N, pipelineMs),
      baseline_smtp_only_ms: Math.round(baselineMs),
      baseline_emails_per_s: rate(N, baselineMs),
      ratio_vs_smtp_only: Math.round((rate(N, pipelineMs) / rate(N, baselineMs)) * 100) / 100,
    },
    null,
    2,
  ),
);
if (emails !== N) {
  console.error(`expected ${N} emails, got ${emails}`);
  process.exitCode = 1;
}
