import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';

/**
 * `ticket-check-ins` (key: event_id), bookings service via its outbox, written in the statement
 * that admits the ticket → any consumer (outgoing webhooks map it to `ticket.checked_in`).
 * Exactly one message per ticket: when it is admitted for the first time. An offline scan
 * uploaded later that moves the admission to an earlier time or another gate
 * (docs/checkin.md#offline-gates) does not send a second one.
 */
export const TicketCheckedIn = Type.Object({
  type: Type.Literal('ticket.checked_in'),
  ticket_id: Uuid(),
  event_id: Uuid(),
  organization_id: Uuid(),
  booking_id: Uuid(),
  seat: Type.String({ minLength: 1, maxLength: 64 }),
  gate: Type.String({ minLength: 1, maxLength: 64 }),
  /** When the gate scanned the ticket (the gate's clock for an offline scan). */
  checked_in_at: DateTime(),
  /** The staff member whose token scanned it. */
  checked_in_by: Uuid(),
  source: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  /** When the bookings service recorded it. */
  timestamp: DateTime(),
});
export type TicketCheckedIn = Static<typeof TicketCheckedIn>;

/** Version 1. */
export const ticketCheckIns = defineMessage({ name: 'ticket-check-ins', version: 1, schema: TicketCheckedIn });
