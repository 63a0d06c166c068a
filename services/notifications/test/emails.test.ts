import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { issueUserToken } from '@ticketing/auth';
import type { MessageBus } from '@ticketing/bus';
import { uniqueEmail } from '@ticketing/testing';
import {
  createTestProducer,
  deliveriesOf,
  notificationRequest,
  publish,
  startNotifications,
  startTestSmtpServer,
  waitFor,
  type NotificationsHarness,
  type RequestValue,
  type TestSmtpServer,
} from './helpers.ts';

let smtp: TestSmtpServer;
let service: NotificationsHarness;
let producer: MessageBus;

before(async () => {
  smtp = await startTestSmtpServer();
  service = await startNotifications({
    smtp,
    overrides: { mail: { timezone: 'Europe/Paris', fromAddress: 'tickets@example.test', fromName: 'Ticketing Test' } },
  });
  producer = createTestProducer();
});
after(async () => {
  await service.close();
  await producer.close();
  await smtp.close();
});

async function deliver(value: RequestValue) {
  await publish(producer, service.topic, value);
  const [mail] = await smtp.waitFor(value.recipient_email);
  // The server has the email a moment before the delivery row commits.
  await waitFor(
    async () => ((await deliveriesOf(service.deps, value.booking_data.booking_id))[0]?.status === 'sent' ? true : undefined),
    'the delivery record',
  );
  const text = mail!.parsed.text ?? '';
  const html = typeof mail!.parsed.html === 'string' ? mail!.parsed.html : '';
  assert.ok(text.length > 0, 'has a text part');
  assert.ok(html.length > 0, 'has an HTML part');
  return { mail: mail!, text, html };
}

describe('booking_confirmed email', () => {
  it('greets the buyer by name and gives event, venue, local date and time, seats, amount and booking id in both parts', async () => {
    const value = notificationRequest('booking_confirmed', {
      event_date: '2031-03-01T19:00:00.000Z',
      seats: ['B7', 'B8', 'B9'],
      total_amount: 299.97,
    });
    const { mail, text, html } = await deliver(value);
    const id = value.booking_data.booking_id;
    assert.equal(mail.parsed.subject, 'Booking confirmed: Rock Night');
    assert.equal(mail.parsed.from?.value[0]?.address, 'tickets@example.test');
    assert.equal(mail.parsed.from?.value[0]?.name, 'Ticketing Test');
    assert.equal(mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.value[0]?.address : undefined, value.recipient_email);
    for (const part of [text, html]) {
      assert.match(part, /Hello Ada Lovelace,/);
      assert.match(part, /Rock Night/);
      assert.match(part, /Arena Hall/);
      // 19:00 UTC is 20:00 in Paris in March (UTC+1).
      assert.match(part, /Saturday, March 1, 2031/);
      assert.match(part, /8:00\sPM/);
      assert.doesNotMatch(part, /7:00\sPM/);
      assert.match(part, /B7, B8, B9/);
      assert.match(part, /\$299\.97/);
      assert.ok(part.includes(id), 'booking id');
    }
    assert.equal(mail.parsed.messageId, `<booking_confirmed.${id}@ticketing.local>`);
    assert.equal(mail.parsed.headers.get('x-booking-id'), id);
  });

  it('HTML-escapes every interpolated value (and keeps the text part literal)', async () => {
    const value = notificationRequest('booking_confirmed', {
      user_name: '<script>alert("x")</script> & Bob',
      event_name: 'Rock & <Roll>',
      venue: `O'Neil "Hall"`,
      seats: ['<b>A1</b>'],
    });
    const { mail, text, html } = await deliver(value);
    assert.equal(mail.parsed.subject, 'Booking confirmed: Rock & <Roll>');
    assert.ok(!html.includes('<script>'), 'no raw script tag');
    assert.ok(!html.includes('<b>A1</b>') && !html.includes('<Roll>'));
    assert.ok(html.includes('Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Bob,'));
    assert.ok(html.includes('Rock &amp; &lt;Roll&gt;'));
    assert.ok(html.includes('O&#39;Neil &quot;Hall&quot;'));
    assert.ok(html.includes('&lt;b&gt;A1&lt;/b&gt;'));
    assert.ok(text.includes('Hello <script>alert("x")</script> & Bob,'));
  });

  it('formats an amount sent as a decimal string exactly, with thousands separators', async () => {
    const { text, html } = await deliver(notificationRequest('booking_confirmed', { total_amount: '1234.5' }));
    assert.match(text, /\$1,234\.50/);
    assert.match(html, /\$1,234\.50/);
  });

  it("shows the amount in the booking's own currency when the message carries one", async () => {
    const { text, html } = await deliver(notificationRequest('booking_confirmed', { total_amount: 1234.5, currency: 'EUR' }));
    assert.match(text, /€1,234\.50/);
    assert.match(html, /€1,234\.50/);
  });

  it('greets without a name when user_name is empty', async () => {
    const { text } = await deliver(notificationRequest('booking_confirmed', { user_name: '  ' }));
    assert.match(text, /^Hello,$/m);
  });
});

