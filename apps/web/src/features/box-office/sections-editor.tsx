export interface SectionDraft {
  key: number;
  name: string;
  rows: number;
  seats_per_row: number;
  price: number;
}

let nextKey = 1;
export function newSection(name = 'General', rows = 5, seatsPerRow = 20, price = 25): SectionDraft {
  return { key: nextKey++, name, rows, seats_per_row: seatsPerRow, price };
}

/**
 * The seating layout of a new event: named sections in seat order (the first starts at row A,
 * the next continues with the following row letter), each with its rows, seats per row and price.
 */
export function SectionsEditor({ sections, onChange }: { sections: SectionDraft[]; onChange: (s: SectionDraft[]) => void }) {
  const update = (key: number, patch: Partial<SectionDraft>) => onChange(sections.map((s) => (s.key === key ? { ...s, ...patch } : s)));
  const seats = sections.reduce((n, s) => n + (s.rows || 0) * (s.seats_per_row || 0), 0);
  return (
    <fieldset className="sections-editor">
      <legend>Sections</legend>
      {sections.map((s, i) => (
        <div className="section-row" role="group" aria-label={`Section ${i + 1}`} key={s.key}>
          <label>
            Section name <input value={s.name} onChange={(e) => update(s.key, { name: e.target.value })} required maxLength={100} />
          </label>
          <label>
            Rows{' '}
            <input
              type="number"
              min={1}
              max={1000}
              value={s.rows}
              onChange={(e) => update(s.key, { rows: Number(e.target.value) })}
              required
            />
          </label>
          <label>
            Seats per row{' '}
            <input
              type="number"
              min={1}
              max={1000}
              value={s.seats_per_row}
              onChange={(e) => update(s.key, { seats_per_row: Number(e.target.value) })}
              required
            />
          </label>
          <label>
            Price per seat{' '}
            <input
              type="number"
              min={0.01}
              step={0.01}
              value={s.price}
              onChange={(e) => update(s.key, { price: Number(e.target.value) })}
              required
            />
          </label>
          {sections.length > 1 ? (
            <button type="button" className="link" onClick={() => onChange(sections.filter((x) => x.key !== s.key))}>
              Remove section {i + 1}
            </button>
          ) : null}
        </div>
      ))}
      <button
        type="button"
        onClick={() => {
          onChange([...sections, newSection(`Section ${sections.length + 1}`, 2, 10, sections.at(-1)?.price ?? 25)]);
        }}
      >
        Add a section
      </button>
      <p className="muted" aria-live="polite">
        {seats.toLocaleString('en')} seats in all
      </p>
    </fieldset>
  );
}
