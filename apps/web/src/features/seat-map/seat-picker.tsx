import { useCallback, useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import { admissionFor, clearAdmission } from '../../lib/admission.ts';
import { ApiError, call } from '../../lib/api/call.ts';
import { useAction } from '../../lib/use-api.ts';
import { formatMoney } from '../../lib/format.ts';
import { ErrorMessage, Spinner } from '../../components/ui.tsx';
import { COLORS, SeatCanvas } from './seat-canvas.tsx';
import { AVAILABLE, indexOf, rowLabel, sectionOf, type SeatModel, type SeatStatus } from '../../lib/seats/seat-model.ts';
import { useLiveSeats } from '../../lib/seats/use-live-seats.ts';

const MAX_SEATS = 10;

export interface SeatPickerProps {
  eventId: string;
  /** ISO 4217 code of the prices. */
  currency?: string;
  loggedIn: boolean;
  onNeedLogin: () => void;
  onHeld: (holdId: string) => void;
}

/** Pick seats on the live map and hold them; refusals offer the nearby seats the API suggests. */
export function SeatPicker({ eventId, currency, loggedIn, onNeedLogin, onHeld }: SeatPickerProps) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [cursor, setCursor] = useState(-1);
  const { busy, error, setError, run } = useAction();
  const [lost, setLost] = useState<string[]>([]);
  const [alternatives, setAlternatives] = useState<string[]>([]);

  const onChange = useCallback((c: { status: SeatStatus }, changed: string[]) => {
    if (c.status === 'available') return;
    setSelected((sel) => {
      const taken = changed.filter((s) => sel.has(s));
      if (taken.length > 0) setLost((l) => [...new Set([...l, ...taken])]);
      return sel;
    });
  }, []);
  const { model, version, error: loadError, live } = useLiveSeats(eventId, onChange);

  const toggle = useCallback(
    (label: string) => {
      if (!model) return;
      const i = indexOf(model, label);
      if (i === undefined) {
        setError(`There is no seat ${label} at this event.`);
        return;
      }
      setError('');
      setSelected((sel) => {
        const next = new Set(sel);
        if (next.has(label)) {
          next.delete(label);
          setLost((l) => l.filter((s) => s !== label));
        } else if (model.status[i] !== AVAILABLE) {
          setError(`Seat ${label} is not available.`);
        } else if (next.size >= MAX_SEATS) {
          setError(`You can hold at most ${MAX_SEATS} seats at once.`);
        } else {
          next.add(label);
        }
        return next;
      });
    },
    [model],
  );

  function goToSeat(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const input = e.currentTarget.elements.namedItem('seat') as HTMLInputElement;
    const label = input.value.trim().toUpperCase();
    if (!label || !model) return;
    const i = indexOf(model, label);
    if (i !== undefined) setCursor(i);
    toggle(label);
    input.value = '';
  }

  async function hold() {
    if (!loggedIn) return onNeedLogin();
    setAlternatives([]);
    const admission = admissionFor(eventId);
    await run(async () => {
      try {
        const data = await call(
          api.POST('/api/events/{id}/hold', {
            params: { path: { id: eventId }, header: admission ? { 'admission-token': admission } : {} },
            body: { seat_numbers: [...selected] },
          }),
        );
        // One hold per admission: the token is spent.
        clearAdmission(eventId);
        onHeld(data.hold_id);
      } catch (err) {
        const details = (err instanceof ApiError ? err.details : undefined) as
          { unavailable_seats?: string[]; available_alternatives?: string[] } | undefined;
        if (details?.unavailable_seats) setLost(details.unavailable_seats);
        if (details?.available_alternatives) setAlternatives(details.available_alternatives);
        throw err;
      }
    });
  }

  /** Best available: the server picks `quantity` adjacent seats in the best free row. */
  async function holdBest(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!loggedIn) return onNeedLogin();
    const quantity = Number((e.currentTarget.elements.namedItem('quantity') as HTMLSelectElement).value);
    setAlternatives([]);
    await run(async () => {
      try {
        onHeld((await call(api.POST('/api/events/{id}/hold', { params: { path: { id: eventId } }, body: { quantity } }))).hold_id);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && err.code === 'seats_unavailable')
          throw new Error(`There are no ${quantity} seats together any more. Try fewer, or pick seats on the map.`);
        throw err;
      }
    });
  }

  function takeAlternatives() {
    setSelected(new Set(alternatives));
    setLost([]);
    setAlternatives([]);
    setError('');
  }

  if (!model) return loadError ? <ErrorMessage>{loadError}</ErrorMessage> : <Spinner label="Loading the seat map…" />;
  const seats = [...selected];
  const total = seats.reduce((sum, label) => sum + Math.round(priceOf(model, label) * 100), 0) / 100;
  return (
    <section className="seat-picker" aria-label="Choose your seats">
      <div className="legend" aria-label="Seat availability" role="group">
        <span>
          <i style={{ background: COLORS.available }} /> Available:{' '}
          <strong data-testid="count-available">{model.counts[0].toLocaleString('en')}</strong>
        </span>
        <span>
          <i style={{ background: COLORS.held }} /> Held: <strong>{model.counts[1].toLocaleString('en')}</strong>
        </span>
        <span>
          <i style={{ background: COLORS.booked }} /> Sold: <strong>{model.counts[2].toLocaleString('en')}</strong>
        </span>
        <span>
          <i style={{ background: COLORS.selected }} /> Your choice
        </span>
        <span className={live ? 'live' : 'muted'}>{live ? '● Live' : 'Connecting…'}</span>
      </div>
      <SectionList model={model} currency={currency} />
      <form className="inline-form best-available" onSubmit={holdBest} aria-label="Best available">
        <label>
          Best available: number of seats{' '}
          <select name="quantity" defaultValue="2">
            {Array.from({ length: MAX_SEATS }, (_, i) => (
              <option key={i + 1} value={i + 1}>
                {i + 1}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          {loggedIn ? 'Hold the best seats together' : 'Log in to hold seats'}
        </button>
      </form>
      <SeatCanvas model={model} version={version} selected={selected} onToggle={toggle} cursor={cursor} onCursor={setCursor} />
      <form className="inline-form" onSubmit={goToSeat}>
        <label>
          Pick a seat by number <input name="seat" placeholder="e.g. A12" autoComplete="off" />
        </label>
        <button type="submit">Pick seat</button>
      </form>
      <div className="selection" aria-live="polite">
        <h2>Your seats</h2>
        {seats.length === 0 ? (
          <p className="muted">No seats chosen yet. Click seats on the map, or type a seat number.</p>
        ) : (
          <ul aria-label="Chosen seats">
            {seats.map((s) => (
              <li key={s}>
                {s}{' '}
                <span className="muted">
                  · {sectionOf(model, indexOf(model, s) ?? -1)?.name} · {formatMoney(priceOf(model, s), currency)}
                </span>
                {lost.includes(s) ? <strong className="taken"> — just taken by someone else</strong> : null}{' '}
                <button type="button" className="link" onClick={() => toggle(s)} aria-label={`Remove seat ${s}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        {seats.length > 0 ? (
          <p>
            Total: <strong>{formatMoney(total, currency)}</strong>
          </p>
        ) : null}
      </div>
      <ErrorMessage>{error}</ErrorMessage>
      {alternatives.length > 0 ? (
        <div className="alternatives" role="region" aria-label="Alternatives">
          <p>Nearby free seats: {alternatives.join(', ')}</p>
          <button type="button" onClick={takeAlternatives}>
            Choose {alternatives.join(', ')} instead
          </button>
        </div>
      ) : null}
      <button type="button" className="primary" disabled={seats.length === 0 || busy} onClick={hold}>
        {loggedIn ? `Hold ${seats.length || ''} seat${seats.length === 1 ? '' : 's'}`.replace('  ', ' ') : 'Log in to hold seats'}
      </button>
    </section>
  );
}

function priceOf(model: SeatModel, label: string): number {
  const i = indexOf(model, label);
  return i === undefined ? 0 : (sectionOf(model, i)?.price ?? 0);
}

/** The event's sections with their rows and prices (the map stacks them in this order). */
function SectionList({ model, currency }: { model: SeatModel; currency?: string | undefined }) {
  return (
    <table className="sections" aria-label="Sections and prices">
      <thead>
        <tr>
          <th scope="col">Section</th>
          <th scope="col">Rows</th>
          <th scope="col">Price per seat</th>
        </tr>
      </thead>
      <tbody>
        {model.sections.map((s) => (
          <tr key={s.name}>
            <th scope="row">{s.name}</th>
            <td>{s.rows === 1 ? rowLabel(s.first_row) : `${rowLabel(s.first_row)}–${rowLabel(s.first_row + s.rows - 1)}`}</td>
            <td>{formatMoney(s.price, currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
