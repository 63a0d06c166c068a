import { randomUUID } from 'node:crypto';
import type { TicketSigner } from '@ticketing/tickets';
import type { NewTicket } from './tickets.repository.ts';

/**
 * The tickets of a booking about to be confirmed: one per seat, each with its signed code. They
 * are written by the statement that confirms the booking (bookings.repository finalizeWithOutbox),
 * and only if that statement confirms it, so every confirmation path issues them exactly once.
 */
export function ticketsFor(signer: TicketSigner, booking: { id: string; event_id: string; seats: readonly string[] }): NewTicket[] {
  return booking.seats.map((seat) => {
    const id = randomUUID();
    return {
      id,
      booking_id: booking.id,
      event_id: booking.event_id,
      seat,
      code: signer.sign({ ticketId: id, eventId: booking.event_id, bookingId: booking.id, seat }),
    };
  });
}