describe('booking_failed email', () => {
  it('gives the reason and says the buyer was not charged when the payment failed', async () => {
    const value = notificationRequest('booking_failed', { reason: 'card_declined', payment_status: 'failed' });
    const { mail, text, html } = await deliver(value);
    assert.equal(mail.parsed.subject, 'Booking failed: Rock Night');
    for (const part of [text, html]) {
      assert.match(part, /Hello Ada Lovelace,/);
      assert.match(part, /Your card was declined\./);
      assert.match(part, /You have not been charged\./);
      assert.ok(part.includes(value.booking_data.booking_id));
    }
  });

  it('says the payment was refunded, with the amount, when payment_status is refunded', async () => {
    const { text, html } = await deliver(
      notificationRequest('booking_failed', { reason: 'seats_unavailable', payment_status: 'refunded', total_amount: 75 }),
    );
    for (const part of [text, html]) {
      assert.match(part, /The seats you chose were no longer available\./);
      assert.match(part, /Your payment of \$75\.00 has been refunded in full/);
      assert.doesNotMatch(part, /not been charged/);
    }
  });

  it('infers "not charged" from a decline reason when no payment_status is given', async () => {
    const { text } = await deliver(notificationRequest('booking_failed', { reason: 'insufficient_funds' }));
    assert.match(text, /Your card has insufficient funds\./);
    assert.match(text, /You have not been charged\./);
  });

  it('shows an unknown reason as given (escaped) and promises a refund of anything charged', async () => {
    const { text, html } = await deliver(notificationRequest('booking_failed', { reason: 'Gateway <timeout> & retry budget spent' }));
    assert.match(text, /Gateway <timeout> & retry budget spent/);
    assert.ok(html.includes('Gateway &lt;timeout&gt; &amp; retry budget spent'));
    assert.match(text, /If any amount was charged for this booking, it will be refunded to you in full\./);
  });
});

describe('event_reminder email', () => {
  it('reminds the buyer by name of the event, venue, local date and time, seats and booking id', async () => {
    const value = notificationRequest('event_reminder', { event_date: '2031-07-14T18:30:00.000Z', seats: ['C3'] });
    const { mail, text, html } = await deliver(value);
    assert.equal(mail.parsed.subject, 'Reminder: Rock Night is coming up');
    for (const part of [text, html]) {
      assert.match(part, /Hello Ada Lovelace,/);
      assert.match(part, /Rock Night/);
      assert.match(part, /Arena Hall/);
      // 18:30 UTC is 20:30 in Paris in July (UTC+2).
      assert.match(part, /Monday, July 14, 2031/);
      assert.match(part, /8:30\sPM/);
      assert.match(part, /C3/);
      assert.ok(part.includes(value.booking_data.booking_id));
    }
  });
});

