// Outgoing webhooks for organizers (docs/webhooks.md) over real HTTP, PostgreSQL and Kafka: the
// endpoints API, signed deliveries of booking outcomes read from Kafka, retries until a flaky
// receiver takes them, disabling an endpoint that keeps failing (its owners emailed through the
// test SMTP server), the delivery log, test events and replays; and a real booking's check-in,
// cancellation and refund made through the booking service reaching a receiver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createKafkaBus, type MessageBus } from '@ticketing/bus';
import { verifyWebhookSignature } from '@ticketing/auth';
import { compile, notificationRequests, WEBHOOK_DATA_SCHEMAS } from '@ticketing/contracts';
import { testInfra, uniqueId, uniqueEmail, waitFor } from '@ticketing/testing';
import { startReceiver, startWebhookPlatform, type WebhookPlatform } from './support/webhooks.ts';

// Deliveries go through Kafka and a worker: on a loaded machine they take a while.
const PATIENCE_MS = 60_000;

function bookingConfirmed(eventId: string, bookingId = randomUUID()) {
  return {
    type: 'booking_confirmed' as const,
    recipient_email: uniqueEmail('buyer'),
    booking_data: {
      booking_id: bookingId,
      event_id: eventId,
      event_name: 'Webhook Night',
      venue: 'Hook Hall',
      event_date: '2031-03-01T19:00:00.000Z',
      seats: ['A1', 'A2'],
      total_amount: 50,
      currency: 'EUR',
      user_name: 'Ada Lovelace',
    },
    timestamp: new Date().toISOString(),
  };
}

