import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createKafkaBus, type IncomingMessage, type MessageBus } from '@ticketing/bus';
import { bookingRequests, notificationRequests, VERSION_HEADER } from '@ticketing/contracts';
import { testInfra, uniqueId } from '@ticketing/testing';
import type { BookingsConfig } from '../src/index.ts';
import { chargesFor, createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings, waitFor, type StartedBookings } from './helpers.ts';

// A rolling deploy: the API (producer) and the workers (consumer) run different versions for a
// while. The worker must read what the previous API version wrote: no version header.
let events: StartedEvents;
let api: StartedBookings;
let oldMessages: StartedBookings;
let config: Readonly<BookingsConfig>;
let bus: MessageBus;

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  // The API publishes to its topic, which no worker reads here.
  config = bookingsConfig({ events: { url: events.baseUrl } });
  api = await startBookings(config, { worker: false });
  // A worker (and its relay, for the notifications) reading another topic, where the test writes
  // what the previous version would have.
  const previousTopic = `${config.kafka.topics.bookingRequests}.previous`;
  oldMessages = await startBookings(
    bookingsConfig({
      events: { url: events.baseUrl },
      kafka: { topics: { bookingRequests: previousTopic }, workerGroup: uniqueId('previous-workers') },
    }),
  );
  bus = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('versions-test') });
});
after(async () => {
  await oldMessages.close();
  await api.close();
  await bus.close();
  await events.close();
});

/** Starts reading a topic now (a new group reads from the end), to find the message of a key later. */
async function tap(topic: string) {
  const received: IncomingMessage[] = [];
  await bus.ensureTopics([topic]);
  const sub = await bus.consume({ groupId: uniqueId('tap'), topics: [topic], handler: async (m) => void received.push(m) });
  return {
    find: (key: string) => waitFor(() => received.find((m) => m.key === key), `a message on ${topic} for ${key}`),
    close: () => sub.close(),
  };
}

describe('booking-requests versions (rolling deploy)', () => {
  it('publishes the current version, and the worker still processes a message of the previous one', async () => {
    const requests = await tap(config.kafka.topics.bookingRequests);
    const notifications = await tap(oldMessages.config.kafka.topics.notificationRequests);
    after(() => Promise.all([requests.close(), notifications.close()]));
    const user = newUser(config);
    const event = await createEvent(events, user);
    const hold = await holdSeats(events, user, event.event_id, ['A1']);
    const res = await api.api('POST', '/api/booking', {
      token: user.token,
      body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } },
    });
    assert.equal(res.status, 202, res.text);
    const bookingId = res.body.booking_id as string;

    const current = await requests.find(bookingId);
    assert.equal(current.headers[VERSION_HEADER], String(bookingRequests.version));
    const value = bookingRequests.decode(current);
    assert.equal(value.booking_id, bookingId);
    assert.equal(value.payment_info.amount, hold.total_price);

    // The same value as the previous API version wrote it: no version header.
    await bus
      .publisher()
      .publish([
        { topic: oldMessages.config.kafka.topics.bookingRequests, key: bookingId, value: JSON.parse(current.raw), messageId: randomUUID() },
      ]);
    const row = await waitForFinal(api.deps, bookingId);
    assert.equal(row.status, 'confirmed');
    assert.deepEqual(await chargesFor(api.deps, bookingId), { captured: 1, total: 1, refunded: 0 });

    const notification = await notifications.find(bookingId);
    assert.equal(notification.headers[VERSION_HEADER], String(notificationRequests.version));
    assert.equal(notificationRequests.decode(notification).booking_data.total_amount, hold.total_price);
  });
});
