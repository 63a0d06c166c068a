import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';

/**
 * `event-cancellations` (key: event_id), event service via its outbox (written in the
 * transaction that cancels the event) → the bookings worker, which refunds every confirmed
 * booking of the event once and emails each buyer (docs/bookings.md, "Event cancellation").
 * `owner_id` is the event's owner: the bookings service shows the progress to them.
 */
export const EventCancellation = Type.Object({
  event_id: Uuid(),
  owner_id: Uuid(),
  cancelled_by: Uuid(),
  cancelled_at: DateTime(),
  reason: Type.String({ maxLength: 1000 }),
});
export type EventCancellation = Static<typeof EventCancellation>;

/** Version 1. */
export const eventCancellations = defineMessage({ name: 'event-cancellations', version: 1, schema: EventCancellation });
