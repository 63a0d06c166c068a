import { formatDate } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import type { Ticket } from './api.ts';
import { TicketQr } from './ticket-qr.tsx';

/** Tickets as cards: event, seat, status and, while the ticket is valid, its QR code. */
export function TicketList({ tickets, showEvent = true }: { tickets: Ticket[]; showEvent?: boolean }) {
  return (
    <ul className="tickets" aria-label="Tickets">
      {tickets.map((t) => (
        <li key={t.ticket_id} className="ticket">
          <article aria-label={`Ticket for seat ${t.seat}`}>
            {showEvent ? (
              <h2 className="ticket-event">
                <Link to={`/bookings/${t.booking_id}`}>{t.event.name}</Link>
              </h2>
            ) : null}
            <p className="ticket-seat">Seat {t.seat}</p>
            {showEvent ? (
              <p className="muted">
                {formatDate(t.event.event_date)} · {t.event.venue}
              </p>
            ) : null}
            <p>
              <span className={`badge badge-ticket-${t.status}`}>{t.status === 'valid' ? 'valid' : 'cancelled'}</span>
            </p>
            {t.status === 'valid' ? (
              <TicketQr code={t.code} label={`QR code of the ticket for seat ${t.seat}`} />
            ) : (
              <p className="muted">This ticket no longer admits anyone.</p>
            )}
          </article>
        </li>
      ))}
    </ul>
  );
}
