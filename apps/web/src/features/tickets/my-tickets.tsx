import { ErrorMessage, Spinner } from '../../components/ui.tsx';
import { Link } from '../../lib/router.tsx';
import { useBookingTickets, useMyTickets } from './api.ts';
import { TicketList } from './ticket-list.tsx';

/** Every ticket of the signed-in buyer, with QR codes to show at the entrance. */
export function MyTickets() {
  const { tickets, error } = useMyTickets();
  if (!tickets) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading your tickets…" />;
  if (tickets.length === 0)
    return (
      <p>
        You have no tickets yet: they appear here once a booking is confirmed. <Link to="/">Find an event</Link>.
      </p>
    );
  return (
    <>
      <p>Show the QR code of each ticket at the entrance, on your phone or printed. The confirmation email carries them too, as a PDF.</p>
      <TicketList tickets={tickets} />
    </>
  );
}

/** The tickets of one booking (none until it is confirmed); reloaded when `version` changes. */
export function BookingTickets({ bookingId, version }: { bookingId: string; version: string }) {
  const { tickets, error } = useBookingTickets(bookingId, version);
  if (error) return <ErrorMessage>{error}</ErrorMessage>;
  if (!tickets || tickets.length === 0) return null;
  return (
    <section aria-labelledby="booking-tickets">
      <h2 id="booking-tickets">Your tickets</h2>
      <TicketList tickets={tickets} showEvent={false} />
    </section>
  );
}
