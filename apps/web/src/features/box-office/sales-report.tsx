import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { getToken } from '../../lib/auth-token.ts';
import { call, messageOf } from '../../lib/api/call.ts';
import { formText } from '../../lib/form.ts';
import { formatMoney } from '../../lib/format.ts';
import { AVAILABLE, BOOKED, HELD, type SeatModel } from '../../lib/seats/seat-model.ts';
import { ErrorMessage, Field } from '../../components/ui.tsx';

export type SalesSummary = paths['/api/events/{id}/sales']['get']['responses'][200]['content']['application/json'];
type BookingList = paths['/api/events/{id}/sales/bookings']['get']['responses'][200]['content']['application/json'];
export type SalesBooking = BookingList['bookings'][number];
type BookingsQuery = NonNullable<paths['/api/events/{id}/sales/bookings']['get']['parameters']['query']>;
export type BookingStatus = SalesBooking['status'];

const PAGE_SIZE = 25;
/** Refetches of the report while sales happen: at most one a second, however many changes arrive. */
const REFRESH_MS = 1000;

const STATUS_LABELS: Record<BookingStatus, string> = {
  processing: 'Paying',
  payment_action_required: 'Awaiting bank',
  confirmed: 'Confirmed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * Calls `load` now and again whenever `tick` changes, at most once every REFRESH_MS (the last
 * change is never dropped: a change during the pause loads once the pause is over).
 */
function useThrottledLoad(load: () => Promise<void>, tick: number): void {
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const wait = Math.max(0, last.current + REFRESH_MS - Date.now());
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      last.current = Date.now();
      void load();
    }, wait);
    return () => clearTimeout(timer.current);
  }, [load, tick]);
}

/** The event's sales summary (revenue, bookings by status), fetched again as seats change. */
export function useSalesSummary(eventId: string, tick: number) {
  const [summary, setSummary] = useState<SalesSummary | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    try {
      setSummary(await call(api.GET('/api/events/{id}/sales', { params: { path: { id: eventId } } })));
      setError('');
    } catch (err) {
      setError(messageOf(err));
    }
  }, [eventId]);
  useThrottledLoad(load, tick);
  return { summary, error };
}

