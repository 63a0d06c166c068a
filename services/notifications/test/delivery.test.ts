import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { MessageBus } from '@ticketing/bus';
import { notificationRequests, VERSION_HEADER, type NotificationRequest } from '@ticketing/contracts';
import { uniqueEmail } from '@ticketing/testing';
import {
  collectTopic,
  createTestProducer,
  deadLetterOf,
  deliveriesOf,
  notificationRequest,
  publish,
  publishRaw,
  startNotifications,
  startTestSmtpServer,
  waitFor,
  type NotificationsHarness,
  type TestSmtpServer,
} from './helpers.ts';

// The test SMTP server decides by recipient: greylisted-* and data451-* are refused once with
// 451 (on RCPT TO / on DATA), down-* always get 451, addresses in `blocked` get 550.
const blocked = new Set<string>();
let smtp: TestSmtpServer;
let service: NotificationsHarness;
let producer: MessageBus;
let dlq: Awaited<ReturnType<typeof collectTopic>>;

before(async () => {
  smtp = await startTestSmtpServer({
    onRcptTo: (address, attempt) => {
      if (blocked.has(address)) return { code: 550, message: '5.1.1 Mailbox unavailable' };
      if (address.startsWith('greylisted') && attempt === 1) return { code: 451, message: '4.7.1 Greylisted, try again later' };
      if (address.startsWith('down')) return { code: 451, message: '4.3.0 Mail system temporarily unavailable' };
      return undefined;
    },
    onData: ([to = ''], attempt) =>
      to.startsWith('data451') && attempt === 1 ? { code: 451, message: '4.3.0 Try again later' } : undefined,
    dataDelayMs: ([to = '']) => (to.startsWith('stalled') ? 2500 : to.startsWith('slow') ? 400 : 0),
  });
  service = await startNotifications({ smtp });
  producer = createTestProducer();
  dlq = await collectTopic(producer, `${service.topic}.dlq`);
});
after(async () => {
  await dlq.close();
  await service.close();
  await producer.close();
  await smtp.close();
});

const dlqCopy = (messageId: string) =>
  waitFor(() => dlq.seen.find((m) => m.messageId === messageId), `dead letter ${messageId} on the .dlq topic`);
const deadLetter = (messageId: string) => waitFor(() => deadLetterOf(service.deps, messageId), `dead letter ${messageId} in the database`);

describe('exactly one email per booking and type', () => {
  it('drops a redelivered message id and a second message for the same booking and type', async () => {
    const value = notificationRequest('booking_confirmed');
    const id = value.booking_data.booking_id;
    const messageId = await publish(producer, service.topic, value);
    await smtp.waitFor(value.recipient_email);
    await publish(producer, service.topic, value, messageId);
    await publish(producer, service.topic, { ...value, timestamp: new Date().toISOString() });
    const [row] = await waitFor(async () => {
      const rows = await deliveriesOf(service.deps, id);
      return rows[0]?.duplicates === 2 ? rows : undefined;
    }, 'both duplicates to be dropped');
    assert.equal(smtp.to(value.recipient_email).length, 1);
    assert.equal(row!.status, 'sent');
    assert.equal(row!.attempts, 1);
    assert.equal(row!.message_id, messageId);
    assert.equal((await deliveriesOf(service.deps, id)).length, 1);
  });

  it('sends one email when copies of a notification are handled concurrently', async () => {
    // A slow server keeps the first copy's SMTP conversation open while the others arrive.
    const value = notificationRequest('booking_confirmed', {}, uniqueEmail('slow'));
    const id = value.booking_data.booking_id;
    await producer
      .publisher()
      .publish(Array.from({ length: 5 }, () => ({ topic: service.topic, key: id, value, messageId: randomUUID() })));
    await waitFor(
      async () => ((await deliveriesOf(service.deps, id))[0]?.duplicates === 4 ? true : undefined),
      'four duplicates to be dropped',
    );
    assert.equal(smtp.to(value.recipient_email).length, 1);
  });

  it('still sends each type once for the same booking', async () => {
    const confirmed = notificationRequest('booking_confirmed');
    const reminder = { ...confirmed, type: 'event_reminder' as const };
    await publish(producer, service.topic, confirmed);
    await publish(producer, service.topic, reminder);
    const mails = await smtp.waitFor(confirmed.recipient_email, 2);
    assert.deepEqual(mails.map((m) => m.parsed.subject).sort(), ['Booking confirmed: Rock Night', 'Reminder: Rock Night is coming up']);
  });
});

