// Issue 13, done-when: the confirmation email as received by a real SMTP server carries a PDF
// whose QR codes decode to the booking's ticket codes, and those codes verify with the public
// keys the booking service publishes. A real booking through the real path: events and bookings
// APIs, the booking worker, the outbox relay → Kafka → the notification worker → SMTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { issueUserToken } from '@ticketing/auth';
import {
  buildBookingsApp,
  createBookingsDeps,
  loadBookingsConfig,
  startBookingsWorker,
  startOutboxRelay,
} from '@ticketing/bookings-service';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import { startTestSmtpServer, type TestSmtpServer } from '@ticketing/mail/testing';
import { createNotificationsDeps, loadNotificationsConfig, startNotificationsWorker } from '@ticketing/notifications-service';
import { apiClient, listen, testInfra, uniqueEmail, uniqueId, type ApiRequest } from '@ticketing/testing';
import { createTicketVerifier } from '@ticketing/tickets';
import { ticketCodesInMail } from '@ticketing/tickets/testing';

const closers: (() => Promise<unknown>)[] = [];
let smtp: TestSmtpServer;
let events: ApiRequest;
let bookings: ApiRequest;
let jwt: ReturnType<typeof loadBookingsConfig>['jwt'];

before(async () => {
  const id = uniqueId('tickets-mail');
  const infra = {
    log: { level: 'silent' as const },
    database: { url: testInfra.databaseUrl },
    redis: { url: testInfra.redisUrl, keyPrefix: `${id}:` },
  };
  smtp = await startTestSmtpServer();
  closers.push(() => smtp.close());

  const eventsDeps = await createEventsDeps(loadEventsConfig({ ...infra, kafka: { enabled: false }, sweeperIntervalMs: 0 }, {}));
  const eventsApp = await buildEventsApp(eventsDeps);
  const eventsUrl = await listen(eventsApp);
  closers.push(async () => {
    await eventsApp.close();
    await eventsDeps.close();
  });

  const topics = { bookingRequests: `${id}.br`, notificationRequests: `${id}.nr` };
  const bookingsConfig = loadBookingsConfig(
    {
      ...infra,
      events: { url: eventsUrl },
      kafka: { brokers: testInfra.kafkaBrokers, clientId: id, topics, workerGroup: `${id}-workers`, partitions: 1 },
      payments: { latencyMs: 20 },
      outbox: { intervalMs: 100 },
      reconciler: { enabled: false },
    },
    {},
  );
  jwt = bookingsConfig.jwt;
  const bookingsDeps = await createBookingsDeps(bookingsConfig);
  const bookingsApp = await buildBookingsApp(bookingsDeps);
  const bookingsUrl = await listen(bookingsApp);
  const relay = startOutboxRelay(bookingsDeps);
  const worker = await startBookingsWorker(bookingsDeps);
  closers.push(async () => {
    await bookingsApp.close();
    await worker.close();
    await relay.close();
    await bookingsDeps.close();
  });

  const notificationsDeps = await createNotificationsDeps(
    loadNotificationsConfig(
      {
        ...infra,
        kafka: {
          brokers: testInfra.kafkaBrokers,
          topics: { notificationRequests: topics.notificationRequests, accountEmails: `${id}.ae` },
        },
        consumer: { groupId: `${id}-notifications` },
        smtp: { host: smtp.host, port: smtp.port },
        reminders: { enabled: false },
        // Not a webhook test: its worker stays out of the webhook consumer group.
        webhooks: { enabled: false },
      },
      {},
    ),
  );
  const notificationsWorker = await startNotificationsWorker(notificationsDeps);
  closers.push(async () => {
    await notificationsWorker?.close();
    await notificationsDeps.close();
  });

  events = apiClient(eventsUrl);
  bookings = apiClient(bookingsUrl);
});

after(async () => {
  for (const close of closers.reverse()) await close();
});

/** A buyer books `seats` of a new event and receives the confirmation email: what every ticket test starts from. */
async function bookAndReceive(seats: string[]) {
  const email = uniqueEmail('ticket-buyer');
  const { token } = issueUserToken({ userId: randomUUID(), email, role: 'user', name: 'Ada Lovelace' }, jwt);
  const event = await events('POST', '/api/events', {
    token,
    body: {
      name: `Ticket night ${uniqueId('ev')}`,
      venue: 'Arena Hall',
      city: 'Lisbon',
      category: 'concert',
      event_date: new Date(Date.now() + 30 * 86400_000).toISOString(),
      total_seats: 20,
      price_per_seat: 25,
      seats_per_row: 10,
    },
  });
  assert.equal(event.status, 201, event.text);
  const hold = await events('POST', `/api/events/${event.body.event_id}/hold`, { token, body: { seat_numbers: seats } });
  assert.equal(hold.status, 201, hold.text);
  const booking = await bookings('POST', '/api/booking', {
    token,
    body: { hold_id: hold.body.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.body.total_price } },
  });
  assert.equal(booking.status, 202, booking.text);
  const [mail] = await smtp.waitFor(email, 1, 60_000);
  return { token, eventId: event.body.event_id as string, bookingId: booking.body.booking_id as string, mail: mail! };
}

describe('the confirmation email', () => {
  it('carries a PDF whose QR codes decode to the booking’s tickets, which verify with the published public key', async () => {
    const { token, eventId, bookingId, mail } = await bookAndReceive(['A1', 'A2']);
    assert.match(mail.parsed.subject ?? '', /confirmed/i);

    const codes = await ticketCodesInMail(mail.parsed);
    assert.equal(codes.length, 2, 'one QR code per seat');

    // A gate verifies offline: only the public keys, fetched once.
    const keys = await bookings('GET', '/api/tickets/keys');
    const gate = createTicketVerifier(
      keys.body.keys.map((k: { kid: string; public_key: string }) => ({ kid: k.kid, publicKey: k.public_key })),
    );
    const verified = codes.map((code) => gate.verify(code));
    assert.deepEqual(
      verified.map((v) => v.ok && [v.ticket.eventId, v.ticket.bookingId, v.ticket.seat]),
      [
        [eventId, bookingId, 'A1'],
        [eventId, bookingId, 'A2'],
      ],
    );

    // They are the buyer's tickets, valid.
    const mine = await bookings('GET', `/api/bookings/${bookingId}/tickets`, { token });
    assert.deepEqual(
      mine.body.tickets.map((t: { code: string; status: string }) => [t.code, t.status]),
      codes.map((code) => [code, 'valid']),
    );

    // The HTML shows each QR code inline: mailparser swaps a cid: reference it resolves to an
    // attached image for that image's data, so a data: image here is a cid link that works.
    const inline = mail.parsed.attachments.filter((a) => a.contentType === 'image/png' && a.cid);
    assert.equal(inline.length, 2);
    const html = mail.parsed.html || '';
    for (const seat of ['A1', 'A2']) {
      assert.match(html, new RegExp(`<img src="data:image/png;base64,[^"]+"[^>]*alt="QR code of the ticket for seat ${seat}"`));
    }
  });
});
