/**
 * Seat labels: Excel-style row letters (A…Z, AA, AB, …) followed by the 1-based number of the
 * seat in its row, e.g. `A1`, `AB500`. Seat `n` (1-based, row-major) of an event with
 * `seatsPerRow` seats per row is row `(n-1) / seatsPerRow`, number `(n-1) % seatsPerRow + 1`.
 */

export function rowLabel(rowIndex: number): string {
  let n = rowIndex + 1;
  let s = '';
  while (n > 0) {
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function rowIndexOf(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

export function seatLabel(seatNo: number, seatsPerRow: number): string {
  return rowLabel(Math.floor((seatNo - 1) / seatsPerRow)) + String(((seatNo - 1) % seatsPerRow) + 1);
}

export function rowOf(seatNo: number, seatsPerRow: number): number {
  return Math.floor((seatNo - 1) / seatsPerRow);
}