describe('no database transaction during SMTP', () => {
  it('keeps no transaction open while a slow SMTP server holds the conversation', async () => {
    const value = notificationRequest('booking_confirmed', {}, uniqueEmail('stalled'));
    await publish(producer, service.topic, value);
    await waitFor(() => (smtp.dataStarted(value.recipient_email) > 0 ? true : undefined), 'the SMTP conversation to start');
    // The server answers the DATA after 2.5 s; wait past any short bookkeeping transaction.
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(smtp.to(value.recipient_email).length, 0, 'the send is still in progress');
    const { rows } = await service.deps.db.query<{ pid: number; query: string }>(
      `SELECT pid, query FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'notifications'
         AND state LIKE 'idle in transaction%' AND state_change < now() - interval '500 milliseconds'`,
    );
    assert.deepEqual(rows, [], 'no notifications backend sits idle in a transaction during the send');
    await smtp.waitFor(value.recipient_email);
    const [row] = await waitFor(async () => {
      const rows = await deliveriesOf(service.deps, value.booking_data.booking_id);
      return rows[0]?.status === 'sent' ? rows : undefined;
    }, 'the delivery to be marked sent');
    assert.equal(row!.attempts, 1);
  });

  it('takes over an email left "sending" by a worker that died, once its lease has passed, and sends it once', async () => {
    const value = notificationRequest('booking_confirmed');
    const id = value.booking_data.booking_id;
    // What a worker killed in the middle of its SMTP conversation leaves behind.
    const { rows: left } = await service.deps.db.query<{ lease_until: Date }>(
      `INSERT INTO deliveries (id, message_id, booking_id, type, recipient_email, event_name, subject, status, claim_token, lease_until)
       VALUES (gen_random_uuid(), $1, $2, 'booking_confirmed', $3, 'Rock Night', 'Booking confirmed: Rock Night', 'sending',
               gen_random_uuid(), now() + interval '1500 milliseconds')
       RETURNING lease_until`,
      [randomUUID(), id, value.recipient_email],
    );
    await publish(producer, service.topic, value);
    const [mail] = await smtp.waitFor(value.recipient_email);
    const rows = await waitFor(async () => {
      const rows = await deliveriesOf(service.deps, id);
      return rows[0]?.status === 'sent' ? rows : undefined;
    }, 'the delivery to be marked sent');
    assert.equal(rows.length, 1);
    // The Date header is written when the message is composed, after the claim (1 s precision).
    assert.ok(mail!.parsed.date!.getTime() >= left[0]!.lease_until.getTime() - 1000, 'not taken over before the lease passed');
    assert.equal(smtp.to(value.recipient_email).length, 1);
  });
});

describe('retries', () => {
  it('retries with backoff after a 451 on RCPT TO and sends once', async () => {
    const retriesBefore = service.deps.stats.retries;
    const value = notificationRequest('booking_confirmed', {}, uniqueEmail('greylisted'));
    await publish(producer, service.topic, value);
    await smtp.waitFor(value.recipient_email);
    const [row] = await waitFor(async () => {
      const rows = await deliveriesOf(service.deps, value.booking_data.booking_id);
      return rows[0]?.status === 'sent' ? rows : undefined;
    }, 'the delivery to be marked sent');
    assert.equal(row!.attempts, 2);
    assert.equal(row!.last_error, null);
    assert.equal(smtp.to(value.recipient_email).length, 1);
    assert.ok(service.deps.stats.retries > retriesBefore);
  });

  it('retries after a 451 on DATA and sends once', async () => {
    const value = notificationRequest('booking_failed', { reason: 'card_declined' }, uniqueEmail('data451'));
    await publish(producer, service.topic, value);
    const [mail] = await smtp.waitFor(value.recipient_email);
    assert.equal(mail!.parsed.subject, 'Booking failed: Rock Night');
    const [row] = await waitFor(async () => {
      const rows = await deliveriesOf(service.deps, value.booking_data.booking_id);
      return rows[0]?.status === 'sent' ? rows : undefined;
    }, 'the delivery to be marked sent');
    assert.equal(row!.attempts, 2);
  });
});

