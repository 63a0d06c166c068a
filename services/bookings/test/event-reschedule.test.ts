// Rescheduling an event emails every confirmed buyer once per change, as received by a real SMTP
// server: the event service's outbox → Kafka `event-changes` → the bookings worker (one
// statement: bookings moved, one email each in the outbox) → `notification-requests` → the
// notification worker → SMTP. A redelivered change writes nothing twice; a second reschedule
// is a second email.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSmtpServer, type TestSmtpServer } from '@ticketing/mail/testing';
import { createNotificationsDeps, loadNotificationsConfig, startNotificationsWorker } from '@ticketing/notifications-service';
import { testInfra } from '@ticketing/testing';
import type { BookingsConfig } from '../src/index.ts';
import { createEvent, holdSeats, startEventsOnKafka, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings, waitFor, type StartedBookings, type TestUser } from './helpers.ts';

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let svc: StartedBookings;
let smtp: TestSmtpServer;
let closeNotifications: () => Promise<void>;

before(async () => {
  const jwt = bookingsConfig().jwt;
  config = bookingsConfig({ jwt });
  events = await startEventsOnKafka(jwt, config.kafka, { eventChanges: true });
  config = bookingsConfig({ jwt, events: { url: events.baseUrl }, kafka: config.kafka, payments: { latencyMs: 0 } });
  svc = await startBookings(config);
  smtp = await startTestSmtpServer();
  const notifications = await createNotificationsDeps(
    loadNotificationsConfig(
      {
        log: { level: 'silent' },
        database: { url: testInfra.databaseUrl },
        redis: { url: testInfra.redisUrl, keyPrefix: `${config.kafka.clientId}.n:` },
        kafka: {
          brokers: testInfra.kafkaBrokers,
          // Topics of this test only: the defaults are shared with every other test file.
          topics: {
            notificationRequests: config.kafka.topics.notificationRequests,
            accountEmails: `${config.kafka.clientId}.account-emails`,
            waitlistOffers: `${config.kafka.clientId}.waitlist-offers`,
          },
        },
        consumer: { groupId: `${config.kafka.clientId}-notifications`, maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 200 },
        smtp: { host: smtp.host, port: smtp.port },
        reminders: { enabled: false },
        // Not a webhook test: its worker stays out of the webhook consumer group.
        webhooks: { enabled: false },
      },
      {},
    ),
  );
  const worker = await startNotificationsWorker(notifications);
  closeNotifications = async () => {
    await worker.close();
    await notifications.close();
  };
});
after(async () => {
  await closeNotifications?.();
  await svc?.close();
  await events?.close();
  await smtp?.close();
});

const mailsTo = (to: TestUser, subject: RegExp) =>
  smtp.received.filter((m) => m.envelopeTo.includes(to.email) && subject.test(m.parsed.subject ?? ''));

async function buy(buyer: TestUser, eventId: string, seat: string, method = 'credit_card'): Promise<string> {
  const hold = await holdSeats(events, buyer, eventId, [seat]);
  const res = await svc.api('POST', '/api/booking', {
    token: buyer.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  return res.body.booking_id;
}

describe('rescheduling an event', () => {
  it('emails each confirmed buyer once per change, and never the buyer whose booking failed', { timeout: 120_000 }, async () => {
    const organizer = newUser(config);
    const event = await createEvent(events, organizer);
    const buyers = [newUser(config, 'user', 'Ana'), newUser(config, 'user', 'Ben'), newUser(config, 'user', 'Cai')];
    const declined = newUser(config, 'user', 'Dee');
    const ids = await Promise.all(buyers.map((b, i) => buy(b, event.event_id, `A${i + 1}`)));
    const failedId = await buy(declined, event.event_id, 'B1', 'card_declined');
    for (const id of [...ids, failedId]) await waitForFinal(svc.deps, id);
    for (const b of buyers)
      await waitFor(() => (mailsTo(b, /Booking confirmed/).length === 1 ? true : undefined), `${b.email} confirmation`);

    const first = new Date(Date.now() + 60 * 86_400_000);
    first.setUTCMilliseconds(0);
    const res = await events.api('PATCH', `/api/events/${event.event_id}`, {
      token: organizer.token,
      body: { event_date: first.toISOString() },
    });
    assert.equal(res.status, 200, res.text);
    for (const b of buyers)
      await waitFor(() => (mailsTo(b, /^New date:/).length === 1 ? true : undefined), `${b.email} reschedule email`, 60_000);
    const mail = mailsTo(buyers[0]!, /^New date:/)[0]!;
    assert.match(mail.parsed.text ?? '', new RegExp(`${event.name} has moved from`));
    assert.equal(mail.parsed.headers.get('x-notification-type'), 'event_rescheduled');

    // The bookings show the new start time; a redelivered change writes no second email.
    const { rows } = await svc.deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bookings WHERE event_id = $1 AND event_date = $2`,
      [event.event_id, first],
    );
    assert.equal(rows[0]!.n, 4);
    const written = async () =>
      (
        await svc.deps.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND value::jsonb->>'type' = 'event_rescheduled'
              AND value::jsonb->'booking_data'->>'booking_id' = ANY ($2::text[])`,
          [config.kafka.topics.notificationRequests, [...ids, failedId]],
        )
      ).rows[0]!.n;
    assert.equal(await written(), 3);

    // A second reschedule is a second email to each confirmed buyer.
    const second = new Date(first.getTime() + 86_400_000);
    const again = await events.api('PATCH', `/api/events/${event.event_id}`, {
      token: organizer.token,
      body: { event_date: second.toISOString() },
    });
    assert.equal(again.status, 200, again.text);
    for (const b of buyers)
      await waitFor(() => (mailsTo(b, /^New date:/).length === 2 ? true : undefined), `${b.email} second email`, 60_000);
    assert.equal(await written(), 6);
    assert.equal(mailsTo(declined, /^New date:/).length, 0, 'a failed booking is not emailed');
  });

  it('writes nothing twice when the same change is handled again (a redelivery)', async () => {
    const organizer = newUser(config);
    const event = await createEvent(events, organizer);
    const buyer = newUser(config, 'user', 'Eve');
    await waitForFinal(svc.deps, await buy(buyer, event.event_id, 'C3'));
    const input = {
      eventId: event.event_id,
      changeId: '4f0c7a52-8d0e-4a6e-9a55-3d9f4f4b2c11',
      eventDate: new Date(Date.now() + 90 * 86_400_000),
      previousEventDate: new Date(event.event_date),
      topic: `${config.kafka.clientId}.unpublished`,
    };
    assert.equal(await svc.deps.reschedules.reschedule(input), 1);
    assert.equal(await svc.deps.reschedules.reschedule(input), 0);
    assert.equal(await svc.deps.reschedules.reschedule({ ...input, changeId: '0b6f3c1e-2a7d-4e59-8c1b-5f2d9e7a4b30' }), 1);
    await svc.deps.db.query(`DELETE FROM outbox WHERE topic = $1`, [input.topic]);
  });
});
