import { useEffect, useState, type FormEvent } from 'react';
import { formatCountdown, formatMoney } from '../../lib/format.ts';
import { useAction } from '../../lib/use-api.ts';
import { ErrorMessage, Field, Notice, Spinner } from '../../components/ui.tsx';
import { declineOffer, joinWaitlist, leaveWaitlist, useMyWaitlist, type WaitlistEntry } from './api.ts';

/** Most seats one entry may wait for (the service's default `waitlist.maxQuantity`). */
const MAX_QUANTITY = 10;

/** The join form: how many seats together, and in which section (any by default). */
export function WaitlistJoin({ eventId, sections, onJoined }: { eventId: string; sections: readonly string[]; onJoined: () => void }) {
  const [quantity, setQuantity] = useState(1);
  const [section, setSection] = useState('');
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await run(() => joinWaitlist(eventId, quantity, section || undefined))) onJoined();
  }

  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Join the waiting list" className="inline-form">
      <Field label="Seats together">
        <select value={quantity} onChange={(e) => setQuantity(Number(e.target.value))}>
          {Array.from({ length: MAX_QUANTITY }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </Field>
      {sections.length > 1 ? (
        <Field label="Section">
          <select value={section} onChange={(e) => setSection(e.target.value)}>
            <option value="">Any section</option>
            {sections.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        Join the waiting list
      </button>
      <ErrorMessage>{error}</ErrorMessage>
    </form>
  );
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

const ENDED: Record<string, string> = {
  fulfilled: 'You bought the seats offered to you.',
  expired: 'Your offer ran out and the seats went to the next person. Join again to wait for more.',
  declined: 'You declined the offer.',
  left: 'You left the waiting list.',
};

function EntryCard({
  eventId,
  entry,
  onCheckout,
  onChanged,
}: {
  eventId: string;
  entry: WaitlistEntry;
  onCheckout: (holdId: string) => void;
  onChanged: () => void;
}) {
  const { error, run } = useAction();
  const offer = entry.offer;
  const now = useNow(!!offer);
  const left = offer ? Date.parse(offer.expires_at) - now : 0;
  const what = `${entry.quantity} seat${entry.quantity === 1 ? '' : 's'} together${entry.section ? ` in ${entry.section}` : ''}`;

  async function act(action: () => Promise<unknown>) {
    await run(action);
    onChanged();
  }

  if (entry.status !== 'waiting' && entry.status !== 'offered') {
    return (
      <li>
        <p className="muted">
          {what}: {ENDED[entry.status]}
        </p>
      </li>
    );
  }
  return (
    // The entry is the live region (it stays while its content changes): an offer that arrives is
    // announced; the countdown inside is a timer, which is not.
    <li aria-label={`Waiting list entry: ${what}`} aria-live="polite">
      {offer && left > 0 ? (
        <section aria-label="Your offer">
          <p>
            <strong>Seats came back for you:</strong> {offer.seats.join(', ')} ({formatMoney(offer.total_price, offer.currency)}).
          </p>
          <p>
            They are held for you for{' '}
            <strong role="timer" aria-live="off" data-testid="offer-countdown">
              {formatCountdown(left)}
            </strong>
            ; after that they go to the next person on the list.
          </p>
          <button type="button" className="primary" onClick={() => onCheckout(offer.hold_id)}>
            Continue to checkout
          </button>{' '}
          <button type="button" onClick={() => void act(() => declineOffer(eventId, entry.entry_id))}>
            Decline offer
          </button>
        </section>
      ) : offer ? (
        <p>Your offer ran out.</p>
      ) : (
        <p>
          Waiting for {what}. Your place on the waiting list: <strong data-testid="waitlist-position">{entry.position}</strong>
        </p>
      )}
      {!offer ? (
        <button type="button" onClick={() => void act(() => leaveWaitlist(eventId, entry.entry_id))}>
          Leave the waiting list
        </button>
      ) : null}
      <ErrorMessage>{error}</ErrorMessage>
    </li>
  );
}

/**
 * The buyer's waiting list for one event: places, live offers with their countdown and the way
 * to checkout, and the join form when they are not waiting.
 */
export function WaitlistView({
  eventId,
  sections,
  onCheckout,
}: {
  eventId: string;
  sections: readonly string[];
  onCheckout: (holdId: string) => void;
}) {
  const { entries, error, reload } = useMyWaitlist(eventId, true);
  if (error) return <ErrorMessage>{error}</ErrorMessage>;
  if (!entries) return <Spinner />;
  const open = entries.filter((e) => e.status === 'waiting' || e.status === 'offered');
  const latest = entries.filter((e) => !open.includes(e)).slice(0, 1);
  return (
    <section aria-label="Waiting list">
      {open.length === 0 ? (
        <>
          <p>Seats that come back (cancellations, reservations running out) are offered to the people on the waiting list, in order.</p>
          <WaitlistJoin eventId={eventId} sections={sections} onJoined={reload} />
        </>
      ) : open.some((e) => e.offer) ? null : (
        <Notice>You will get an email, and this page shows the offer, as soon as seats come back for you.</Notice>
      )}
      <ul className="plain-list">
        {[...open, ...latest].map((e) => (
          <EntryCard key={e.entry_id} eventId={eventId} entry={e} onCheckout={onCheckout} onChanged={reload} />
        ))}
      </ul>
    </section>
  );
}
