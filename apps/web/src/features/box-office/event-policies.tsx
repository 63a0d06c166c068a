import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { call } from '../../lib/api/call.ts';
import { formText } from '../../lib/form.ts';
import { useAction } from '../../lib/use-api.ts';
import { ErrorMessage, Field, Notice } from '../../components/ui.tsx';

type EventItem = paths['/api/events/{id}']['get']['responses'][200]['content']['application/json'];
type Policy = NonNullable<EventItem['cancellation_policy']>;

/** What the policy means for a buyer, as a sentence. */
export function describePolicy(policy: Policy | null): string {
  if (!policy) return 'Buyers cannot cancel their bookings.';
  const until = policy.hours_before_start === 0 ? 'until the event starts' : `until ${policy.hours_before_start} hours before the start`;
  const fee = policy.fee_percent === 0 ? 'without a fee' : `with a fee of ${policy.fee_percent}%`;
  return `Buyers may cancel ${until}, ${fee}.`;
}

type EventPatch = NonNullable<paths['/api/events/{id}']['patch']['requestBody']>['content']['application/json'];

/**
 * One setting of an event saved on its own (PATCH /api/events/{id}), so the event's other
 * details are not sent again: the event as saved, busy, the error or the notice to show.
 */
function useEventSetting(event: EventItem, saved: (event: EventItem) => string, onSaved?: (event: EventItem) => void) {
  const [current, setCurrent] = useState(event);
  const { busy, error, run } = useAction();
  const [notice, setNotice] = useState('');
  async function patch(body: EventPatch) {
    setNotice('');
    await run(async () => {
      const data = await call(api.PATCH('/api/events/{id}', { params: { path: { id: current.event_id } }, body }));
      setCurrent(data);
      setNotice(`Saved. ${saved(data)}`);
      onSaved?.(data);
    });
  }
  return { current, busy, error, notice, patch };
}

/**
 * The organizer's settings for after the sale (PATCH /api/events/{id}, docs/refunds.md): whether
 * buyers may cancel, until how many hours before the start and for what fee. Saved on their own,
 * so the event's other details are not sent again.
 */
export function EventPolicies({ event, onSaved }: { event: EventItem; onSaved?: (event: EventItem) => void }) {
  const [allowed, setAllowed] = useState(event.cancellation_policy !== null);
  const { current, busy, error, notice, patch } = useEventSetting(event, (e) => describePolicy(e.cancellation_policy), onSaved);
  const policy = current.cancellation_policy;

  async function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => Number(formText(f, k));
    await patch({
      cancellation_policy: allowed ? { hours_before_start: num('hours_before_start'), fee_percent: num('fee_percent') } : null,
    });
  }

  return (
    <section aria-labelledby="policies-heading">
      <h2 id="policies-heading">Cancellations</h2>
      <p>{describePolicy(policy)}</p>
      <form className="form" onSubmit={save} aria-label="Cancellation policy">
        <label className="check">
          <input type="checkbox" name="allowed" checked={allowed} onChange={(e) => setAllowed(e.target.checked)} /> Buyers may cancel their
          bookings
        </label>
        {allowed ? (
          <>
            <Field label="Cancellation deadline (hours before the start)" hint="0 to 8760; 0: until the event starts">
              <input
                name="hours_before_start"
                type="number"
                min={0}
                max={8760}
                step={1}
                required
                defaultValue={policy?.hours_before_start ?? 48}
              />
            </Field>
            <Field label="Cancellation fee (%)" hint="0 to 100, kept from the price of the cancelled seats">
              <input name="fee_percent" type="number" min={0} max={100} step={0.01} required defaultValue={policy?.fee_percent ?? 0} />
            </Field>
          </>
        ) : null}
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save cancellation policy'}
        </button>
      </form>
      {notice ? <Notice>{notice}</Notice> : null}
    </section>
  );
}

/** How long a waiting-list offer holds its seats, as a sentence. */
export function describeOfferTime(seconds: number | null): string {
  if (seconds === null) return 'A waiting-list offer holds its seats for the platform’s default time.';
  const minutes = seconds / 60;
  return `A waiting-list offer holds its seats for ${minutes === 1 ? '1 minute' : `${Number(minutes.toFixed(2))} minutes`}.`;
}

/**
 * How long a waiting-list offer holds its seats for the buyer it goes to (PATCH /api/events/{id}
 * `waitlist_offer_ttl_seconds`, docs/waiting-list.md), in minutes; empty: the platform's default.
 * An edit applies to the next offer.
 */
export function WaitlistOfferTime({ event }: { event: EventItem }) {
  const { current, busy, error, notice, patch } = useEventSetting(event, (e) => describeOfferTime(e.waitlist_offer_ttl_seconds));
  const seconds = current.waitlist_offer_ttl_seconds;

  async function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const minutes = formText(new FormData(e.currentTarget), 'offer_minutes').trim();
    await patch({ waitlist_offer_ttl_seconds: minutes === '' ? null : Math.round(Number(minutes) * 60) });
  }

  return (
    <section aria-labelledby="offer-time-heading">
      <h2 id="offer-time-heading">Waiting list</h2>
      <p>{describeOfferTime(seconds)}</p>
      <form className="form" onSubmit={save} aria-label="Waiting-list offer time">
        <Field label="Offer time (minutes)" hint="1 to 1440; empty: the platform’s default. Applies to the next offer">
          <input name="offer_minutes" type="number" min={1} max={1440} step="any" defaultValue={seconds === null ? '' : seconds / 60} />
        </Field>
        <ErrorMessage>{error}</ErrorMessage>
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save offer time'}
        </button>
      </form>
      {notice ? <Notice>{notice}</Notice> : null}
    </section>
  );
}
