// The seat map as flat typed arrays: 100,000 seats stay cheap to update and draw.
import type { paths } from '../api/schema.ts';

export type SeatMapJson = paths['/api/events/{id}/seats']['get']['responses'][200]['content']['application/json'];
export type SeatStatus = 'available' | 'held' | 'booked';

export const AVAILABLE = 0;
export const HELD = 1;
export const BOOKED = 2;
const CODE: Record<SeatStatus, number> = { available: AVAILABLE, held: HELD, booked: BOOKED };
export const STATUS_NAMES: SeatStatus[] = ['available', 'held', 'booked'];

export interface SeatModel {
  rows: string[];
  /** For each seat (flat index): its row index, column, label and status code. */
  rowOf: Uint32Array;
  colOf: Uint32Array;
  labels: string[];
  status: Uint8Array;
  index: Map<string, number>;
  /** First flat index of each row. */
  rowStart: number[];
  maxCols: number;
  counts: [number, number, number];
}

export function buildModel(json: SeatMapJson): SeatModel {
  let total = 0;
  for (const r of json.rows) total += r.seats.length;
  const rowOf = new Uint32Array(total);
  const colOf = new Uint32Array(total);
  const status = new Uint8Array(total);
  const labels = new Array<string>(total);
  const index = new Map<string, number>();
  const rowStart: number[] = [];
  const counts: [number, number, number] = [0, 0, 0];
  let i = 0;
  let maxCols = 0;
  json.rows.forEach((r, ri) => {
    rowStart.push(i);
    maxCols = Math.max(maxCols, r.seats.length);
    r.seats.forEach((s, ci) => {
      rowOf[i] = ri;
      colOf[i] = ci;
      labels[i] = s.seat_number;
      const code = CODE[s.status];
      status[i] = code;
      counts[code as 0 | 1 | 2]++;
      index.set(s.seat_number, i);
      i++;
    });
  });
  return { rows: json.rows.map((r) => r.row), rowOf, colOf, labels, status, index, rowStart, maxCols, counts };
}

/** Applies a change from the seat stream; returns the labels whose status changed. */
export function applyChange(model: SeatModel, seats: string[], to: SeatStatus): string[] {
  const changed: string[] = [];
  const code = CODE[to];
  for (const label of seats) {
    const i = model.index.get(label);
    if (i === undefined || model.status[i] === code) continue;
    model.counts[model.status[i] as 0 | 1 | 2]--;
    model.counts[code as 0 | 1 | 2]++;
    model.status[i] = code;
    changed.push(label);
  }
  return changed;
}

export function seatAt(model: SeatModel, row: number, col: number): number | undefined {
  if (row < 0 || row >= model.rows.length) return undefined;
  const start = model.rowStart[row]!;
  const end = row + 1 < model.rowStart.length ? model.rowStart[row + 1]! : model.labels.length;
  return col >= 0 && start + col < end ? start + col : undefined;
}
