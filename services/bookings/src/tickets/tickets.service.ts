import type { UserClaims } from '@ticketing/auth';
import { isUuid } from '@ticketing/http';
import type { TicketVerifier } from '@ticketing/tickets';
import type { BookingsRepository } from '../bookings/bookings.repository.ts';
import { errors } from '../errors.ts';
import type { BookingTickets, TicketKeys, TicketList, TicketListQuery, TicketView } from './tickets.schemas.ts';
import type { BuyerTicketRow, TicketsRepository } from './tickets.repository.ts';

export function toTicketView(row: BuyerTicketRow): TicketView {
  return {
    ticket_id: row.id,
    booking_id: row.booking_id,
    seat: row.seat,
    status: row.status,
    code: row.code,
    event: { event_id: row.event_id, name: row.event_name, venue: row.venue, event_date: row.event_date.toISOString() },
    issued_at: row.issued_at.toISOString(),
    ...(row.cancelled_at ? { cancelled_at: row.cancelled_at.toISOString() } : {}),
  };
}

export function createTicketsService(deps: {
  tickets: TicketsRepository;
  bookingsRepository: BookingsRepository;
  verifier: TicketVerifier;
}) {
  return {
    /** A booking's tickets. Only its buyer sees them (a code admits its holder): anyone else, admins too, gets a 404. */
    async forBooking(user: UserClaims, bookingId: string): Promise<BookingTickets> {
      if (!isUuid(bookingId)) throw errors.bookingNotFound();
      const booking = await deps.bookingsRepository.findById(bookingId.toLowerCase());
      if (!booking || booking.user_id !== user.user_id) throw errors.bookingNotFound();
      return { booking_id: booking.id, tickets: (await deps.tickets.listForBooking(booking.id)).map(toTicketView) };
    },

    async mine(user: UserClaims, query: TicketListQuery): Promise<TicketList> {
      const { rows, total } = await deps.tickets.listForUser(user.user_id, query);
      return {
        tickets: rows.map(toTicketView),
        pagination: { total, limit: query.limit, offset: query.offset, has_more: query.offset + rows.length < total },
      };
    },

    keys(): TicketKeys {
      return { keys: deps.verifier.keys.map((k) => ({ kid: k.kid, alg: 'Ed25519' as const, public_key: k.publicKey })) };
    },
  };
}

export type TicketsService = ReturnType<typeof createTicketsService>;
