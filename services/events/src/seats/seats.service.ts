import type { InternalEventSales } from '@ticketing/contracts';
import type { EventCache } from '../events/event-cache.ts';
import type { EventRow } from '../events/events.repository.ts';
import { toSectionView } from '../events/events.service.ts';
import { rowLabel } from './seat-labels.ts';
import { rowOfSeat, sectionOfSeat } from './seat-layout.ts';
import type { AlternativesLookup, SeatsRepository, SeatStatus } from './seats.repository.ts';

// Alternatives are looked for close by first (cheap: a refused request in a rush must not cost
// much), then, when too few are free there, further away. The requested seats' own rows come
// first: seats of another row rank after every seat of those rows, so when the rows have enough,
// the rows either side could not change the answer (and reading them tripled the seats read).
const SAME_ROWS = { rows: 0, numbers: 12 };
const NEAR = { rows: 1, numbers: 12 };
const WIDER = { rows: 2, numbers: 50 };

/** Merges overlapping [lo, hi] ranges (sorted by lo). */
function mergeRanges(ranges: [number, number][]): [number, number][] {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const last = out.at(-1);
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Seat-number ranges covering `reach.rows` rows either side of each requested seat, `reach.numbers` seats either side. */
function windowsAround(event: EventRow, requested: readonly number[], reach: { rows: number; numbers: number }): [number, number][] {
  const ranges: [number, number][] = [];
  for (const seatNo of requested) {
    // Within the seat's own section (its rows, its width): alternatives are at the same price.
    const section = sectionOfSeat(event.sections, seatNo);
    if (!section) continue;
    const spr = section.seats_per_row;
    const first = section.first_seat_no;
    const last = first + section.seat_count - 1;
    const row = Math.floor((seatNo - first) / spr);
    const num = ((seatNo - first) % spr) + 1;
    for (let r = Math.max(0, row - reach.rows); r <= Math.min(section.row_count - 1, row + reach.rows); r++) {
      const lo = first + r * spr + Math.max(1, num - reach.numbers) - 1;
      const hi = Math.min(first + r * spr + Math.min(spr, num + reach.numbers) - 1, last);
      if (lo <= hi) ranges.push([lo, hi]);
    }
  }
  return mergeRanges(ranges);
}

export function createSeatsService(opts: { repository: SeatsRepository; cache: EventCache }) {
  const { repository, cache } = opts;
  let pending: { lookup: AlternativesLookup; resolve: (labels: string[]) => void; reject: (err: unknown) => void }[] = [];

  function findNear(lookup: AlternativesLookup): Promise<string[]> {
    return new Promise((resolve, reject) => {
      if (pending.length === 0) {
        setImmediate(() => {
          const batch = pending;
          pending = [];
          repository.freeSeatsNear(batch.map((p) => p.lookup)).then(
            (results) => batch.forEach((p, i) => p.resolve(results[i] ?? [])),
            (err: unknown) => batch.forEach((p) => p.reject(err)),
          );
        });
      }
      pending.push({ lookup, resolve, reject });
    });
  }

  return {
    /** Each section's seats sold, held and available now (never cached: a report must be exact). */
    async sectionSales(event: EventRow): Promise<InternalEventSales> {
      return { event_id: event.id, currency: event.currency, sections: await repository.sectionSales(event.id) };
    },

    /** The seat map as JSON text (100,000 seats are a few MB: cached as text, sent without re-serialising). */
    async seatMapJson(event: EventRow): Promise<string> {
      const cached = await cache.seatMap(event.id);
      if (cached.value !== undefined) return cached.value;
      const [seats, nextExpiry] = await Promise.all([repository.seatMap(event.id), repository.nextHoldExpiry(event.id)]);
      const rows: { row: string; section: string; seats: { seat_number: string; status: SeatStatus }[] }[] = [];
      let currentRow = -1;
      let section = event.sections[0];
      for (const s of seats) {
        if (!section || s.seat_no >= section.first_seat_no + section.seat_count) section = sectionOfSeat(event.sections, s.seat_no);
        if (!section) continue;
        const r = rowOfSeat(section, s.seat_no);
        if (r !== currentRow) {
          rows.push({ row: rowLabel(r), section: section.name, seats: [] });
          currentRow = r;
        }
        rows.at(-1)!.seats.push({ seat_number: s.label, status: s.status });
      }
      const json = JSON.stringify({ event_id: event.id, sections: event.sections.map(toSectionView), rows });
      await cached.store(json, nextExpiry);
      return json;
    },

    /** The seat map as one status character per seat (cached like the full map). */
    async compactSeatMapJson(event: EventRow): Promise<string> {
      const cached = await cache.compactSeatMap(event.id);
      if (cached.value !== undefined) return cached.value;
      const [status, nextExpiry] = await Promise.all([repository.seatStatusString(event.id), repository.nextHoldExpiry(event.id)]);
      const json = JSON.stringify({
        event_id: event.id,
        total_seats: event.total_seats,
        seats_per_row: event.seats_per_row,
        sections: event.sections.map(toSectionView),
        status,
      });
      await cached.store(json, nextExpiry);
      return json;
    },

    /**
     * Up to `count` free seats near the requested ones: same rows first, then the closest
     * numbers. Lookups made in the same tick (the refusals of a batch) share one query.
     */
    async alternatives(event: EventRow, requested: readonly number[], count: number): Promise<string[]> {
      const lookup = (reach: { rows: number; numbers: number }): AlternativesLookup => ({
        eventId: event.id,
        // Distances are measured in the first requested seat's section (rows of others are approximate).
        seatsPerRow: sectionOfSeat(event.sections, requested[0] ?? 1)?.seats_per_row ?? event.seats_per_row,
        requested,
        windows: windowsAround(event, requested, reach),
        limit: count,
      });
      const same = await findNear(lookup(SAME_ROWS));
      if (same.length >= count) return same;
      const near = await findNear(lookup(NEAR));
      return near.length >= count ? near : findNear(lookup(WIDER));
    },
  };
}

export type SeatsService = ReturnType<typeof createSeatsService>;
