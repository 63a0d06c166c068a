import type { EventCache } from '../events/event-cache.ts';
import type { EventRow } from '../events/events.repository.ts';
import { rowLabel, rowOf } from './seat-labels.ts';
import type { SeatsRepository, SeatStatus } from './seats.repository.ts';

// Alternatives are looked for this many rows around each requested seat, and this many numbers either side.
const NEAR_ROWS = 2;
const NEAR_NUMBERS = 50;

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

export function createSeatsService(opts: { repository: SeatsRepository; cache: EventCache }) {
  const { repository, cache } = opts;

  return {
    /** The seat map as JSON text (100,000 seats are a few MB: cached as text, sent without re-serialising). */
    async seatMapJson(event: EventRow): Promise<string> {
      const cached = await cache.seatMap(event.id);
      if (cached.value !== undefined) return cached.value;
      const [seats, nextExpiry] = await Promise.all([repository.seatMap(event.id), repository.nextHoldExpiry(event.id)]);
      const rows: { row: string; seats: { seat_number: string; status: SeatStatus }[] }[] = [];
      let currentRow = -1;
      for (const s of seats) {
        const r = rowOf(s.seat_no, event.seats_per_row);
        if (r !== currentRow) {
          rows.push({ row: rowLabel(r), seats: [] });
          currentRow = r;
        }
        rows.at(-1)!.seats.push({ seat_number: s.label, status: s.status });
      }
      const json = JSON.stringify({ event_id: event.id, rows });
      await cached.store(json, nextExpiry);
      return json;
    },

    /** Up to `count` free seats near the requested ones: same rows first, then the closest numbers. */
    async alternatives(event: EventRow, requested: readonly number[], count: number): Promise<string[]> {
      const spr = event.seats_per_row;
      const ranges: [number, number][] = [];
      for (const seatNo of requested) {
        const row = rowOf(seatNo, spr);
        const num = ((seatNo - 1) % spr) + 1;
        for (let r = row - NEAR_ROWS; r <= row + NEAR_ROWS; r++) {
          if (r < 0) continue;
          const lo = r * spr + Math.max(1, num - NEAR_NUMBERS);
          const hi = Math.min(r * spr + Math.min(spr, num + NEAR_NUMBERS), event.total_seats);
          if (lo <= hi) ranges.push([lo, hi]);
        }
      }
      return repository.freeSeatsNear({ eventId: event.id, seatsPerRow: spr, requested, windows: mergeRanges(ranges), limit: count });
    },
  };
}

export type SeatsService = ReturnType<typeof createSeatsService>;
