import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { ApiError, call, messageOf } from '../../lib/api/call.ts';
import { formText } from '../../lib/form.ts';
import { formatDate, formatMoney } from '../../lib/format.ts';
import { Link, navigate } from '../../lib/router.tsx';
import { useAction } from '../../lib/use-api.ts';
import { ErrorMessage, Field, Spinner } from '../../components/ui.tsx';

type Progress = paths['/api/events/{id}/cancellation']['get']['responses'][200]['content']['application/json'];

/** How often the progress page asks again while refunds run. */
const POLL_MS = 1000;

export const cancellationPath = (eventId: string) => `/box-office/events/${eventId}/cancellation`;

/**
 * Cancel an event, in two steps: the button opens a confirmation that says what will happen
 * (no more sales, every buyer refunded and emailed), with an optional reason; only its own
 * button cancels. Then the progress page.
 */
export function CancelEventPanel({ eventId, eventName, cancelled }: { eventId: string; eventName: string; cancelled: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();
  if (cancelled) {
    return (
      <section aria-label="Cancellation">
        <p>
          This event is cancelled. <Link to={cancellationPath(eventId)}>See the refunds</Link>
        </p>
      </section>
    );
  }
  async function cancel(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const reason = formText(new FormData(e.currentTarget), 'reason').trim();
    await run(async () => {
      await call(api.POST('/api/events/{id}/cancel', { params: { path: { id: eventId } }, body: reason ? { reason } : {} }));
      navigate(cancellationPath(eventId));
    });
  }
  return (
    <section aria-labelledby="cancel-heading">
      <h2 id="cancel-heading">Cancel the event</h2>
      {!confirming ? (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Cancel event…
        </button>
      ) : (
        <form className="form" onSubmit={cancel} aria-label="Confirm the cancellation">
          <p role="alert">
            Cancel <strong>{eventName}</strong>? Sales stop at once, every hold is released, and every buyer is refunded in full and
            emailed. This cannot be undone.
          </p>
          <Field label="Reason (told to the buyers)">
            <textarea name="reason" rows={2} maxLength={500} />
          </Field>
          <ErrorMessage>{error}</ErrorMessage>
          <div className="pager">
            <button type="submit" className="danger" disabled={busy}>
              Yes, cancel the event and refund every buyer
            </button>
            <button type="button" onClick={() => setConfirming(false)} disabled={busy}>
              Keep the event
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** The refunds of a cancelled event, asked again every second until they are all done. */
export function CancellationProgress({ eventId, currency }: { eventId: string; currency: string }) {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const data = await call(api.GET('/api/events/{id}/cancellation', { params: { path: { id: eventId } } }));
        if (stopped) return;
        setProgress(data);
        setError('');
        if (data.status === 'completed') return;
      } catch (err) {
        if (stopped) return;
        // Not found yet is normal for a moment: the worker has not taken the cancellation up.
        if (!(err instanceof ApiError && err.code === 'cancellation_not_found')) setError(messageOf(err));
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [eventId]);

  if (!progress) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Starting the refunds…" />;
  const done = progress.status === 'completed';
  return (
    <section aria-label="Refunds">
      <p>
        Cancelled {formatDate(progress.cancelled_at)}
        {progress.reason ? ` · ${progress.reason}` : ''}
      </p>
      <p role="status" aria-live="polite">
        {done ? 'All refunds done: ' : 'Refunding: '}
        {progress.bookings_refunded.toLocaleString('en')} of {progress.bookings_total.toLocaleString('en')} bookings refunded,{' '}
        {formatMoney(progress.refunded_amount, currency)} returned.
      </p>
      <progress
        aria-label="Refund progress"
        max={Math.max(1, progress.bookings_total)}
        value={done ? Math.max(1, progress.bookings_total) : progress.bookings_refunded}
      >
        {progress.bookings_refunded} of {progress.bookings_total}
      </progress>
      <ErrorMessage>{error}</ErrorMessage>
      <p>
        <Link to={`/box-office/events/${eventId}`}>Back to the sales</Link>
      </p>
    </section>
  );
}
