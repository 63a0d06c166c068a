import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageBus } from '@ticketing/bus';
import { uniqueEmail } from '@ticketing/testing';
import {
  createTestProducer,
  deadLetterOf,
  deliveriesOf,
  manualClock,
  notificationRequest,
  publish,
  reminderOf,
  startNotifications,
  startTestSmtpServer,
  waitFor,
  type NotificationsHarness,
  type RequestValue,
  type TestSmtpServer,
} from './helpers.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = new Date();
const reminderSettings = {
  enabled: true,
  leadTimeMinutes: 1440,
  pollIntervalMs: 3_600_000,
  concurrency: 2,
  maxAttempts: 3,
  retryBaseMs: 10 * MINUTE,
  retryMaxMs: HOUR,
};

// Refusals the test SMTP server applies to RCPT TO, per address: a reply and how many times.
const refusals = new Map<string, { code: number; remaining: number }>();
let smtp: TestSmtpServer;
let producer: MessageBus;
let service: NotificationsHarness;
const clock = manualClock(T0);

before(async () => {
  smtp = await startTestSmtpServer({
    onRcptTo: (address) => {
      const r = refusals.get(address);
      if (!r || r.remaining === 0) return undefined;
      r.remaining--;
      return { code: r.code, message: r.code >= 500 ? '5.1.1 Mailbox unavailable' : '4.3.0 Try again later' };
    },
  });
  producer = createTestProducer();
  service = await startNotifications({ smtp, clock, overrides: { reminders: reminderSettings, consumer: { lockWaitMs: 300 } } });
});
after(async () => {
  await service.close();
  await producer.close();
  await smtp.close();
});
beforeEach(() => clock.set(T0));

const reminderMails = (to: string) => smtp.to(to).filter((m) => m.parsed.subject?.startsWith('Reminder:'));

/** Publishes a booking confirmation and waits until its email is sent (and its reminder written). */
async function confirm(eventInMs: number, recipient = uniqueEmail('fan'), h: NotificationsHarness = service): Promise<RequestValue> {
  const value = notificationRequest('booking_confirmed', { event_date: new Date(T0.getTime() + eventInMs).toISOString() }, recipient);
  await publish(producer, h.topic, value);
  await smtp.waitFor(recipient);
  await waitFor(
    async () => ((await deliveriesOf(h.deps, value.booking_data.booking_id))[0]?.status === 'sent' ? true : undefined),
    'the confirmation',
  );
  return value;
}

const runDue = async (h: NotificationsHarness = service) => h.worker!.reminders!.runDue();

