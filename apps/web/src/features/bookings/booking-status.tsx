import { useEffect, useRef, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { getToken } from '../../lib/auth-token.ts';
import { call, messageOf } from '../../lib/api/call.ts';
import { formatDate, formatMoney } from '../../lib/format.ts';
import { useEventSource } from '../../lib/use-event-source.ts';
import { ErrorMessage, Notice, Spinner } from '../../components/ui.tsx';
import { CancelBooking } from './cancel-booking.tsx';
import { PaymentActionPanel } from './payment-action.tsx';

type Booking = paths['/api/booking/{id}']['get']['responses'][200]['content']['application/json'];

const TEXT: Record<string, string> = {
  processing: 'Processing your payment…',
  payment_action_required: 'Your bank asks you to confirm this payment.',
  confirmed: 'Confirmed! Your seats are booked. A confirmation email is on its way.',
  failed: 'Payment failed: the booking was not made.',
  cancelled: 'Cancelled: its seats are back on sale and its tickets are no longer valid.',
};

const isFinal = (status: string) => status === 'confirmed' || status === 'failed' || status === 'cancelled';

/**
 * A booking's status, followed live from the booking stream until it is final; `onStatus` hears
 * every change, and each cancellation of seats (the page shows the tickets once confirmed, and
 * reloads them when seats are cancelled).
 */
export function BookingStatus({ bookingId, onStatus }: { bookingId: string; onStatus?: (status: string, cancelledSeats: number) => void }) {
  const [booking, setBooking] = useState<Booking | null>(null);
  const [status, setStatus] = useState<string>('processing');
  const [error, setError] = useState('');
  // The buyer's last cancellation, said in a sentence: kept when the whole booking is cancelled and the panel goes.
  const [cancelled, setCancelled] = useState('');
  const cancelledSeats = booking?.cancelled_seats.length ?? 0;
  useEffect(() => onStatus?.(status, cancelledSeats), [status, cancelledSeats]);

  // Answers can arrive out of order (the first read may come back after the stream's final
  // status and the read it triggered): an older answer never replaces a newer one, and a final
  // status is never replaced by an earlier one.
  const issued = useRef(0);
  const applied = useRef(0);
  const load = () => {
    const seq = ++issued.current;
    return call(api.GET('/api/booking/{id}', { params: { path: { id: bookingId } } })).then(
      (data) => {
        if (seq < applied.current) return;
        applied.current = seq;
        setBooking(data);
        setStatus((current) => (isFinal(current) && !isFinal(data.status) ? current : data.status));
      },
      (err: unknown) => {
        if (seq < applied.current) return;
        applied.current = seq;
        setError(messageOf(err));
      },
    );
  };
  useEffect(() => {
    void load();
  }, [bookingId]);

  const final = isFinal(status);
  const token = getToken();
  // EventSource cannot send headers: the stream takes the token as ?access_token=.
  useEventSource(
    final || !token ? null : `/api/booking/${encodeURIComponent(bookingId)}/stream?access_token=${encodeURIComponent(token)}`,
    {
      status: (data) => {
        const s = (data as { status: string }).status;
        setStatus((current) => (isFinal(current) ? current : s));
        // A final status, or a new step that needs the buyer (its details come with the booking).
        if (s === 'confirmed' || s === 'failed' || s === 'payment_action_required') void load();
      },
      complete: () => void load(),
    },
  );

  if (!booking) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading your booking…" />;
  return (
    <section className={`booking booking-${status}`} aria-label="Booking">
      <p className="status-line" role="status" aria-live="polite">
        <span className={`badge badge-${status}`}>{status === 'payment_action_required' ? 'action required' : status}</span>{' '}
        {TEXT[status] ?? status}
      </p>
      {status === 'payment_action_required' && booking.payment_action ? <PaymentActionPanel action={booking.payment_action} /> : null}
      {status === 'failed' && booking.error_message ? <p className="error">{sentence(booking.error_message)}</p> : null}
      {cancelled ? <Notice>{cancelled}</Notice> : null}
      <dl className="facts">
        <dt>Event</dt>
        <dd>{booking.event.name}</dd>
        <dt>When</dt>
        <dd>
          {formatDate(booking.event.event_date)} · {booking.event.venue}
        </dd>
        <dt>Seats</dt>
        <dd>{booking.seats.join(', ')}</dd>
        <dt>Total</dt>
        <dd>{formatMoney(booking.total_amount, booking.currency)}</dd>
        {booking.cancelled_seats.length > 0 ? (
          <>
            <dt>Cancelled seats</dt>
            <dd>{booking.cancelled_seats.join(', ')}</dd>
          </>
        ) : null}
        {booking.refunded_amount > 0 ? (
          <>
            <dt>Refunded</dt>
            <dd>{formatMoney(booking.refunded_amount, booking.currency)}</dd>
          </>
        ) : null}
        <dt>Booking number</dt>
        <dd>
          <code>{booking.booking_id}</code>
        </dd>
      </dl>
      {booking.status === 'confirmed' ? (
        <CancelBooking
          booking={booking}
          onCancelled={(summary) => {
            setCancelled(summary);
            void load();
          }}
        />
      ) : null}
    </section>
  );
}

function sentence(s: string) {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
