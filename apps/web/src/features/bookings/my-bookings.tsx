import { api } from '../../lib/api/client.ts';
import { call } from '../../lib/api/call.ts';
import { formatDate, formatMoney } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Spinner } from '../../components/ui.tsx';

export function MyBookings() {
  const { data: list, error } = useLoad(() => call(api.GET('/api/bookings', { params: { query: { limit: 50, offset: 0 } } })), []);
  if (!list) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading your bookings…" />;
  if (list.bookings.length === 0)
    return (
      <p>
        You have no bookings yet. <Link to="/">Find an event</Link>.
      </p>
    );
  return (
    <table className="table">
      <caption className="sr-only">Your bookings</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Date</th>
          <th scope="col">Seats</th>
          <th scope="col">Total</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {list.bookings.map((b) => (
          <tr key={b.booking_id}>
            <td>
              <Link to={`/bookings/${b.booking_id}`}>{b.event_name}</Link>
            </td>
            <td>{formatDate(b.event_date)}</td>
            <td>{b.seats.join(', ')}</td>
            <td>{formatMoney(b.total_amount, b.currency)}</td>
            <td>
              <span className={`badge badge-${b.status}`}>{b.status}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