describe('event reminders', () => {
  it('are scheduled with the confirmation and sent once, when due by the clock', async () => {
    const value = await confirm(10 * DAY);
    const id = value.booking_data.booking_id;
    const eventDate = new Date(value.booking_data.event_date);
    const reminder = await reminderOf(service.deps, id);
    assert.equal(reminder?.status, 'pending');
    assert.equal(reminder.due_at.getTime(), eventDate.getTime() - DAY);

    clock.set(new Date(eventDate.getTime() - DAY - MINUTE));
    await runDue();
    assert.equal(reminderMails(value.recipient_email).length, 0, 'not before it is due');
    assert.equal((await reminderOf(service.deps, id))?.status, 'pending');

    clock.set(new Date(eventDate.getTime() - DAY));
    await runDue();
    const [mail] = reminderMails(value.recipient_email);
    assert.ok(mail, 'sent when due');
    assert.equal(mail.parsed.subject, 'Reminder: Rock Night is coming up');
    assert.match(mail.parsed.text ?? '', /Hello Ada Lovelace,/);
    assert.equal(mail.parsed.messageId, `<event_reminder.${id}@ticketing.local>`);

    clock.advance(HOUR);
    await runDue();
    assert.equal(reminderMails(value.recipient_email).length, 1, 'sent once');
    const after = await reminderOf(service.deps, id);
    assert.equal(after?.status, 'sent');
    const rows = await deliveriesOf(service.deps, id);
    assert.deepEqual(
      rows.map((r) => [r.message_id, r.status]),
      [
        [rows[0]!.message_id, 'sent'],
        [`reminder:${id}`, 'sent'],
      ],
    );
  });

  it('survive a restart: the next worker sends what is due, and no later worker repeats it', async () => {
    const topic = service.topic;
    const first = await startNotifications({ smtp, clock: manualClock(T0), overrides: { reminders: reminderSettings } });
    let value: RequestValue;
    try {
      value = await confirm(5 * DAY, uniqueEmail('restart'), first);
    } finally {
      await first.close();
    }
    const due = new Date(new Date(value.booking_data.event_date).getTime() - DAY);
    assert.equal((await reminderOf(service.deps, value.booking_data.booking_id))?.status, 'pending', 'nothing sent before the restart');

    // A new process, started after the reminder became due: its scheduler's first pass sends it.
    const second = await startNotifications({
      smtp,
      topic: first.topic,
      groupId: first.groupId,
      clock: manualClock(new Date(due.getTime() + MINUTE)),
      overrides: { reminders: reminderSettings },
    });
    try {
      await waitFor(() => (reminderMails(value.recipient_email).length > 0 ? true : undefined), 'the reminder after the restart');
    } finally {
      await second.close();
    }
    const third = await startNotifications({
      smtp,
      topic: first.topic,
      groupId: first.groupId,
      clock: manualClock(new Date(due.getTime() + 2 * HOUR)),
      overrides: { reminders: reminderSettings },
    });
    try {
      await runDue(third);
    } finally {
      await third.close();
    }
    assert.equal(reminderMails(value.recipient_email).length, 1);
    assert.equal((await reminderOf(service.deps, value.booking_data.booking_id))?.status, 'sent');
    assert.notEqual(topic, first.topic);
  });

  it('are sent at once when the booking is confirmed less than the lead time before the event', async () => {
    const value = await confirm(3 * HOUR);
    const reminder = await reminderOf(service.deps, value.booking_data.booking_id);
    assert.equal(reminder?.due_at.getTime(), T0.getTime());
    await runDue();
    assert.equal(reminderMails(value.recipient_email).length, 1);
  });

  it('are not scheduled when the event has already started at confirmation', async () => {
    const value = await confirm(-HOUR);
    assert.equal(await reminderOf(service.deps, value.booking_data.booking_id), undefined);
  });

  it('are skipped when the event started before they could be sent (e.g. after an outage)', async () => {
    const value = await confirm(2 * DAY);
    clock.set(new Date(T0.getTime() + 2 * DAY + MINUTE));
    await runDue();
    assert.equal((await reminderOf(service.deps, value.booking_data.booking_id))?.status, 'skipped');
    assert.equal(reminderMails(value.recipient_email).length, 0);
  });

  it('are cancelled when the booking fails afterwards', async () => {
    const value = await confirm(4 * DAY);
    await publish(producer, service.topic, {
      ...value,
      type: 'booking_failed',
      booking_data: { ...value.booking_data, reason: 'seats_unavailable', payment_status: 'refunded' },
    });
    await smtp.waitFor(value.recipient_email, 2);
    await waitFor(
      async () => ((await reminderOf(service.deps, value.booking_data.booking_id))?.status === 'cancelled' ? true : undefined),
      'the cancellation',
    );
    clock.set(new Date(T0.getTime() + 3 * DAY));
    await runDue();
    assert.equal(reminderMails(value.recipient_email).length, 0);
  });

  it('are retried with backoff when the mail server refuses them for a while', async () => {
    const value = await confirm(6 * DAY);
    const id = value.booking_data.booking_id;
    const due = T0.getTime() + 5 * DAY;
    refusals.set(value.recipient_email, { code: 451, remaining: 1 });
    clock.set(new Date(due));
    await runDue();
    const failed = await reminderOf(service.deps, id);
    assert.equal(failed?.status, 'pending');
    assert.equal(failed.attempts, 1);
    assert.equal(failed.next_attempt_at.getTime(), due + reminderSettings.retryBaseMs);
    assert.match(failed.last_error ?? '', /451/);
    assert.equal(reminderMails(value.recipient_email).length, 0);

    clock.set(new Date(due + reminderSettings.retryBaseMs - 1));
    await runDue();
    assert.equal(reminderMails(value.recipient_email).length, 0, 'not before the backoff');
    clock.set(new Date(due + reminderSettings.retryBaseMs));
    await runDue();
    assert.equal(reminderMails(value.recipient_email).length, 1);
    assert.equal((await reminderOf(service.deps, id))?.status, 'sent');
  });

  it('are given up (dead letter) on a permanent rejection', async () => {
    const value = await confirm(6 * DAY);
    const id = value.booking_data.booking_id;
    refusals.set(value.recipient_email, { code: 550, remaining: 1 });
    clock.set(new Date(T0.getTime() + 5 * DAY));
    await runDue();
    const reminder = await reminderOf(service.deps, id);
    assert.equal(reminder?.status, 'dead');
    const recorded = await deadLetterOf(service.deps, `reminder:${id}`);
    assert.equal(recorded?.source, 'reminders');
    assert.equal(recorded.error_type, 'MailPermanentError');
    const rows = await deliveriesOf(service.deps, id);
    assert.equal(rows.find((r) => r.message_id === `reminder:${id}`)?.status, 'dead');
  });

  it('are not sent twice when an event_reminder message already reached the buyer', async () => {
    const value = await confirm(8 * DAY);
    await publish(producer, service.topic, { ...value, type: 'event_reminder' });
    await waitFor(() => (reminderMails(value.recipient_email).length === 1 ? true : undefined), 'the reminder from Kafka');
    clock.set(new Date(T0.getTime() + 7 * DAY));
    await runDue();
    assert.equal(reminderMails(value.recipient_email).length, 1);
    const reminder = await reminderOf(service.deps, value.booking_data.booking_id);
    assert.equal(reminder?.status, 'sent');
    assert.equal(reminder.last_error, 'already sent');
  });

  it('do not let one reminder that keeps failing hold up the others', async () => {
    const stuck = await confirm(9 * DAY);
    const fine = await confirm(9 * DAY);
    // Another worker is in the middle of sending the stuck booking's reminder: its delivery row is
    // held by an open transaction, so this scheduler's claim times out.
    let release!: () => void;
    let held!: () => void;
    const isHeld = new Promise<void>((r) => (held = r));
    const holder = service.deps.db
      .transaction(async (tx) => {
        await tx.query(
          `INSERT INTO deliveries (id, message_id, booking_id, type, recipient_email, event_name, subject, status)
           VALUES (gen_random_uuid(), gen_random_uuid()::text, $1, 'event_reminder', $2, 'Rock Night', 'held', 'sending')`,
          [stuck.booking_data.booking_id, stuck.recipient_email],
        );
        held();
        await new Promise<void>((r) => (release = r));
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await isHeld;
    const due = T0.getTime() + 8 * DAY;
    clock.set(new Date(due));
    try {
      await runDue();
    } finally {
      release();
      await holder;
    }
    assert.equal(reminderMails(fine.recipient_email).length, 1, 'the other reminder went out');
    const postponed = await reminderOf(service.deps, stuck.booking_data.booking_id);
    assert.equal(postponed?.status, 'pending');
    assert.equal(postponed.attempts, 1);
    assert.equal(postponed.next_attempt_at.getTime(), due + reminderSettings.retryBaseMs);

    clock.set(new Date(due + reminderSettings.retryBaseMs));
    await runDue();
    assert.equal(reminderMails(stuck.recipient_email).length, 1);
    assert.equal((await reminderOf(service.deps, stuck.booking_data.booking_id))?.status, 'sent');
  });
});
