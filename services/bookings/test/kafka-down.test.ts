import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKafkaBus } from '@ticketing/bus';
import { uniqueId } from '@ticketing/testing';
import { createBookingsDeps, startBookingsWorker, startOutboxRelay, type BookingsConfig } from '../src/index.ts';
import { assertInvariants, chargesFor, createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, newUser, startBookings, type StartedBookings } from './helpers.ts';

let events: StartedEvents;
let config: Readonly<BookingsConfig>;

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  config = bookingsConfig({ events: { url: events.baseUrl }, outbox: { maxBackoffMs: 300 } });
});
after(async () => events.close());

describe('Kafka unreachable when bookings are submitted', () => {
  it('still accepts them (202), and they complete once Kafka is back', { timeout: 120_000 }, async () => {
    // The API's bus points at a port where no broker listens; its relay keeps failing.
    const deadBus = createKafkaBus({ brokers: ['127.0.0.1:1'], clientId: uniqueId('dead') });
    const svc: StartedBookings = await startBookings(config, { worker: false, given: { bus: deadBus } });
    const holdIds: string[] = [];
    const bookingIds: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const user = newUser(config);
        const event = await createEvent(events, user);
        const hold = await holdSeats(events, user, event.event_id, ['A1']);
        const res = await svc.api('POST', '/api/booking', {
          token: user.token,
          body: { hold_id: hold.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.total_price } },
        });
        assert.equal(res.status, 202, res.text);
        holdIds.push(hold.hold_id);
        bookingIds.push(res.body.booking_id);
      }
      const health = await svc.api('GET', '/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'degraded');
      assert.equal(health.body.checks.kafka, 'down');
      assert.equal(health.body.checks.postgres, 'up');
      const pending = await svc.deps.db.query('SELECT id FROM outbox WHERE key = ANY($1::text[]) AND published_at IS NULL', [bookingIds]);
      assert.equal(pending.rowCount, 3);

      // Kafka "returns": a relay and a worker with a working broker, on the same database.
      const recovered = await createBookingsDeps(config);
      const relay = startOutboxRelay(recovered);
      const worker = await startBookingsWorker(recovered).catch(async (err: unknown) => {
        await relay.close();
        await recovered.close();
        throw err;
      });
      try {
        for (const id of bookingIds) {
          const row = await waitForFinal(recovered, id, 60_000);
          assert.equal(row.status, 'confirmed');
          assert.deepEqual(await chargesFor(recovered, id), { captured: 1, total: 1, refunded: 0 });
        }
        assert.deepEqual(await assertInvariants(recovered, holdIds), {
          bookingsPerHoldOverOne: 0,
          capturesPerBookingOverOne: 0,
          notFinal: 0,
          confirmedWithoutPayment: 0,
          failedKeepingMoney: 0,
        });
      } finally {
        await worker.close();
        await relay.close();
        await recovered.close();
      }
    } finally {
      await svc.close();
      await deadBus.close();
    }
  });
});
