import { formText } from '../../lib/form.ts';
import { useState, type FormEvent } from 'react';
import { Link } from '../../lib/router.tsx';
import { formatDate, formatMoney } from '../../lib/format.ts';
import { useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Field, Spinner } from '../../components/ui.tsx';
import { listEvents, type EventItem, type EventQuery } from './api.ts';

const PAGE = 12;

export function EventsList({
  linkTo = (e: EventItem) => `/events/${e.event_id}`,
  extra,
}: {
  linkTo?: (e: EventItem) => string;
  extra?: EventQuery;
}) {
  const [query, setQuery] = useState<EventQuery>({ limit: PAGE, offset: 0, ...extra });
  const { data: result, error } = useLoad(() => listEvents(query), [query]);

  function search(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const q: EventQuery = { limit: PAGE, offset: 0, ...extra };
    for (const key of ['name', 'city', 'category', 'date_from', 'date_to'] as const) {
      const v = formText(f, key).trim();
      if (v) q[key] = v;
    }
    setQuery(q);
  }

  const offset = query.offset ?? 0;
  return (
    <section aria-label="Events">
      <form className="filters" onSubmit={search} role="search" aria-label="Search events">
        <Field label="Event name">
          <input name="name" type="search" />
        </Field>
        <Field label="City">
          <input name="city" />
        </Field>
        <Field label="Category">
          <input name="category" placeholder="concert, theatre…" />
        </Field>
        <Field label="From">
          <input name="date_from" type="date" />
        </Field>
        <Field label="To">
          <input name="date_to" type="date" />
        </Field>
        <button type="submit">Search</button>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      {!result && !error ? <Spinner label="Loading events…" /> : null}
      {result ? (
        <>
          <p className="muted" role="status">
            {result.pagination.total === 0
              ? 'No events match.'
              : `${result.pagination.total} event${result.pagination.total === 1 ? '' : 's'}`}
          </p>
          <ul className="cards">
            {result.events.map((e) => (
              <li key={e.event_id} className="card">
                <h2>
                  <Link to={linkTo(e)}>{e.name}</Link>
                </h2>
                <p>
                  {formatDate(e.event_date)} · {e.venue}, {e.city}
                </p>
                <p className="muted">
                  {e.category} · from {formatMoney(e.price_per_seat, e.currency)} · {e.available_seats} of {e.total_seats} seats left
                </p>
              </li>
            ))}
          </ul>
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={offset === 0} onClick={() => setQuery({ ...query, offset: Math.max(0, offset - PAGE) })}>
              Previous page
            </button>
            <button type="button" disabled={!result.pagination.has_more} onClick={() => setQuery({ ...query, offset: offset + PAGE })}>
              Next page
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}
