import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalBus, type MessageBus } from '@ticketing/bus';
import { createPgliteDatabase, type Database } from '@ticketing/db';
import { createFileMailer } from '@ticketing/mail';
import { uniqueEmail } from '@ticketing/testing';
import {
  createNotificationsDeps,
  loadNotificationsConfig,
  startNotificationsWorker,
  type NotificationsDeps,
  type NotificationsWorker,
} from '../src/index.ts';
import { manualClock, notificationRequest, waitFor } from './helpers.ts';

// The embedded profile: PGlite, the in-process bus on the same database, and the file mailer.
describe('notification worker on the embedded adapters (PGlite, local bus, file mailer)', () => {
  let dir: string;
  let db: Database;
  let bus: MessageBus;
  let deps: NotificationsDeps;
  let worker: NotificationsWorker;
  const clock = manualClock(new Date());

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'notifications-embedded-'));
    db = await createPgliteDatabase({ dataDir: 'memory://', schema: 'notifications' });
    bus = await createLocalBus(db);
    const config = loadNotificationsConfig(
      {
        log: { level: 'silent' },
        consumer: { maxAttempts: 2, retryBaseMs: 10 },
        mail: { transport: 'file', fileDir: dir },
        reminders: { enabled: true, pollIntervalMs: 3_600_000 },
      },
      {},
    );
    deps = await createNotificationsDeps(config, {
      db,
      bus,
      clock,
      mailer: createFileMailer({ dir, from: { address: 'tickets@example.test' } }),
    });
    worker = await startNotificationsWorker(deps);
  });
  after(async () => {
    await worker.close();
    await deps.close();
    await bus.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const mailsTo = async (to: string) => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const all = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as { to: string; subject: string }),
    );
    return all.filter((m) => m.to === to);
  };

  it('writes one email per booking and type, dead-letters malformed messages, and sends the reminder when due', async () => {
    const topic = deps.config.kafka.topics.notificationRequests;
    const value = notificationRequest(
      'booking_confirmed',
      { event_date: new Date(clock.now().getTime() + 3 * 86_400_000).toISOString() },
      uniqueEmail('embedded'),
    );
    const id = value.booking_data.booking_id;
    const messageId = randomUUID();
    await bus.publisher().publish([
      { topic, key: id, value, messageId },
      { topic, key: id, value, messageId },
      { topic, key: id, value: { ...value, type: 'unknown' }, messageId: randomUUID() },
      { topic, key: id, value },
    ]);
    await waitFor(async () => ((await mailsTo(value.recipient_email)).length > 0 ? true : undefined), 'the confirmation file');
    await waitFor(() => (deps.stats.messages_processed >= 4 ? true : undefined), 'all four messages');
    assert.equal((await mailsTo(value.recipient_email)).length, 1);
    assert.equal(deps.stats.dead_lettered, 1);
    assert.equal(deps.stats.duplicates_skipped, 2);

    clock.advance(2 * 86_400_000);
    await worker.reminders!.runDue();
    const mails = await mailsTo(value.recipient_email);
    assert.deepEqual(mails.map((m) => m.subject).sort(), ['Booking confirmed: Rock Night', 'Reminder: Rock Night is coming up']);
    const { rows } = await db.query<{ status: string }>('SELECT status FROM reminders WHERE booking_id = $1', [id]);
    assert.equal(rows[0]?.status, 'sent');
  });
});