describe('outgoing webhooks', () => {
  let platform: WebhookPlatform;
  let producer: MessageBus;

  before(async () => {
    platform = await startWebhookPlatform({ webhooks: { disableAfterFailures: 4 } }, { bookings: true });
    producer = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: uniqueId('webhooks-test') });
  });
  after(async () => {
    await producer?.close();
    await platform?.close();
  });

  async function publishBooking(value: ReturnType<typeof bookingConfirmed>) {
    await producer
      .publisher()
      .publish([
        notificationRequests.message({ topic: platform.topic, key: value.booking_data.booking_id, value, messageId: randomUUID() }),
      ]);
  }

  /**
   * The endpoint's delivery rows by status, once none is pending: the receiver has its answer a
   * moment before the dispatcher records it.
   */
  async function finalDeliveries(endpointId: string, n: number) {
    return waitFor(
      async () => {
        const { rows } = await platform.deps.db.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status ORDER BY status`,
          [endpointId],
        );
        return rows.some((r) => r.status === 'pending') || rows.reduce((sum, r) => sum + r.n, 0) < n ? undefined : rows;
      },
      'the delivery rows final',
      PATIENCE_MS,
    );
  }

  async function endpoint(token: string, organizationId: string, url: string, eventTypes = ['booking.confirmed']) {
    const res = await platform.api('POST', '/api/webhooks/endpoints', {
      token,
      body: { organization_id: organizationId, url, event_types: eventTypes, description: 'test receiver' },
    });
    assert.equal(res.status, 201, res.text);
    return res.body as { endpoint_id: string; secret: string; secret_hint: string };
  }

  it('registers an endpoint for a member organization only, and shows the secret once', async () => {
    const owner = await platform.organizer();
    const outsider = await platform.organizer('Otto');
    const created = await endpoint(owner.token, owner.userId, 'http://127.0.0.1:9/hooks');
    assert.match(created.secret, /^whsec_/);
    const got = await platform.api('GET', `/api/webhooks/endpoints/${created.endpoint_id}`, { token: owner.token });
    assert.equal(got.status, 200);
    assert.equal(got.body.secret, undefined);
    assert.equal(got.body.secret_hint, created.secret.slice(0, 10) + '…');
    const list = await platform.api('GET', `/api/webhooks/endpoints?organization_id=${owner.userId}`, { token: owner.token });
    assert.deepEqual(
      list.body.endpoints.map((e: { endpoint_id: string }) => e.endpoint_id),
      [created.endpoint_id],
    );
    // Another organization's endpoint does not exist for an outsider, nor can they register one there.
    assert.equal((await platform.api('GET', `/api/webhooks/endpoints/${created.endpoint_id}`, { token: outsider.token })).status, 404);
    const foreign = await platform.api('POST', '/api/webhooks/endpoints', {
      token: outsider.token,
      body: { organization_id: owner.userId, url: 'http://127.0.0.1:9/x', event_types: ['booking.confirmed'] },
    });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error, 'organization_not_found');
    const bad = await platform.api('POST', '/api/webhooks/endpoints', {
      token: owner.token,
      body: { organization_id: owner.userId, url: 'http://127.0.0.1:9/x', event_types: ['booking.exploded'] },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'validation_failed');
  });

  it('delivers every booking.confirmed exactly once after dedup by event id to a receiver that fails its first 3 deliveries', async () => {
    const owner = await platform.organizer();
    const { event_id: eventId } = await platform.event(owner.token);
    const receiver = await startReceiver((n) => (n <= 3 ? 500 : 200));
    try {
      const { endpoint_id: endpointId, secret } = await endpoint(owner.token, owner.userId, receiver.url);
      const bookings = Array.from({ length: 5 }, () => bookingConfirmed(eventId));
      for (const b of bookings) await publishBooking(b);
      // A redelivered copy (a new message id) must not make a second event.
      await publishBooking(bookings[0]!);

      const delivered = await waitFor(
        () => {
          const byId = receiver.succeeded();
          return byId.size === 5 ? byId : undefined;
        },
        'five delivered events',
        PATIENCE_MS,
      );
      const bodies = [...delivered.values()].map((copies) => JSON.parse(copies[0]!));
      assert.deepEqual(new Set(bodies.map((b) => b.data.booking_id)), new Set(bookings.map((b) => b.booking_data.booking_id)));
      for (const b of bodies) {
        assert.equal(b.type, 'booking.confirmed');
        assert.equal(b.organization_id, owner.userId);
        assert.equal(b.data.event_id, eventId);
        assert.equal(b.data.currency, 'EUR');
      }
      // Every request was signed with the endpoint's secret over the exact body, and retries kept the id and body.
      for (const r of receiver.received) {
        const verdict = verifyWebhookSignature(r.headers['ticketing-signature'] as string, r.body, secret);
        assert.equal(verdict.ok, true, JSON.stringify(verdict));
        const body = JSON.parse(r.body);
        assert.equal(r.headers['ticketing-event-id'], body.id);
        assert.ok(delivered.has(body.id), `retried body ${body.id} is one of the delivered events`);
      }
      assert.equal(receiver.received.filter((r) => r.status >= 300).length, 3);

      assert.deepEqual(await finalDeliveries(endpointId, 5), [{ status: 'delivered', n: 5 }]);
      const log = await platform.api('GET', `/api/webhooks/endpoints/${endpointId}/deliveries`, { token: owner.token });
      assert.equal(log.status, 200);
      assert.equal(log.body.pagination.total, 5);
      const failedOnce = log.body.deliveries.find((d: { attempts: number }) => d.attempts > 1);
      assert.ok(failedOnce, 'some delivery needed a retry');
      const detail = await platform.api('GET', `/api/webhooks/deliveries/${failedOnce.delivery_id}`, { token: owner.token });
      assert.equal(detail.status, 200);
      assert.equal(detail.body.attempts_log[0].succeeded, true);
      assert.equal(detail.body.attempts_log.at(-1).status_code, 500);
    } finally {
      await receiver.close();
    }
  });

  it('disables an endpoint that keeps failing, emails its organization’s owners, and sends what waited once enabled again', async () => {
    const owner = await platform.organizer('Olivia');
    const org = await platform.usersApi('POST', '/api/organizations', { token: owner.token, body: { name: uniqueId('Hooks Inc') } });
    assert.equal(org.status, 201, org.text);
    const orgId = org.body.organization_id as string;
    const refreshed = await platform.usersApi('POST', '/api/users/token', { token: owner.token });
    const token = refreshed.body.access_token as string;
    let healthy = false;
    const receiver = await startReceiver(() => (healthy ? 204 : 503));
    try {
      const { endpoint_id: endpointId, secret } = await endpoint(token, orgId, receiver.url);
      const test = await platform.api('POST', `/api/webhooks/endpoints/${endpointId}/test`, { token });
      assert.equal(test.status, 202, test.text);
      assert.equal(test.body.event_type, 'webhook.test');

      const disabled = await waitFor(
        async () => {
          const e = await platform.api('GET', `/api/webhooks/endpoints/${endpointId}`, { token });
          return e.body.enabled === false ? e.body : undefined;
        },
        'the endpoint disabled',
        PATIENCE_MS,
      );
      assert.match(disabled.disabled_reason, /4 failed attempts in a row/);
      const mail = await waitFor(
        () => platform.smtp.received.find((m) => m.envelopeTo.includes(owner.email.toLowerCase())),
        'the owners’ email',
        PATIENCE_MS,
      );
      assert.equal(mail.parsed.subject, 'A webhook endpoint of your organization was disabled');
      assert.match(mail.parsed.text ?? '', new RegExp(receiver.url.replaceAll('/', '\\/').replaceAll('.', '\\.')));
      const attemptsWhenDisabled = receiver.received.length;
      assert.equal(attemptsWhenDisabled, 4);

      // Disabled: no test events or replays, and nothing is attempted.
      assert.equal(
        (await platform.api('POST', `/api/webhooks/endpoints/${endpointId}/test`, { token })).body.error,
        'webhook_endpoint_disabled',
      );
      assert.equal(
        (await platform.api('POST', `/api/webhooks/deliveries/${test.body.delivery_id}/replay`, { token })).body.error,
        'webhook_endpoint_disabled',
      );

      healthy = true;
      const enabled = await platform.api('PATCH', `/api/webhooks/endpoints/${endpointId}`, { token, body: { enabled: true } });
      assert.equal(enabled.status, 200, enabled.text);
      assert.equal(enabled.body.consecutive_failures, 0);
      const ok = await waitFor(() => receiver.received.find((r) => r.status === 204), 'the waiting test event delivered', PATIENCE_MS);
      assert.equal(JSON.parse(ok.body).id, test.body.event_id);
      assert.equal(verifyWebhookSignature(ok.headers['ticketing-signature'] as string, ok.body, secret).ok, true);

      // A replay sends the same event id and body again.
      const replay = await platform.api('POST', `/api/webhooks/deliveries/${test.body.delivery_id}/replay`, { token });
      assert.equal(replay.status, 202, replay.text);
      await waitFor(() => (receiver.received.filter((r) => r.status === 204).length === 2 ? true : undefined), 'the replay', PATIENCE_MS);
      const [first, second] = receiver.received.filter((r) => r.status === 204);
      assert.equal(second!.body, first!.body);
    } finally {
      await receiver.close();
    }
  });

  it('announces a real check-in, a buyer’s cancellation and an organizer’s refund, signed, with the contracts’ data', async () => {
    const owner = await platform.organizer();
    const buyer = await platform.organizer('Bea');
    const bookingsApi = platform.bookingsApi!;
    const { event_id: eventId } = await platform.event(owner.token, {
      cancellation_policy: { hours_before_start: 24, fee_percent: 10 },
    });
    const receiver = await startReceiver(() => 200);
    try {
      // booking.confirmed is not asked for: only the three types below may arrive.
      const { endpoint_id: endpointId, secret } = await endpoint(owner.token, owner.userId, receiver.url, [
        'booking.cancelled',
        'booking.refunded',
        'ticket.checked_in',
      ]);

      async function book(seats: string[]) {
        const hold = await platform.eventsApi('POST', `/api/events/${eventId}/hold`, { token: buyer.token, body: { seat_numbers: seats } });
        assert.equal(hold.status, 201, hold.text);
        const res = await bookingsApi('POST', '/api/booking', {
          token: buyer.token,
          body: { hold_id: hold.body.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.body.total_price } },
        });
        assert.equal(res.status, 202, res.text);
        const bookingId = res.body.booking_id as string;
        // Tickets are issued with the confirmation.
        const tickets = await waitFor(
          async () => {
            const t = await bookingsApi('GET', `/api/bookings/${bookingId}/tickets`, { token: buyer.token });
            return t.status === 200 && t.body.tickets.length === seats.length
              ? (t.body.tickets as { ticket_id: string; seat: string; code: string }[])
              : undefined;
          },
          `booking ${bookingId} confirmed with its tickets`,
          PATIENCE_MS,
        );
        return { bookingId, tickets };
      }

      const first = await book(['A1', 'A2', 'A3']);
      const second = await book(['B1', 'B2']);
      const scan = await bookingsApi('POST', `/api/events/${eventId}/check-ins`, {
        token: owner.token,
        body: { code: first.tickets.find((t) => t.seat === 'A1')!.code, gate: 'North' },
      });
      assert.equal(scan.status, 200, scan.text);
      assert.equal(scan.body.result, 'valid');
      const cancel = await bookingsApi('POST', `/api/booking/${first.bookingId}/cancel`, { token: buyer.token, body: { seats: ['A2'] } });
      assert.equal(cancel.status, 200, cancel.text);
      const refund = await bookingsApi('POST', `/api/booking/${second.bookingId}/refund`, { token: owner.token });
      assert.equal(refund.status, 200, refund.text);

      const delivered = await waitFor(
        () => {
          const byId = receiver.succeeded();
          return byId.size === 3 ? byId : undefined;
        },
        'three delivered events',
        PATIENCE_MS,
      );
      const bodies = [...delivered.values()].map((copies) => JSON.parse(copies[0]!));
      for (const b of bodies) {
        assert.equal(b.organization_id, owner.userId);
        const data = compile(WEBHOOK_DATA_SCHEMAS[b.type as keyof typeof WEBHOOK_DATA_SCHEMAS]);
        assert.deepEqual(data.problems(b.data), [], `${b.type} data follows its contract`);
      }
      const byType = new Map(bodies.map((b) => [b.type as string, b]));
      assert.deepEqual([...byType.keys()].sort(), ['booking.cancelled', 'booking.refunded', 'ticket.checked_in']);
      const { ticket_id: ticketId, checked_in_at: checkedInAt, ...checkIn } = byType.get('ticket.checked_in').data;
      assert.deepEqual(checkIn, { event_id: eventId, booking_id: first.bookingId, seat: 'A1', gate: 'North', source: 'online' });
      assert.equal(ticketId, first.tickets.find((t) => t.seat === 'A1')!.ticket_id);
      assert.equal(checkedInAt, scan.body.admission.at);
      const cancelled = byType.get('booking.cancelled').data;
      assert.deepEqual(
        [cancelled.booking_id, cancelled.event_id, cancelled.seats, cancelled.remaining_seats, cancelled.booking_status],
        [first.bookingId, eventId, ['A2'], ['A1', 'A3'], 'confirmed'],
      );
      assert.deepEqual([cancelled.refund_amount, cancelled.fee_amount], [22.5, 2.5]);
      const refunded = byType.get('booking.refunded').data;
      assert.deepEqual(
        [refunded.booking_id, refunded.seats, refunded.remaining_seats, refunded.booking_status, refunded.refund_amount],
        [second.bookingId, ['B1', 'B2'], [], 'cancelled', 50],
      );
      for (const r of receiver.received) {
        assert.equal(verifyWebhookSignature(r.headers['ticketing-signature'] as string, r.body, secret).ok, true);
        assert.equal(r.headers['ticketing-event-type'], JSON.parse(r.body).type);
      }
      assert.deepEqual(await finalDeliveries(endpointId, 3), [{ status: 'delivered', n: 3 }]);
    } finally {
      await receiver.close();
    }
  });

  it('signs with both secrets while a rotated one overlaps, and with the new one only after', async () => {
    const owner = await platform.organizer();
    const receiver = await startReceiver(() => 200);
    try {
      const { endpoint_id: endpointId, secret: oldSecret } = await endpoint(owner.token, owner.userId, receiver.url);
      const rotated = await platform.api('POST', `/api/webhooks/endpoints/${endpointId}/rotate-secret`, {
        token: owner.token,
        body: { overlap_seconds: 3600 },
      });
      assert.equal(rotated.status, 200, rotated.text);
      const newSecret = rotated.body.secret as string;
      assert.notEqual(newSecret, oldSecret);
      await platform.api('POST', `/api/webhooks/endpoints/${endpointId}/test`, { token: owner.token });
      const overlap = await waitFor(() => receiver.received[0], 'a delivery during the overlap', PATIENCE_MS);
      const header = overlap.headers['ticketing-signature'] as string;
      assert.equal(header.match(/v1=/g)?.length, 2);
      assert.equal(verifyWebhookSignature(header, overlap.body, oldSecret).ok, true);
      assert.equal(verifyWebhookSignature(header, overlap.body, newSecret).ok, true);

      await platform.api('POST', `/api/webhooks/endpoints/${endpointId}/rotate-secret`, {
        token: owner.token,
        body: { overlap_seconds: 0 },
      });
      const latest = (await platform.api('GET', `/api/webhooks/endpoints/${endpointId}`, { token: owner.token })).body;
      await platform.api('POST', `/api/webhooks/endpoints/${endpointId}/test`, { token: owner.token });
      const after = await waitFor(() => receiver.received[1], 'a delivery after the overlap', PATIENCE_MS);
      const afterHeader = after.headers['ticketing-signature'] as string;
      assert.equal(afterHeader.match(/v1=/g)?.length, 1);
      assert.equal(verifyWebhookSignature(afterHeader, after.body, newSecret).ok, false, 'the replaced secret no longer signs');
      assert.equal(latest.previous_secret_expires_at !== null, true);
    } finally {
      await receiver.close();
    }
  });
});
