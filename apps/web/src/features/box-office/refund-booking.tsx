import { useState } from 'react';
import { api } from '../../lib/api/client.ts';
import { call } from '../../lib/api/call.ts';
import { formatMoney } from '../../lib/format.ts';
import { useAction } from '../../lib/use-api.ts';
import { ErrorMessage, Notice } from '../../components/ui.tsx';
import type { SalesBooking } from './sales-report.tsx';

/** A booking the organizer may still refund: paid for, and not all of it given back yet. */
export const refundable = (b: SalesBooking): boolean =>
  (b.status === 'confirmed' || b.status === 'cancelled') && b.payment_status !== 'refunded' && b.amount_cents > 0;

/**
 * The organizer's "Refund…" action on a booking row (POST /api/booking/{id}/refund): a
 * confirmation that says what happens (everything not given back yet goes back to the buyer,
 * the seats go back on sale, the tickets stop being valid), then the result or the refusal as
 * a sentence. The server decides again (once per booking, owners and managers only).
 */
export function RefundBooking({ booking }: { booking: SalesBooking }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  const [done, setDone] = useState('');
  const who = booking.buyer_name || booking.buyer_email;

  async function refund() {
    await run(async () => {
      const data = await call(api.POST('/api/booking/{id}/refund', { params: { path: { id: booking.booking_id } } }));
      const amount = formatMoney(data.refunded_amount ?? data.refund_amount, booking.currency);
      setDone(
        data.status === 'completed'
          ? `Refunded ${amount} to ${who}.`
          : `The refund of ${formatMoney(data.refund_amount, booking.currency)} to ${who} is on its way.`,
      );
      setConfirming(false);
    });
  }

  if (done) return <Notice>{done}</Notice>;
  return (
    <div className="row-action">
      {!confirming ? (
        refundable(booking) ? (
          <button type="button" aria-label={`Refund the booking of ${who}`} onClick={() => setConfirming(true)}>
            Refund…
          </button>
        ) : null
      ) : (
        <div role="group" aria-label={`Confirm the refund to ${who}`}>
          <p>
            Refund {who} in full? Everything not given back yet is refunded, seats {booking.seats.join(', ')} go back on sale and the
            tickets stop being valid. This cannot be undone.
          </p>
          <button type="button" className="danger" disabled={busy} onClick={() => void refund()}>
            {busy ? 'Refunding…' : 'Yes, refund'}
          </button>{' '}
          <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
            Keep the booking
          </button>
        </div>
      )}
      <ErrorMessage>{error}</ErrorMessage>
    </div>
  );
}
