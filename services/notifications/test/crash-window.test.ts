// The delivery guarantee across a SIGKILL (docs/notifications.md, "Delivery guarantee"): a
// notification worker killed while the mail server holds its message leaves the delivery
// 'sending'; the worker that takes the message over waits for the lease, sends it again with the
// same Message-ID, and records it as sent. Nothing is lost, and the copy is recognisable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresDatabase } from '@ticketing/db';
import { testInfra, uniqueEmail, uniqueId, uniqueTopicPrefix } from '@ticketing/testing';
import { createTestProducer, notificationRequest, publish, startTestSmtpServer, waitFor, type TestSmtpServer } from './helpers.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const topic = uniqueTopicPrefix('crash-window');
const groupId = uniqueId('crash-window-group');
const LEASE_MS = 3000;
let smtp: TestSmtpServer;
const producer = createTestProducer();
const db = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'notifications', poolSize: 2 });
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['services/notifications/src/worker.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: testInfra.databaseUrl,
      KAFKA_BROKERS: testInfra.kafkaBrokers,
      NOTIFICATIONS_TOPIC: topic,
      NOTIFICATIONS_ACCOUNT_EMAILS_TOPIC: `${topic}.account-emails`,
      NOTIFICATIONS_GROUP_ID: groupId,
      NOTIFICATIONS_SEND_LEASE_MS: String(LEASE_MS),
      REMINDERS_ENABLED: 'false',
      // Not a webhook test: no dispatcher of its own on the shared database.
      WEBHOOKS_ENABLED: 'false',
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_POOL: 'false',
      JWT_SECRET: 'crash-window-test-secret-0123456789abcdef',
      INTERNAL_JWT_SECRET: 'crash-window-test-internal-0123456789abcdef',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  workers.push(child);
  return child;
}

before(async () => {
  // The server holds every message 4 s before accepting it: time to kill the worker meanwhile.
  smtp = await startTestSmtpServer({ dataDelayMs: () => 4000 });
});
after(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await producer.close();
  await db.close();
  await smtp.close();
});

describe('a notification worker killed mid-send', () => {
  it('leaves no email lost: the taker-over resends it after the lease, with the same Message-ID, and records it sent', async () => {
    const value = notificationRequest('booking_confirmed', {}, uniqueEmail('crash'));
    const first = startWorker();
    await publish(producer, topic, value);
    await waitFor(() => (smtp.dataStarted(value.recipient_email) > 0 ? true : undefined), 'the first SMTP conversation', 60_000);
    await sleep(300);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const { rows: left } = await db.query<{ status: string }>('SELECT status FROM deliveries WHERE booking_id = $1', [
      value.booking_data.booking_id,
    ]);
    assert.deepEqual(
      left.map((r) => r.status),
      ['sending'],
      'the killed worker left its claim',
    );

    startWorker();
    const rows = await waitFor(
      async () => {
        const { rows } = await db.query<{ status: string; attempts: number }>(
          'SELECT status, attempts FROM deliveries WHERE booking_id = $1',
          [value.booking_data.booking_id],
        );
        return rows[0]?.status === 'sent' ? rows : undefined;
      },
      'the delivery to be recorded as sent',
      90_000,
    );
    assert.equal(rows.length, 1);
    const copies = smtp.to(value.recipient_email);
    // The first copy was already with the server when the worker died: this is the crash window.
    assert.ok(copies.length >= 1 && copies.length <= 2, `${copies.length} copies`);
    assert.equal(new Set(copies.map((c) => c.parsed.messageId)).size, 1, 'every copy carries the same Message-ID');
    assert.equal(copies[0]!.parsed.messageId, `<booking_confirmed.${value.booking_data.booking_id}@ticketing.local>`);
  });
});
