import { formText } from '../../lib/form.ts';
import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../lib/api/client.ts';
import { call } from '../../lib/api/call.ts';
import { formatDate, formatMoney } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { BOOKED, indexOf, sectionOf, type SeatModel } from '../../lib/seats/seat-model.ts';
import { useLiveSeats, type SeatChange } from '../../lib/seats/use-live-seats.ts';
import { useAction, useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Field, Spinner } from '../../components/ui.tsx';
import { BookingsTable, SectionSalesTable, useSalesSummary, type SalesBooking } from './sales-report.tsx';
import { newSection, SectionsEditor, type SectionDraft } from './sections-editor.tsx';

/** The organizer's own events (GET /api/events?created_by=<user id>). */
export function MyEvents({ userId }: { userId: string }) {
  const { data: list, error } = useLoad(
    () => call(api.GET('/api/events', { params: { query: { created_by: userId, limit: 100, offset: 0 } } })),
    [userId],
  );
  if (!list) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading your events…" />;
  if (list.events.length === 0) return <p>You have not created any events yet.</p>;
  return (
    <table className="table">
      <caption className="sr-only">Your events</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Date</th>
          <th scope="col">Seats left</th>
          <th scope="col">Price</th>
        </tr>
      </thead>
      <tbody>
        {list.events.map((e) => (
          <tr key={e.event_id}>
            <td>
              <Link to={`/box-office/events/${e.event_id}`}>{e.name}</Link>
            </td>
            <td>{formatDate(e.event_date)}</td>
            <td>
              {e.available_seats} of {e.total_seats}
            </td>
            <td>{formatMoney(e.price_per_seat, e.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function toIso(local: string): string {
  // <input type="datetime-local"> gives local time without a zone.
  return new Date(local).toISOString();
}

// Two-decimal currencies (the API accepts any such ISO 4217 code); the common ones are offered.
const CURRENCIES = [
  ['USD', 'US dollar'],
  ['EUR', 'euro'],
  ['GBP', 'pound sterling'],
  ['CHF', 'Swiss franc'],
  ['CAD', 'Canadian dollar'],
  ['AUD', 'Australian dollar'],
] as const;

/** Creates an event: in the caller's personal organization (published), or as a draft of `organizationId`. */
export function CreateEventForm({ onCreated, organizationId }: { onCreated: (eventId: string) => void; organizationId?: string }) {
  const { busy, error, setError, run } = useAction();
  const [sections, setSections] = useState<SectionDraft[]>(() => [newSection()]);
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => formText(f, k).trim();
    const num = (k: string) => Number(formText(f, k));
    const when = text('event_date');
    if (!when || Number.isNaN(Date.parse(when))) return setError('Please give the date and time of the event.');
    await run(async () => {
      const body = {
        name: text('name'),
        description: text('description'),
        venue: text('venue'),
        city: text('city'),
        category: text('category'),
        event_date: toIso(when),
        sections: sections.map((s) => ({ name: s.name.trim(), rows: s.rows, seats_per_row: s.seats_per_row, price: s.price })),
        currency: text('currency'),
        hold_ttl_seconds: num('hold_minutes') * 60,
        ...(organizationId ? { organization_id: organizationId, status: 'draft' as const } : {}),
      };
      onCreated((await call(api.POST('/api/events', { body }))).event_id);
    });
  }
  return (
    <form className="form" onSubmit={submit} aria-label="New event">
      <Field label="Name">
        <input name="name" required maxLength={200} />
      </Field>
      <Field label="Description">
        <textarea name="description" rows={3} maxLength={5000} />
      </Field>
      <Field label="Venue">
        <input name="venue" required maxLength={200} />
      </Field>
      <Field label="City">
        <input name="city" required maxLength={200} />
      </Field>
      <Field label="Category">
        <input name="category" required maxLength={200} placeholder="concert" />
      </Field>
      <Field label="Date and time">
        <input name="event_date" type="datetime-local" required />
      </Field>
      <SectionsEditor sections={sections} onChange={setSections} />
      <Field label="Currency">
        <select name="currency" defaultValue="USD">
          {CURRENCIES.map(([code, name]) => (
            <option key={code} value={code}>
              {code} ({name})
            </option>
          ))}
        </select>
      </Field>
      <Field label="Minutes a buyer may hold seats" hint="0.5 to 60">
        <input name="hold_minutes" type="number" min={0.5} max={60} step={0.5} defaultValue={15} required />
      </Field>
      <ErrorMessage>{error}</ErrorMessage>
      <button type="submit" className="primary" disabled={busy}>
        Create event
      </button>
    </form>
  );
}

/** Each section's booked seats at its price, summed in cents. */
function bookedRevenue(model: SeatModel): number {
  let cents = 0;
  for (const s of model.sections) {
    let booked = 0;
    for (let i = s.first_seat_no - 1; i < s.first_seat_no - 1 + s.seat_count; i++) if (model.status[i] === BOOKED) booked++;
    cents += booked * Math.round(s.price * 100);
  }
  return cents / 100;
}

function priceOfSeats(model: SeatModel, labels: string[]): number {
  return labels.reduce((c, l) => c + Math.round((sectionOf(model, indexOf(model, l) ?? -1)?.price ?? 0) * 100), 0) / 100;
}

interface Activity extends SeatChange {
  key: number;
}

/**
 * Live sales of one event: counts per section from the live seat map, revenue and bookings from
 * the sales report (fetched again, throttled, on every seat change), and the latest changes.
 * `bookingAction` renders actions on each booking row (the organizer's refund).
 */
export function SalesView({ eventId, bookingAction }: { eventId: string; bookingAction?: (booking: SalesBooking) => ReactNode }) {
  const { data: event, error } = useLoad(() => call(api.GET('/api/events/{id}', { params: { path: { id: eventId } } })), [eventId]);
  const [activity, setActivity] = useState<Activity[]>([]);
  // Bumped on every seat change: the report's lists are fetched again.
  const [tick, setTick] = useState(0);
  const { summary, error: reportError } = useSalesSummary(eventId, tick);
  const onChange = useCallback((c: SeatChange) => {
    setActivity((a) => [{ ...c, key: Date.now() + Math.random() }, ...a].slice(0, 25));
    setTick((t) => t + 1);
  }, []);
  const { model, live } = useLiveSeats(eventId, onChange);

  if (!event || !model) return error ? <ErrorMessage>{error}</ErrorMessage> : <Spinner label="Loading sales…" />;
  const [available, held, sold] = model.counts;
  // Money taken (confirmed bookings) once the report is in; until then the seats sold at their prices.
  const revenue = summary ? summary.revenue_cents / 100 : bookedRevenue(model);
  return (
    <section aria-label="Sales">
      <p>
        {formatDate(event.event_date)} · {event.venue}, {event.city} · <Link to={`/events/${event.event_id}`}>Shop page</Link>
      </p>
      <dl className="stats" aria-live="polite">
        <div>
          <dt>Sold</dt>
          <dd data-testid="sold">{sold.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd>{held.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Available</dt>
          <dd>{available.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Revenue</dt>
          <dd data-testid="revenue">{formatMoney(revenue, event.currency)}</dd>
        </div>
        {summary && summary.refunded_cents > 0 ? (
          <div>
            <dt>Refunded</dt>
            <dd>{formatMoney(summary.refunded_cents / 100, event.currency)}</dd>
          </div>
        ) : null}
      </dl>
      <p className={live ? 'live' : 'muted'}>{live ? '● Live' : 'Connecting…'}</p>
      <ErrorMessage>{reportError}</ErrorMessage>
      <h2>By section</h2>
      <SectionSalesTable model={model} currency={event.currency} />
      <h2>Recent activity</h2>
      {activity.length === 0 ? (
        <p className="muted">Nothing yet. Sales and holds appear here the moment they happen.</p>
      ) : (
        <ul className="activity" aria-label="Recent activity">
          {activity.map((a) => (
            <li key={a.key}>
              <time dateTime={a.at}>{new Date(a.at).toLocaleTimeString('en')}</time>{' '}
              {a.change === 'booked'
                ? `Sold ${a.seats.join(', ')} for ${formatMoney(priceOfSeats(model, a.seats), event.currency)}`
                : a.change === 'held'
                  ? `Held ${a.seats.join(', ')}`
                  : `Released ${a.seats.join(', ')}${a.change === 'expired' ? ' (hold expired)' : ''}`}
            </li>
          ))}
        </ul>
      )}
      <BookingsTable eventId={eventId} sections={model.sections.map((s) => s.name)} tick={tick} rowAction={bookingAction} />
    </section>
  );
}
