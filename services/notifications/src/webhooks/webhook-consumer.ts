import type { IncomingMessage } from '@ticketing/bus';
import {
  bookingCancellations,
  eventCancellations,
  eventChanges,
  MalformedMessageError,
  notificationRequests,
  ticketCheckIns,
  type NotificationRequest,
  type TicketCheckedIn,
  type WebhookBookingCancellationData,
  type WebhookBookingData,
  type WebhookTicketCheckedInData,
} from '@ticketing/contracts';
import type { Logger } from '@ticketing/http';
import type { Directory } from './directory.client.ts';
import type { WebhookEventInput, WebhookIntake } from './webhook-intake.ts';

export interface WebhookTopics {
  notificationRequests: string;
  eventChanges: string;
  eventCancellations: string;
  bookingCancellations: string;
  ticketCheckIns: string;
}

/** The topics of a webhook topic set, to subscribe to. */
export function webhookTopicList(t: WebhookTopics): string[] {
  return [t.notificationRequests, t.eventChanges, t.eventCancellations, t.bookingCancellations, t.ticketCheckIns];
}

const BOOKING_TYPES: Partial<Record<NotificationRequest['type'], string>> = {
  booking_confirmed: 'booking.confirmed',
  booking_failed: 'booking.failed',
};

function bookingData(n: NotificationRequest, eventId: string): WebhookBookingData {
  const b = n.booking_data;
  return {
    booking_id: b.booking_id,
    event_id: eventId,
    event_name: b.event_name,
    venue: b.venue,
    event_date: b.event_date,
    seats: b.seats,
    total_amount: b.total_amount,
    ...(b.currency ? { currency: b.currency } : {}),
    buyer_name: b.user_name,
    buyer_email: n.recipient_email,
    ...(b.reason ? { reason: b.reason } : {}),
  };
}

/** The webhook event of a ticket's admission (bench/webhooks sends the same). */
export function ticketCheckedInEvent(c: TicketCheckedIn): WebhookEventInput {
  const data: WebhookTicketCheckedInData = {
    ticket_id: c.ticket_id,
    event_id: c.event_id,
    booking_id: c.booking_id,
    seat: c.seat,
    gate: c.gate,
    checked_in_at: c.checked_in_at,
    source: c.source,
  };
  // The bookings service sends one message per ticket (its first admission): the ticket is the key.
  return { type: 'ticket.checked_in', key: c.ticket_id, organizationId: c.organization_id, occurredAt: c.checked_in_at, data };
}

/**
 * Turns the messages of the topics webhooks are made from into webhook events (docs/webhooks.md
 * "Where events come from"); undefined for a message no webhook is made of. The organization of
 * a booking or an event cancellation is asked of the event service (remembered per event).
 */
export function createWebhookMapper(deps: { topics: WebhookTopics; directory: Directory }) {
  const { topics, directory } = deps;
  return async function toWebhookEvent(message: IncomingMessage): Promise<WebhookEventInput | 'unknown_event' | undefined> {
    if (message.topic === topics.notificationRequests) {
      const n = notificationRequests.decode(message);
      const type = BOOKING_TYPES[n.type];
      const eventId = n.booking_data.event_id;
      if (!type || !eventId) return undefined;
      const organizationId = await directory.organizationOfEvent(eventId);
      if (!organizationId) return 'unknown_event';
      return {
        type,
        key: n.booking_data.booking_id,
        organizationId,
        occurredAt: n.timestamp ?? new Date().toISOString(),
        data: bookingData(n, eventId),
      };
    }
    if (message.topic === topics.eventChanges) {
      const c = eventChanges.decode(message);
      if (c.type !== 'event.published') return undefined;
      return {
        type: 'event.published',
        key: c.event_id,
        organizationId: c.organization_id,
        occurredAt: c.timestamp,
        data: { event_id: c.event_id, name: c.name, venue: c.venue, event_date: c.event_date },
      };
    }
    if (message.topic === topics.eventCancellations) {
      const c = eventCancellations.decode(message);
      const organizationId = await directory.organizationOfEvent(c.event_id);
      if (!organizationId) return 'unknown_event';
      return {
        type: 'event.cancelled',
        key: c.event_id,
        organizationId,
        occurredAt: c.cancelled_at,
        data: { event_id: c.event_id, cancelled_at: c.cancelled_at, reason: c.reason },
      };
    }
    if (message.topic === topics.bookingCancellations) {
      // Carries its event's organization (written by the bookings service with the refund): no lookup.
      const c = bookingCancellations.decode(message);
      const data: WebhookBookingCancellationData = {
        booking_id: c.booking_id,
        event_id: c.event_id,
        cancellation_id: c.cancellation_id,
        seats: c.seats,
        remaining_seats: c.remaining_seats,
        booking_status: c.status,
        refund_amount: c.refund_amount,
        fee_amount: c.fee_amount,
        currency: c.currency,
        cancelled_at: c.timestamp,
      };
      // One event per cancellation: a booking cancelled seat by seat announces each step.
      return { type: c.type, key: c.cancellation_id, organizationId: c.organization_id, occurredAt: c.timestamp, data };
    }
    if (message.topic === topics.ticketCheckIns) return ticketCheckedInEvent(ticketCheckIns.decode(message));
    return undefined;
  };
}

/**
 * The handler of the webhook consumer group: map, then record the event and its deliveries (one
 * short transaction; the HTTP attempts happen later in the dispatcher, so a slow receiver never
 * holds a partition). A message this group cannot read is skipped, not dead-lettered: the topic's
 * own consumer (the emails, the refunds) dead-letters it, and one copy there is enough.
 * Transient failures (the event service, the database) throw, and the bus retries.
 */
export function createWebhookHandler(deps: { topics: WebhookTopics; directory: Directory; intake: WebhookIntake; logger: Logger }) {
  const toWebhookEvent = createWebhookMapper(deps);
  return async function handleWebhookSource(message: IncomingMessage): Promise<void> {
    let event;
    try {
      event = await toWebhookEvent(message);
    } catch (err) {
      if (!(err instanceof MalformedMessageError)) throw err;
      deps.logger.warn(
        { topic: message.topic, message_id: message.messageId, err: err.message },
        'message unreadable for webhooks; skipped',
      );
      return;
    }
    if (event === undefined) return;
    if (event === 'unknown_event') {
      deps.logger.warn(
        { topic: message.topic, message_id: message.messageId },
        'webhook source names an event the event service does not know; skipped',
      );
      return;
    }
    const recorded = await deps.intake.record(event);
    if (recorded.deliveries > 0)
      deps.logger.debug({ event_id: recorded.eventId, type: event.type, deliveries: recorded.deliveries }, 'webhook deliveries queued');
  };
}
