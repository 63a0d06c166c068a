import { randomUUID } from 'node:crypto';
import type { OutboxSignal } from '@ticketing/bus';
import { fromCents, notificationRequests, type NotificationRequest } from '@ticketing/contracts';
import type { TicketSigner } from '@ticketing/tickets';
import { activeTraceHeaders } from '@ticketing/telemetry';
import type { StatusPublisher } from '../stream/status-publisher.ts';
import { ticketsFor } from '../tickets/issue-tickets.ts';
import type { NewTicket } from '../tickets/tickets.repository.ts';
import type { BookingRow, BookingsRepository, FinalOutcome } from './bookings.repository.ts';

export interface FinishDeps {
  bookingsRepository: BookingsRepository;
  signal: OutboxSignal;
  status: StatusPublisher;
  notificationRequestsTopic: string;
  /** Signs the codes of the tickets a confirmation issues. */
  ticketSigner: TicketSigner;
  onFinished?: (row: BookingRow) => void;
}

type Snapshot = Pick<
  BookingRow,
  'id' | 'user_email' | 'user_name' | 'event_id' | 'event_name' | 'venue' | 'event_date' | 'seats' | 'total_cents' | 'currency'
>;

/** The `notification-requests` value of the contract for a booking's final outcome (a confirmation carries its tickets). */
export function notificationFor(booking: Snapshot, outcome: FinalOutcome, tickets: readonly NewTicket[] = []): NotificationRequest {
  return {
    type: outcome.status === 'confirmed' ? 'booking_confirmed' : 'booking_failed',
    recipient_email: booking.user_email,
    booking_data: {
      booking_id: booking.id,
      event_id: booking.event_id,
      event_name: booking.event_name,
      venue: booking.venue,
      event_date: booking.event_date.toISOString(),
      seats: booking.seats,
      total_amount: fromCents(booking.total_cents),
      currency: booking.currency,
      user_name: booking.user_name,
      // Optional extension of the contract: lets the failure email say exactly what happened to the money.
      payment_status: outcome.status === 'confirmed' ? 'captured' : outcome.paymentStatus,
      ...(outcome.status === 'failed' ? { reason: outcome.reason } : {}),
      // Optional extension: the tickets' signed codes, for the QR codes and the PDF of the email.
      ...(tickets.length > 0 ? { tickets: tickets.map((t) => ({ ticket_id: t.id, seat: t.seat, code: t.code })) } : {}),
    },
    timestamp: new Date().toISOString(),
  };
}

/**
 * Stores a booking's final outcome and its notification atomically (one statement), once: when
 * the booking is already final nothing is written and undefined is returned. A confirmation
 * issues the booking's tickets in that same statement. Subscribers are told after the commit.
 * `booking` gives the fields the notification needs (they never change after submit).
 */
export async function finishBooking(
  deps: FinishDeps,
  booking: Snapshot & Pick<BookingRow, 'traceparent'>,
  outcome: FinalOutcome,
): Promise<BookingRow | undefined> {
  const tickets = outcome.status === 'confirmed' ? ticketsFor(deps.ticketSigner, booking) : [];
  const row = await deps.bookingsRepository.finalizeWithOutbox(
    booking.id,
    outcome,
    {
      id: randomUUID(),
      ...notificationRequests.message({
        topic: deps.notificationRequestsTopic,
        key: booking.id,
        // The active span (the worker's message, a webhook's request) when traced, else the booking's trace.
        headers: { ...(booking.traceparent ? { traceparent: booking.traceparent } : {}), ...activeTraceHeaders() },
        value: notificationFor(booking, outcome, tickets),
      }),
    },
    tickets,
  );
  if (row) {
    deps.signal.notify();
    deps.status.publish(row);
    deps.onFinished?.(row);
  }
  return row;
}