describe('GET /health', () => {
  it('reports the dependencies and the consumer counters', async () => {
    const res = await service.api('GET', '/health');
    assert.equal(res.status, 200);
    assert.equal(res.body.service, 'notifications');
    assert.equal(res.body.status, 'healthy');
    assert.deepEqual(res.body.checks, { postgres: 'up', kafka: 'up', redis: 'up' });
    assert.equal(res.body.consumer, 'running');
    for (const key of ['messages_processed', 'emails_sent', 'retries', 'dead_lettered']) {
      assert.equal(typeof res.body[key], 'number', key);
    }
    // Every email of the tests above went through this process.
    assert.ok(res.body.emails_sent >= 9, String(res.body.emails_sent));
    assert.ok(res.body.messages_processed >= res.body.emails_sent);
  });

  it('exposes the counters as Prometheus metrics', async () => {
    const res = await service.api('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.text, /notifications_emails_sent_total\{service="notifications"\} \d+/);
    assert.match(res.text, /notifications_dead_lettered_total/);
  });
});

describe('GET /api/notifications', () => {
  const tokenFor = (email: string) =>
    issueUserToken(
      { userId: randomUUID(), email, role: 'user' },
      { secret: service.config.jwt.secret, issuer: service.config.jwt.issuer, ttlSeconds: 600 },
    ).token;

  it('lists the caller’s own notifications, newest first, and nobody else’s', async () => {
    const me = uniqueEmail('me');
    const confirmed = notificationRequest('booking_confirmed', {}, me);
    const failed = notificationRequest('booking_failed', { reason: 'card_declined' }, me);
    const someoneElse = notificationRequest('booking_confirmed');
    await deliver(confirmed);
    await deliver(failed);
    await deliver(someoneElse);
    // The address in the token may differ in case from the one the booking used.
    const res = await service.api('GET', '/api/notifications', { token: tokenFor(me.toUpperCase()) });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.notifications.map((n: { type: string; booking_id: string; status: string }) => [n.type, n.booking_id, n.status]),
      [
        ['booking_failed', failed.booking_data.booking_id, 'sent'],
        ['booking_confirmed', confirmed.booking_data.booking_id, 'sent'],
      ],
    );
    const first = res.body.notifications[0];
    assert.equal(first.subject, 'Booking failed: Rock Night');
    assert.equal(first.event_name, 'Rock Night');
    assert.ok(!Number.isNaN(Date.parse(first.sent_at)));
    assert.deepEqual(res.body.pagination, { total: 2, limit: 20, offset: 0, has_more: false });

    const page = await service.api('GET', '/api/notifications?limit=1&type=booking_confirmed', { token: tokenFor(me) });
    assert.equal(page.status, 200);
    assert.equal(page.body.notifications.length, 1);
    assert.equal(page.body.notifications[0].booking_id, confirmed.booking_data.booking_id);
    assert.deepEqual(page.body.pagination, { total: 1, limit: 1, offset: 0, has_more: false });

    const stranger = await service.api('GET', '/api/notifications', { token: tokenFor(uniqueEmail('stranger')) });
    assert.deepEqual(stranger.body, { notifications: [], pagination: { total: 0, limit: 20, offset: 0, has_more: false } });
    assert.equal((await deliveriesOf(service.deps, someoneElse.booking_data.booking_id)).length, 1);
  });

  it('requires a valid user token', async () => {
    const none = await service.api('GET', '/api/notifications');
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'unauthorized');
    const forged = await service.api('GET', '/api/notifications', { token: `${tokenFor(uniqueEmail())}x` });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error, 'invalid_token');
  });

  it('rejects bad query parameters with validation_failed', async () => {
    const token = tokenFor(uniqueEmail());
    for (const query of ['limit=0', 'limit=101', 'offset=-1', 'type=party', 'limit=abc', 'color=red']) {
      const res = await service.api('GET', `/api/notifications?${query}`, { token });
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error, 'validation_failed', query);
    }
  });
});

describe('waitFor helper sanity', () => {
  it('times out with a clear message', async () => {
    await assert.rejects(
      waitFor(() => undefined, 'nothing', 100),
      /timed out waiting for nothing/,
    );
  });
});
