import { formatDate, formatMoney } from '../../lib/format.ts';
import type { EventItem } from './api.ts';

export function EventDetails({ event }: { event: EventItem }) {
  return (
    <div className="event-details">
      <p>
        <strong>{formatDate(event.event_date)}</strong> · {event.venue}, {event.city} · {event.category}
      </p>
      {event.description ? <p>{event.description}</p> : null}
      <p>
        {formatMoney(event.price_per_seat, event.currency)} per seat · {event.total_seats.toLocaleString('en')} seats
      </p>
    </div>
  );
}
