// The offer of a waiting-list entry travels: offering statement → events outbox → Kafka
// (`waitlist-offers`) → notification worker → SMTP, as received by a test SMTP server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueUserToken } from '@ticketing/auth';
import { startTestSmtpServer, type TestSmtpServer } from '@ticketing/mail/testing';
import { createNotificationsDeps, loadNotificationsConfig, startNotificationsWorker } from '@ticketing/notifications-service';
import { testInfra, uniqueEmail, uniqueTopicPrefix } from '@ticketing/testing';
import { createEvent, expireAndSweep, startEvents, type EventsServer } from './helpers.ts';

describe('waiting list offer email', () => {
  const id = uniqueTopicPrefix('waitlist-mail');
  let server: EventsServer;
  let smtp: TestSmtpServer;
  let closeWorker: () => Promise<void>;

  before(
    async () => {
      smtp = await startTestSmtpServer();
      const topics = { seatEventsTopic: `${id}.seat-events`, waitlistOffersTopic: `${id}.waitlist-offers` };
      server = await startEvents({
        kafka: { enabled: true, brokers: testInfra.kafkaBrokers, clientId: id, ...topics, eventChangesTopic: `${id}.event-changes` },
        outbox: { intervalMs: 100 },
        publicUrl: 'http://shop.example.test',
        waitlist: { intervalMs: 0 },
      });
      const notifications = await createNotificationsDeps(
        loadNotificationsConfig(
          {
            log: { level: 'silent' },
            database: { url: testInfra.databaseUrl },
            redis: { url: testInfra.redisUrl },
            kafka: {
              brokers: testInfra.kafkaBrokers,
              topics: {
                notificationRequests: `${id}.notification-requests`,
                accountEmails: `${id}.account-emails`,
                waitlistOffers: topics.waitlistOffersTopic,
              },
            },
            consumer: { groupId: `${id}-notifications`, maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 200 },
            smtp: { host: smtp.host, port: smtp.port },
            mail: { fromName: 'Ticketing' },
            reminders: { enabled: false },
            // Not a webhook test: its worker stays out of the webhook consumer group.
            webhooks: { enabled: false },
          },
          {},
        ),
      );
      const worker = await startNotificationsWorker(notifications);
      closeWorker = async () => {
        await worker.close();
        await notifications.close();
      };
    },
    { timeout: 120_000 },
  );
  after(async () => {
    await closeWorker?.();
    await server?.close();
    await smtp?.close();
  });

  it('emails the buyer which seats are held for them, until when, with the link to check out', async () => {
    const ev = await createEvent(server.api, server.user().token, {
      name: 'Night <Jazz>',
      total_seats: 2,
      seats_per_row: 2,
      price_per_seat: 15,
    });
    const hold = await server.api('POST', `/api/events/${ev.event_id}/hold`, {
      token: server.user().token,
      body: { seat_numbers: ['A1', 'A2'] },
    });
    assert.equal(hold.status, 201, hold.text);

    const email = uniqueEmail('waitlist');
    const buyer = issueUserToken({ userId: crypto.randomUUID(), email, role: 'user', name: 'Wanda Waiter' }, server.config.jwt).token;
    const joined = await server.api('POST', `/api/events/${ev.event_id}/waitlist`, { token: buyer, body: { quantity: 2 } });
    assert.equal(joined.status, 201, joined.text);

    await expireAndSweep(server, hold.body.hold_id);
    await server.deps.waitlist.offerNow(ev.event_id);
    const mine = await server.api('GET', `/api/events/${ev.event_id}/waitlist`, { token: buyer });
    const offer = mine.body.entries[0].offer;
    assert.ok(offer, mine.text);

    // Through the outbox, Kafka and the notification worker: a loaded machine takes a while.
    const [mail] = await smtp.waitFor(email, 1, 60_000);
    assert.equal(mail!.parsed.subject, 'Seats for Night <Jazz> are waiting for you');
    const text = mail!.parsed.text ?? '';
    assert.match(text, /^Hello Wanda Waiter,/);
    assert.match(text, /A1, A2 \(\$30\.00\) are held for you until /);
    assert.match(text, new RegExp(`Continue to checkout: http://shop\\.example\\.test/events/${ev.event_id}/waitlist`));
    assert.match(String(mail!.parsed.html), /Night &lt;Jazz&gt;/);
    assert.match(mail!.parsed.messageId ?? '', /^<waitlist_offer\.[0-9a-f-]{36}@/);
  });
});
