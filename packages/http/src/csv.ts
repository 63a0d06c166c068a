import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

export type CsvValue = string | number | boolean | null | undefined;

// A cell a spreadsheet would read as a formula (OWASP "CSV injection"): = + - @, and tab or
// carriage return, which some spreadsheets strip before looking.
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell (RFC 4180): text starting like a formula gets a leading `'` so that opening the
 * file never runs it, and a cell with a comma, quote or line break is quoted with its quotes
 * doubled. Numbers and booleans are written as they are; null and undefined as empty cells.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  let text = value;
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, CRLF-terminated (RFC 4180). */
export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}

/** The 200 response of a route that streams a CSV file. */
export function csvResponse(description: string): { description: string; content: { 'text/csv': { schema: TSchema } } } {
  return { description, content: { 'text/csv': { schema: Type.String() } } };
}
