import { useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { call, messageOf } from '../../lib/api/call.ts';
import { describeError } from '../../lib/errors.ts';
import { formatDate, formatMoney } from '../../lib/format.ts';
import { useAction } from '../../lib/use-api.ts';
import { ErrorMessage } from '../../components/ui.tsx';
import { cancellationSummary } from './cancellation-summary.ts';

type Booking = paths['/api/booking/{id}']['get']['responses'][200]['content']['application/json'];
type Quote = paths['/api/booking/{id}/cancellation-quote']['get']['responses'][200]['content']['application/json'];

/**
 * Cancelling a confirmed booking, or some of its seats: the buyer picks the seats, sees the
 * event's policy, the fee and the refund (from the server's quote), and confirms. The server
 * decides again when it cancels; its answer is shown as it is.
 */
export function CancelBooking({ booking, onCancelled }: { booking: Booking; onCancelled: (summary: string) => void }) {
  const open = booking.seats.filter((s) => !booking.cancelled_seats.includes(s));
  const [chosen, setChosen] = useState<string[]>(open);
  const [quote, setQuote] = useState<Quote | null>(null);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, setError, run } = useAction();
  // After a partial cancellation the booking comes back with fewer seats: all of those are chosen again.
  useEffect(() => setChosen(open), [open.join(',')]);

  useEffect(() => {
    setQuote(null);
    setConfirming(false);
    if (chosen.length === 0) return;
    let live = true;
    call(
      api.GET('/api/booking/{id}/cancellation-quote', { params: { path: { id: booking.booking_id }, query: { seats: chosen.join(',') } } }),
    ).then(
      (data) => {
        if (!live) return;
        setQuote(data);
        setError('');
      },
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [booking.booking_id, chosen.join(',')]);

  const toggle = (seat: string) => setChosen((c) => (c.includes(seat) ? c.filter((s) => s !== seat) : [...c, seat].sort()));

  async function cancel() {
    await run(async () => {
      const data = await call(
        api.POST('/api/booking/{id}/cancel', { params: { path: { id: booking.booking_id } }, body: { seats: chosen } }),
      );
      setConfirming(false);
      // The booking page shows it (this panel goes when the whole booking is cancelled).
      onCancelled(cancellationSummary(data, booking.currency));
    });
  }

  const policy = quote?.policy;
  // The event's policy does not change with the seats chosen: once a quote told it, it stays
  // known while the next quote loads (the seat choice stays on screen, and its focus).
  const [policyRead, setPolicyRead] = useState<'unknown' | 'allows' | 'none'>('unknown');
  useEffect(() => {
    if (quote) setPolicyRead(quote.policy ? 'allows' : 'none');
  }, [quote]);
  // An event whose organizer allows no cancellation: a sentence, no seats to pick.
  if (policyRead === 'none' || (quote && !policy)) {
    return (
      <section className="cancel-booking" aria-labelledby="cancellation-heading">
        <h2 id="cancellation-heading">Cancellation</h2>
        <p>The organizer of this event does not allow cancellations.</p>
      </section>
    );
  }
  return (
    <section className="cancel-booking" aria-label="Cancel seats">
      <h2>Cancel seats</h2>
      {open.length > 0 && policyRead === 'unknown' && !error ? (
        <p className="muted">Reading the event’s cancellation policy…</p>
      ) : open.length > 0 ? (
        <>
          <fieldset className="seat-choice">
            <legend>Seats to cancel</legend>
            {open.map((seat) => (
              <label key={seat} className="check">
                <input type="checkbox" checked={chosen.includes(seat)} onChange={() => toggle(seat)} /> Seat {seat}
              </label>
            ))}
          </fieldset>
          {quote ? (
            <>
              {policy ? (
                <p>
                  {`Cancellation policy: allowed until ${policy.hours_before_start} hours before the start${
                    quote.deadline ? ` (${formatDate(quote.deadline)})` : ''
                  }, with a fee of ${policy.fee_percent}%.`}
                </p>
              ) : null}
              {quote.allowed ? (
                <dl className="facts" aria-label="Refund">
                  <dt>Seats</dt>
                  <dd>{quote.seats.join(', ')}</dd>
                  <dt>Price of these seats</dt>
                  <dd>{formatMoney(quote.seats_amount, quote.currency)}</dd>
                  <dt>Cancellation fee</dt>
                  <dd>{formatMoney(quote.fee_amount, quote.currency)}</dd>
                  <dt>Refund</dt>
                  <dd>{formatMoney(quote.refund_amount, quote.currency)}</dd>
                </dl>
              ) : policy && quote.refusal ? (
                <ErrorMessage>{describeError(quote.refusal)}</ErrorMessage>
              ) : null}
              {quote.allowed && !confirming ? (
                <button type="button" onClick={() => setConfirming(true)}>
                  {chosen.length === open.length
                    ? 'Cancel the whole booking…'
                    : `Cancel ${chosen.length} seat${chosen.length === 1 ? '' : 's'}…`}
                </button>
              ) : null}
              {quote.allowed && confirming ? (
                <div className="actions" role="group" aria-label="Confirm the cancellation">
                  <p>
                    Cancel {quote.seats.join(', ')} and get {formatMoney(quote.refund_amount, quote.currency)} back? This cannot be undone.
                  </p>
                  <button type="button" className="primary" disabled={busy} onClick={() => void cancel()}>
                    {busy ? 'Cancelling…' : 'Yes, cancel'}
                  </button>
                  <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
                    Keep my seats
                  </button>
                </div>
              ) : null}
            </>
          ) : chosen.length === 0 ? (
            <p>Choose the seats you want to cancel.</p>
          ) : null}
        </>
      ) : null}
      <ErrorMessage>{error}</ErrorMessage>
    </section>
  );
}
