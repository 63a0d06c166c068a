import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';

export const EVENT_CHANGES = ['event.published', 'event.updated', 'event.rescheduled'] as const;
export type EventChangeKind = (typeof EVENT_CHANGES)[number];

/**
 * `event-changes` (key: event_id), event service → any consumer (bookings emails the buyers of a
 * rescheduled event; outgoing webhooks): one message per organizer change of an event, written
 * through the event service's outbox with the change (docs/events.md#lifecycle).
 */
export const EventChange = Type.Object({
  type: Type.Union(EVENT_CHANGES.map((c) => Type.Literal(c))),
  event_id: Uuid(),
  organization_id: Uuid(),
  name: Type.String({ maxLength: 1000 }),
  venue: Type.String({ maxLength: 1000 }),
  event_date: DateTime(),
  /** The start time before a reschedule; null for other changes. */
  previous_event_date: Type.Union([DateTime(), Type.Null()]),
  /** The fields an edit changed. */
  changed: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 }),
  actor_id: Uuid(),
  timestamp: DateTime(),
});
export type EventChange = Static<typeof EventChange>;

export const eventChanges = defineMessage({ name: 'event-changes', version: 1, schema: EventChange });
