// The seat map as one typed array (from GET /api/events/{id}/seats/compact): 100,000 seats are a
// 100 kB download, a 100 kB array, and no per-seat objects or strings. Seats are numbered in
// seat order through the event's sections (each with its own rows, seats per row and price);
// rows continue across sections, so the map is one grid of rows, each as wide as its section.
// Labels are row letters Excel-style (A…Z, AA, AB, …) and the number, e.g. `AB12`.
import type { paths } from '../api/schema.ts';

export type CompactSeatMap = paths['/api/events/{id}/seats/compact']['get']['responses'][200]['content']['application/json'];
export type Section = CompactSeatMap['sections'][number];
export type SeatStatus = 'available' | 'held' | 'booked';

export const AVAILABLE = 0;
export const HELD = 1;
export const BOOKED = 2;
const CODE: Record<SeatStatus, number> = { available: AVAILABLE, held: HELD, booked: BOOKED };
export const STATUS_NAMES: SeatStatus[] = ['available', 'held', 'booked'];

export interface SeatModel {
  total: number;
  /** The widest row (the grid's width). */
  seatsPerRow: number;
  rowCount: number;
  sections: Section[];
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

/** The section of seat index i (0-based). */
export function sectionOf(m: SeatModel, i: number): Section | undefined {
  return m.sections.find((s) => i + 1 >= s.first_seat_no && i + 1 < s.first_seat_no + s.seat_count);
}

/** The section a grid row belongs to. */
export function sectionOfRow(m: SeatModel, row: number): Section | undefined {
  return m.sections.find((s) => row >= s.first_row && row < s.first_row + s.rows);
}

/** Where seat index i sits on the grid. */
export function positionOf(m: SeatModel, i: number): { row: number; col: number } {
  const s = sectionOf(m, i);
  if (!s) return { row: 0, col: 0 };
  const local = i + 1 - s.first_seat_no;
  return { row: s.first_row + Math.floor(local / s.seats_per_row), col: local % s.seats_per_row };
}

export function labelOf(m: SeatModel, i: number): string {
  const { row, col } = positionOf(m, i);
  return rowLabel(row) + String(col + 1);
}

/** The seat index at a grid position, or undefined where there is no seat. */
export function seatAt(model: SeatModel, row: number, col: number): number | undefined {
  if (col < 0) return undefined;
  const s = sectionOfRow(model, row);
  if (!s || col >= s.seats_per_row) return undefined;
  const local = (row - s.first_row) * s.seats_per_row + col;
  return local < s.seat_count ? s.first_seat_no - 1 + local : undefined;
}

/** The seat index of a label like `AB12`, or undefined when the event has no such seat. */
export function indexOf(m: SeatModel, label: string): number | undefined {
  const match = /^([A-Z]+)([1-9][0-9]*)$/.exec(label);
  if (!match) return undefined;
  let row = 0;
  for (const ch of match[1]!) row = row * 26 + (ch.charCodeAt(0) - 64);
  return seatAt(m, row - 1, Number(match[2]) - 1);
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
  const sections = map.sections;
  const rowCount = sections.reduce((n, s) => Math.max(n, s.first_row + s.rows), 0);
  const seatsPerRow = sections.reduce((n, s) => Math.max(n, s.seats_per_row), 1);
  return { total, seatsPerRow, rowCount, sections, status, counts };
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