describe('dead letters', () => {
  it('dead-letters a permanent rejection (550) at once, and a later request for that booking can still go through', async () => {
    const recipient = uniqueEmail('bounce');
    blocked.add(recipient);
    const value = notificationRequest('booking_confirmed', {}, recipient);
    const messageId = await publish(producer, service.topic, value);
    const copy = await dlqCopy(messageId);
    assert.equal(copy.headers['dlq-error-type'], 'MailPermanentError');
    assert.equal(copy.headers['dlq-original-topic'], service.topic);
    const recorded = await deadLetter(messageId);
    assert.equal(recorded.error_type, 'MailPermanentError');
    assert.equal(recorded.booking_id, value.booking_data.booking_id);
    assert.equal(recorded.type, 'booking_confirmed');
    assert.match(recorded.error, /550/);
    const [row] = await deliveriesOf(service.deps, value.booking_data.booking_id);
    assert.equal(row!.status, 'dead');
    assert.equal(row!.attempts, 1, 'not retried');
    assert.equal(smtp.to(recipient).length, 0);

    // The mailbox is fixed and the message replayed (new message id): it is sent once.
    blocked.delete(recipient);
    await publish(producer, service.topic, value);
    await smtp.waitFor(recipient);
    const [after] = await waitFor(async () => {
      const rows = await deliveriesOf(service.deps, value.booking_data.booking_id);
      return rows[0]?.status === 'sent' ? rows : undefined;
    }, 'the replayed delivery to be sent');
    assert.equal(after!.attempts, 2);
  });

  it('dead-letters after maxAttempts transient failures', async () => {
    const value = notificationRequest('booking_confirmed', {}, uniqueEmail('down'));
    const messageId = await publish(producer, service.topic, value);
    const copy = await dlqCopy(messageId);
    assert.equal(copy.headers['dlq-error-type'], 'MailTransientError');
    const recorded = await deadLetter(messageId);
    assert.equal(recorded.error_type, 'MailTransientError');
    const [row] = await waitFor(async () => {
      const rows = await deliveriesOf(service.deps, value.booking_data.booking_id);
      return rows[0]?.status === 'dead' ? rows : undefined;
    }, 'the delivery to be marked dead');
    assert.equal(row!.attempts, service.config.consumer.maxAttempts);
    assert.equal(smtp.to(value.recipient_email).length, 0);
  });

  it('dead-letters malformed messages at once and keeps consuming the partition', async () => {
    const key = randomUUID();
    const good = notificationRequest('booking_confirmed', { booking_id: key });
    const bad: [string, unknown][] = [
      ['missing recipient', { ...good, recipient_email: undefined }],
      ['unknown type', { ...good, type: 'party_invite' }],
      ['missing booking_data fields', { ...good, booking_data: { booking_id: key } }],
      ['booking id not a uuid', { ...good, booking_data: { ...good.booking_data, booking_id: 'b-1' } }],
      ['not an email address', { ...good, recipient_email: 'nobody' }],
      ['amount with three decimals', { ...good, booking_data: { ...good.booking_data, total_amount: 1.005 } }],
      ['a date that is not a date', { ...good, booking_data: { ...good.booking_data, event_date: 'soon' } }],
      ['a JSON string', 'hello'],
      ['null', null],
    ];
    const ids: string[] = [await publishRaw(service.topic, key, 'not json {\u0000')];
    for (const [, value] of bad) ids.push(await publish(producer, service.topic, value, randomUUID(), key));
    // Same key, so the same partition, after all the bad ones.
    await publish(producer, service.topic, good, randomUUID(), key);
    await smtp.waitFor(good.recipient_email);
    for (const [i, id] of ids.entries()) {
      const recorded = await deadLetter(id);
      assert.equal(recorded.error_type, 'MalformedMessageError', `${i === 0 ? 'not JSON' : bad[i - 1]![0]}: ${recorded.error}`);
      assert.equal(recorded.source, service.topic);
      await dlqCopy(id);
    }
    assert.match((await deadLetterOf(service.deps, ids[0]!))!.raw, /^not json \{/);
    assert.equal(service.deps.stats.consumer, 'running');
  });
});

describe('message versions (rolling deploy)', () => {
  it('sends the previous version (no version header, decimal-text amount) and the current one, and dead-letters an unknown one', async () => {
    const previous = notificationRequest('booking_confirmed', { total_amount: '49.50' });
    const current = notificationRequest('booking_confirmed', { total_amount: 49.5 }) as NotificationRequest;
    const future = notificationRequest('booking_confirmed');
    const futureId = randomUUID();
    await producer.publisher().publish([
      { topic: service.topic, key: previous.booking_data.booking_id, value: previous },
      notificationRequests.message({ topic: service.topic, key: current.booking_data.booking_id, value: current }),
      {
        topic: service.topic,
        key: future.booking_data.booking_id,
        value: future,
        messageId: futureId,
        headers: { [VERSION_HEADER]: String(notificationRequests.version + 1) },
      },
    ]);
    for (const value of [previous, current]) {
      const [mail] = await smtp.waitFor(value.recipient_email);
      assert.match(mail!.parsed.text ?? '', /49\.50/);
    }
    const recorded = await deadLetter(futureId);
    assert.equal(recorded.error_type, 'MalformedMessageError');
    assert.match(recorded.error ?? '', /message_version "3"/);
    assert.equal(smtp.to(future.recipient_email).length, 0);
  });
});

describe('worker shutdown and restart', () => {
  it('finishes the emails in flight on close, and a new worker in the same group resends nothing', async () => {
    const values = Array.from({ length: 4 }, () => notificationRequest('booking_confirmed', {}, uniqueEmail('slow')));
    for (const v of values) await publish(producer, service.topic, v);
    // Close while slow SMTP conversations are running.
    await waitFor(() => (values.some((v) => smtp.dataStarted(v.recipient_email) > 0) ? true : undefined), 'a first SMTP conversation');
    const inFlight = values.filter((v) => smtp.dataStarted(v.recipient_email) > 0 && smtp.to(v.recipient_email).length === 0).length;
    assert.ok(inFlight >= 1, 'an email is being received when the worker closes');
    await service.stopWorker();
    const sentAtClose = values.filter((v) => smtp.to(v.recipient_email).length > 0).length;
    const { rows } = await service.deps.db.query<{ booking_id: string; status: string }>(
      `SELECT booking_id, status FROM deliveries WHERE booking_id = ANY($1::uuid[])`,
      [values.map((v) => v.booking_data.booking_id)],
    );
    assert.ok(sentAtClose >= inFlight, 'the emails in flight were finished');
    assert.equal(rows.filter((r) => r.status === 'sent').length, sentAtClose, 'every email handed over is recorded as sent');
    assert.ok(
      rows.every((r) => r.status === 'sent'),
      'no delivery left half-done',
    );

    const next = await startNotifications({ smtp, topic: service.topic, groupId: service.groupId });
    try {
      for (const v of values) await smtp.waitFor(v.recipient_email);
      const marker = notificationRequest('booking_confirmed');
      await publish(producer, service.topic, marker);
      await smtp.waitFor(marker.recipient_email);
      for (const v of values) assert.equal(smtp.to(v.recipient_email).length, 1, v.recipient_email);
    } finally {
      await next.close();
    }
  });
});

describe('GET /health counters', () => {
  it('counts processed messages, sent emails, retries and dead letters', async () => {
    const res = await service.api('GET', '/health');
    assert.equal(res.status, 200);
    assert.ok(res.body.emails_sent >= 8, JSON.stringify(res.body));
    assert.ok(res.body.retries >= 4, JSON.stringify(res.body));
    assert.ok(res.body.dead_lettered >= 12, JSON.stringify(res.body));
    assert.ok(res.body.duplicates_skipped >= 6, JSON.stringify(res.body));
    assert.ok(res.body.messages_processed >= res.body.emails_sent + res.body.dead_lettered);
    assert.equal(res.body.consumer, 'stopped');
  });
});
