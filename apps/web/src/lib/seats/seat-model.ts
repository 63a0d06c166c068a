// The seat map as one typed array (from GET /api/events/{id}/seats/compact): 100,000 seats are a
// 100 kB download, a 100 kB array, and no per-seat objects or strings. Seat i (0-based) is row
// floor(i / seatsPerRow), number i % seatsPerRow + 1; labels are row letters Excel-style
// (A…Z, AA, AB, …) and the number, e.g. `AB12`.
import type { paths } from '../api/schema.ts';

export type CompactSeatMap = paths['/api/events/{id}/seats/compact']['get']['responses'][200]['content']['application/json'];
export type SeatStatus = 'available' | 'held' | 'booked';

export const AVAILABLE = 0;
export const HELD = 1;
export const BOOKED = 2;
const CODE: Record<SeatStatus, number> = { available: AVAILABLE, held: HELD, booked: BOOKED };
export const STATUS_NAMES: SeatStatus[] = ['available', 'held', 'booked'];

export interface SeatModel {
  total: number;
  seatsPerRow: number;
  rowCount: number;
  status: Uint8Array;
  counts: [number, number, number];
}

export function rowLabel(row: number): string {
  let n = row + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function labelOf(m: SeatModel, i: number): string {
  return rowLabel(Math.floor(i / m.seatsPerRow)) + String((i % m.seatsPerRow) + 1);
}

/** The seat index of a label like `AB12`, or undefined when the event has no such seat. */
export function indexOf(m: SeatModel, label: string): number | undefined {
  const match = /^([A-Z]+)([1-9][0-9]*)$/.exec(label);
  if (!match) return undefined;
  let row = 0;
  for (const ch of match[1]!) row = row * 26 + (ch.charCodeAt(0) - 64);
  const num = Number(match[2]);
  if (num > m.seatsPerRow) return undefined;
  const i = (row - 1) * m.seatsPerRow + num - 1;
  return i < m.total ? i : undefined;
}

export function buildModel(map: CompactSeatMap): SeatModel {
  const total = map.status.length;
  const status = new Uint8Array(total);
  const counts: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < total; i++) {
    const code = map.status.charCodeAt(i) - 48;
    status[i] = code;
    counts[code as 0 | 1 | 2]++;
  }
  return { total, seatsPerRow: map.seats_per_row, rowCount: Math.ceil(total / map.seats_per_row), status, counts };
}

/** Applies a change from the seat stream; returns the labels whose status changed. */
export function applyChange(model: SeatModel, seats: string[], to: SeatStatus): string[] {
  const changed: string[] = [];
  const code = CODE[to];
  for (const label of seats) {
    const i = indexOf(model, label);
    if (i === undefined || model.status[i] === code) continue;
    model.counts[model.status[i] as 0 | 1 | 2]--;
    model.counts[code as 0 | 1 | 2]++;
    model.status[i] = code;
    changed.push(label);
  }
  return changed;
}

export function seatAt(model: SeatModel, row: number, col: number): number | undefined {
  if (row < 0 || col < 0 || col >= model.seatsPerRow) return undefined;
  const i = row * model.seatsPerRow + col;
  return i < model.total ? i : undefined;
}
