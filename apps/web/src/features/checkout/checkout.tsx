import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import { call } from '../../lib/api/call.ts';
import { formatCountdown, formatDate, formatMoney } from '../../lib/format.ts';
import { useAction, useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Spinner } from '../../components/ui.tsx';

/** The simulated gateway's test methods (docs/bookings.md): outcomes are deterministic. */
export const PAYMENT_METHODS = [
  { value: 'credit_card', label: 'Test card', explain: 'is charged and the booking is confirmed.' },
  { value: 'card_declined', label: 'Declined card', explain: 'is declined: the booking fails and the seats are released.' },
  {
    value: 'requires_action',
    label: '3-D Secure card',
    explain: 'needs your bank to confirm the payment: the booking waits for you (with Stripe, Stripe.js opens the check).',
  },
  { value: 'insufficient_funds', label: 'Card without funds', explain: 'is declined for insufficient funds.' },
  { value: 'transient_failure', label: 'Flaky gateway', explain: 'fails twice, then succeeds: the booking is confirmed a little later.' },
  { value: 'gateway_unavailable', label: 'Gateway down', explain: 'never answers: the booking fails after the retries.' },
] as const;

function useNow(active: boolean) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export interface CheckoutProps {
  holdId: string;
  onBooked: (bookingId: string) => void;
  onReleased: (eventId: string) => void;
}

export function Checkout({ holdId, onBooked, onReleased }: CheckoutProps) {
  const { data: hold, error: loadError } = useLoad(
    () => call(api.GET('/api/events/holds/{holdId}', { params: { path: { holdId } } })),
    [holdId],
  );
  const { busy, error: actionError, run } = useAction();
  const error = actionError || loadError;
  const [method, setMethod] = useState<string>(PAYMENT_METHODS[0].value);
  const now = useNow(hold?.status === 'active');

  const left = hold ? Date.parse(hold.expires_at) - now : 0;
  const expired = !!hold && (hold.status === 'expired' || (hold.status === 'active' && left <= 0));

  async function pay(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!hold) return;
    await run(async () => {
      const body = { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } };
      onBooked((await call(api.POST('/api/booking', { body }))).booking_id);
    });
  }

  async function release() {
    if (!hold) return;
    await run(async () => {
      await call(api.DELETE('/api/events/holds/{holdId}', { params: { path: { holdId } } }));
      onReleased(hold.event_id);
    });
  }

  if (!hold) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading your reservation…" />;
  return (
    <div className="checkout">
      <section aria-label="Your reservation" className="card">
        <h2>{hold.event_name}</h2>
        <p>
          {formatDate(hold.event_date)} · {hold.venue}
        </p>
        <p>
          Seats: <strong>{hold.seats.join(', ')}</strong>
        </p>
        <p>
          Total: <strong>{formatMoney(hold.total_price, hold.currency)}</strong>
        </p>
        {hold.status === 'active' && !expired ? (
          <p className="countdown" role="timer" aria-live="off" aria-label="Time left to pay">
            Seats held for you for <strong>{formatCountdown(left)}</strong>
          </p>
        ) : null}
      </section>
      {expired ? (
        <div role="alert" className="error">
          <p>Your hold expired and the seats were released. Please pick your seats again.</p>
          <button type="button" onClick={() => onReleased(hold.event_id)}>
            Back to the seat map
          </button>
        </div>
      ) : hold.status !== 'active' ? (
        <p role="alert" className="error">
          This reservation is {hold.status}: it can no longer be paid here.
        </p>
      ) : (
        <form onSubmit={pay} className="form" aria-label="Payment">
          <fieldset>
            <legend>Payment method</legend>
            <p className="hint">
              This is a test shop: no real money moves. Each method below makes the simulated payment gateway behave in a known way.
            </p>
            {PAYMENT_METHODS.map((m) => (
              <label key={m.value} className="radio">
                <input type="radio" name="method" value={m.value} checked={method === m.value} onChange={() => setMethod(m.value)} />
                <span>
                  <strong>{m.label}</strong> <span className="muted">({m.value})</span>: {m.explain}
                </span>
              </label>
            ))}
          </fieldset>
          <ErrorMessage>{error}</ErrorMessage>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Pay {formatMoney(hold.total_price, hold.currency)}
            </button>
            <button type="button" onClick={release} disabled={busy}>
              Release seats
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
