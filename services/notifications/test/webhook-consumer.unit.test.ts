// The mapping from Kafka messages to webhook events (webhook-consumer.ts): which topic makes which
// type, what the event id is derived from, and that every `data` follows its contract's schema.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from '@ticketing/bus';
import { bookingCancellations, compile, ticketCheckIns, WEBHOOK_DATA_SCHEMAS, type ContractMessage } from '@ticketing/contracts';
import { createWebhookMapper, type WebhookTopics } from '../src/webhooks/webhook-consumer.ts';
import type { Directory } from '../src/webhooks/directory.client.ts';
import type { WebhookEventInput } from '../src/webhooks/webhook-intake.ts';

const topics: WebhookTopics = {
  notificationRequests: 'nr',
  eventChanges: 'ec',
  eventCancellations: 'ecx',
  bookingCancellations: 'bc',
  ticketCheckIns: 'tc',
};
// These messages carry their organization: the directory must not be asked.
const directory: Directory = {
  organizationOfEvent: () => Promise.reject(new Error('not asked')),
  ownersOf: () => Promise.reject(new Error('not asked')),
};
const toWebhookEvent = createWebhookMapper({ topics, directory });

function incoming(m: { topic: string; key: string; value: unknown; headers?: Record<string, string> }): IncomingMessage {
  const raw = JSON.stringify(m.value);
  return {
    topic: m.topic,
    key: m.key,
    raw,
    json: () => JSON.parse(raw),
    messageId: randomUUID(),
    headers: m.headers ?? {},
    partition: 0,
    offset: '0',
    attempt: 1,
  };
}

async function mapped(m: ContractMessage<unknown>): Promise<WebhookEventInput> {
  const e = await toWebhookEvent(incoming(m));
  assert.ok(e && e !== 'unknown_event', 'a webhook event');
  const schema = compile(WEBHOOK_DATA_SCHEMAS[e.type as keyof typeof WEBHOOK_DATA_SCHEMAS]);
  assert.deepEqual(schema.problems(e.data), [], `${e.type} data follows its schema`);
  return e;
}

const org = randomUUID();
const eventId = randomUUID();
const bookingId = randomUUID();

function cancellation(type: 'booking.cancelled' | 'booking.refunded') {
  return bookingCancellations.message({
    topic: 'bc',
    key: bookingId,
    value: {
      type,
      cancellation_id: randomUUID(),
      booking_id: bookingId,
      event_id: eventId,
      organization_id: org,
      user_id: randomUUID(),
      requested_by: randomUUID(),
      seats: ['A2'],
      remaining_seats: type === 'booking.cancelled' ? ['A1'] : [],
      status: type === 'booking.cancelled' ? 'confirmed' : 'cancelled',
      refund_amount: 22.5,
      fee_amount: 2.5,
      currency: 'EUR',
      timestamp: '2031-01-01T10:00:00.000Z',
    },
  });
}

describe('webhook mapping', () => {
  it('makes booking.cancelled and booking.refunded of booking-cancellations, one event per cancellation', async () => {
    const m = cancellation('booking.cancelled');
    const e = await mapped(m);
    assert.equal(e.type, 'booking.cancelled');
    assert.equal(e.organizationId, org);
    assert.equal(e.key, m.value.cancellation_id);
    assert.equal(e.occurredAt, m.value.timestamp);
    assert.deepEqual(e.data, {
      booking_id: bookingId,
      event_id: eventId,
      cancellation_id: m.value.cancellation_id,
      seats: ['A2'],
      remaining_seats: ['A1'],
      booking_status: 'confirmed',
      refund_amount: 22.5,
      fee_amount: 2.5,
      currency: 'EUR',
      cancelled_at: m.value.timestamp,
    });
    // A second cancellation of the same booking is another event.
    const later = await mapped(cancellation('booking.refunded'));
    assert.equal(later.type, 'booking.refunded');
    assert.notEqual(later.key, e.key);
  });

  it('makes ticket.checked_in of ticket-check-ins, keyed by the ticket, without the staff member', async () => {
    const ticketId = randomUUID();
    const m = ticketCheckIns.message({
      topic: 'tc',
      key: eventId,
      value: {
        type: 'ticket.checked_in',
        ticket_id: ticketId,
        event_id: eventId,
        organization_id: org,
        booking_id: bookingId,
        seat: 'A1',
        gate: 'North',
        checked_in_at: '2031-01-01T19:00:00.000Z',
        checked_in_by: randomUUID(),
        source: 'offline',
        timestamp: '2031-01-01T19:05:00.000Z',
      },
    });
    const e = await mapped(m);
    assert.deepEqual([e.type, e.key, e.organizationId, e.occurredAt], ['ticket.checked_in', ticketId, org, '2031-01-01T19:00:00.000Z']);
    assert.deepEqual(e.data, {
      ticket_id: ticketId,
      event_id: eventId,
      booking_id: bookingId,
      seat: 'A1',
      gate: 'North',
      checked_in_at: '2031-01-01T19:00:00.000Z',
      source: 'offline',
    });
  });

  it('refuses a message that breaks its contract (MalformedMessageError) and ignores other topics', async () => {
    const bad = incoming({ topic: 'tc', key: eventId, value: { type: 'ticket.checked_in', ticket_id: 'nope' }, headers: {} });
    await assert.rejects(toWebhookEvent(bad), { name: 'MalformedMessageError' });
    assert.equal(await toWebhookEvent(incoming({ topic: 'elsewhere', key: 'k', value: {} })), undefined);
  });
});