/** Seats per section from the live seat map: exact the moment a change arrives. */
export function SectionSalesTable({ model, currency }: { model: SeatModel; currency: string }) {
  const rows = model.sections.map((s) => {
    const counts = [0, 0, 0];
    for (let i = s.first_seat_no - 1; i < s.first_seat_no - 1 + s.seat_count; i++) counts[model.status[i]!]!++;
    return { section: s, available: counts[AVAILABLE]!, held: counts[HELD]!, sold: counts[BOOKED]! };
  });
  return (
    <table className="table" aria-label="Sales by section">
      <thead>
        <tr>
          <th scope="col">Section</th>
          <th scope="col">Price</th>
          <th scope="col">Sold</th>
          <th scope="col">Held</th>
          <th scope="col">Available</th>
          <th scope="col">Sold value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.section.name}>
            <th scope="row">{r.section.name}</th>
            <td data-label="Price">{formatMoney(r.section.price, currency)}</td>
            <td data-label="Sold">{r.sold.toLocaleString('en')}</td>
            <td data-label="Held">{r.held.toLocaleString('en')}</td>
            <td data-label="Available">{r.available.toLocaleString('en')}</td>
            <td data-label="Sold value">{formatMoney((r.sold * Math.round(r.section.price * 100)) / 100, currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Downloads the filtered bookings as CSV (a link cannot carry the Authorization header). */
async function downloadCsv(eventId: string, query: Omit<BookingsQuery, 'limit' | 'offset'>): Promise<string> {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const res = await fetch(`/api/events/${encodeURIComponent(eventId)}/sales/bookings.csv?${params}`, {
    headers: { authorization: `Bearer ${getToken() ?? ''}` },
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { message?: string } | undefined;
    return body?.message ?? `The export failed (${res.status}).`;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `bookings-${eventId}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return '';
}

function toIso(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

/**
 * The organizer's bookings of an event with their buyers: filters, pages, CSV export. Fetched
 * again (throttled) whenever `tick` changes, i.e. on every seat change of the live stream.
 * `rowAction` renders per-booking actions (e.g. a refund button) in a last column.
 */
export function BookingsTable({
  eventId,
  sections,
  tick,
  rowAction,
}: {
  eventId: string;
  sections: readonly string[];
  tick: number;
  rowAction?: (booking: SalesBooking) => ReactNode;
}) {
  const [filters, setFilters] = useState<Omit<BookingsQuery, 'limit' | 'offset'>>({});
  const [offset, setOffset] = useState(0);
  const [list, setList] = useState<BookingList | null>(null);
  const [error, setError] = useState('');
  const [exportError, setExportError] = useState('');
  const load = useCallback(async () => {
    try {
      setList(
        await call(
          api.GET('/api/events/{id}/sales/bookings', {
            params: { path: { id: eventId }, query: { ...filters, limit: PAGE_SIZE, offset } },
          }),
        ),
      );
      setError('');
    } catch (err) {
      setError(messageOf(err));
    }
  }, [eventId, filters, offset]);
  useThrottledLoad(load, tick);

  function apply(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => formText(f, k).trim() || undefined;
    setFilters({
      status: text('status') as BookingStatus | undefined,
      section: text('section'),
      q: text('q'),
      from: toIso(formText(f, 'from')),
      to: toIso(formText(f, 'to')),
    });
    setOffset(0);
  }

  const total = list?.pagination.total ?? 0;
  return (
    <section aria-labelledby="bookings-heading">
      <h2 id="bookings-heading">Bookings</h2>
      <form className="filters" onSubmit={apply} aria-label="Filter bookings">
        <Field label="Status">
          <select name="status" defaultValue="">
            <option value="">Any</option>
            {Object.entries(STATUS_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Section">
          <select name="section" defaultValue="">
            <option value="">Any</option>
            {sections.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Buyer name or email">
          <input name="q" type="search" maxLength={200} />
        </Field>
        <Field label="Booked from">
          <input name="from" type="datetime-local" />
        </Field>
        <Field label="Booked before">
          <input name="to" type="datetime-local" />
        </Field>
        <button type="submit">Filter</button>
      </form>
      <p>
        <button
          type="button"
          onClick={() => void downloadCsv(eventId, filters).then(setExportError, (err: unknown) => setExportError(messageOf(err)))}
        >
          Download CSV
        </button>
      </p>
      <ErrorMessage>{exportError || error}</ErrorMessage>
      {!list ? null : list.bookings.length === 0 ? (
        <p className="muted">No bookings match.</p>
      ) : (
        <>
          <p aria-live="polite">
            {total === 1 ? '1 booking' : `${total.toLocaleString('en')} bookings`}
            {total > PAGE_SIZE ? `, ${offset + 1}–${offset + list.bookings.length} shown` : ''}
          </p>
          <table className="table" aria-label="Bookings">
            <thead>
              <tr>
                <th scope="col">Buyer</th>
                <th scope="col">Email</th>
                <th scope="col">Seats</th>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
                <th scope="col">Booked</th>
                {rowAction ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {list.bookings.map((b) => (
                <tr key={b.booking_id}>
                  <td data-label="Buyer">{b.buyer_name}</td>
                  <td data-label="Email">{b.buyer_email}</td>
                  <td data-label="Seats">
                    {b.seats.join(', ')}
                    {b.sections.length > 0 ? <span className="muted"> ({b.sections.join(', ')})</span> : null}
                  </td>
                  <td data-label="Amount">{formatMoney(b.amount_cents / 100, b.currency)}</td>
                  <td data-label="Status">{STATUS_LABELS[b.status]}</td>
                  <td data-label="Booked">
                    <time dateTime={b.booked_at}>{new Date(b.booked_at).toLocaleString('en')}</time>
                  </td>
                  {rowAction ? <td data-label="Actions">{rowAction(b)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
          {total > PAGE_SIZE ? (
            <nav className="pager" aria-label="Pages of bookings">
              <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
                Previous
              </button>
              <button type="button" disabled={!list.pagination.has_more} onClick={() => setOffset(offset + PAGE_SIZE)}>
                Next
              </button>
            </nav>
          ) : null}
        </>
      )}
    </section>
  );
}
