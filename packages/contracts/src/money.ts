import { Kind, Type, TypeRegistry, type TUnsafe } from '@sinclair/typebox';

/**
 * Money inside the code is integer minor units (cents): exact, comparable with `===`, summed
 * without rounding, and stored as `bigint`/`numeric` without a conversion step. A decimal string
 * would be exact too, but every comparison and sum would need a decimal library, and the public
 * contract (docs/api.md) already puts amounts on the wire as JSON numbers with at most two
 * decimals, which convert to and from cents exactly through their shortest decimal text.
 */
export type Cents = number;

// Up to 13 whole digits: every such amount in cents stays below 2^53, so it is an exact integer.
const DECIMAL = /^(\d{1,13})(?:\.(\d{1,2}))?$/;

/**
 * The one parser of amounts: integer cents of a JSON number with at most two decimals
 * (`199.98` → 19998) or of the same amount as decimal text (`"199.98"`, a `numeric` column).
 * Undefined for more decimals, an exponent, a sign, or anything not finite. Works on the
 * shortest decimal text of the number, so no binary-float arithmetic is involved.
 */
export function toCents(amount: number | string): Cents | undefined {
  if (typeof amount === 'number' && !Number.isFinite(amount)) return undefined;
  const match = DECIMAL.exec(typeof amount === 'number' ? String(amount) : amount);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** Like toCents for a value that is known to be an amount (a `numeric(…, 2)` column); throws otherwise. */
export function centsOf(amount: number | string): Cents {
  const cents = toCents(amount);
  if (cents === undefined) throw new RangeError(`not an amount with at most two decimals: ${String(amount)}`);
  return cents;
}

/** The exact decimal text of cents (19998 → "199.98", 7 → "0.07"), for SQL parameters and formatting. */
export function formatCents(cents: Cents | string | bigint): string {
  const n = BigInt(cents);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** The wire amount of cents: a JSON number with at most two decimals (19998 → 199.98, 1990 → 19.9). */
export function fromCents(cents: Cents | string | bigint): number {
  return Number(formatCents(cents));
}

/** The wire amount of exact decimal text (a `numeric` column: "199.98" → 199.98). */
export function amountOfDecimal(text: string): number {
  return fromCents(centsOf(text));
}

TypeRegistry.Set('Money', (_schema, value) => typeof value === 'number' && toCents(value) !== undefined);

/**
 * A money amount on the wire: a JSON number ≥ 0 with at most two decimals (docs/api.md). Checked
 * exactly by TypeBox (a custom kind running toCents); JSON-schema tools (ajv, OpenAPI) see a
 * plain non-negative number.
 */
export const Money = (options: { description?: string } = {}): TUnsafe<number> =>
  Type.Unsafe<number>({ [Kind]: 'Money', type: 'number', minimum: 0, ...options });

/** The same amount as decimal text, which older producers stored or sent (`"199.98"`). */
export const DecimalText = (options: { description?: string } = {}) => Type.String({ pattern: '^\\d{1,13}(\\.\\d{1,2})?$', ...options });

/**
 * An ISO 4217 code the platform can price in: known to Intl and with two decimals, so that an
 * amount in cents is exactly the currency's minor units (what payment providers charge in).
 * Zero- and three-decimal currencies (JPY, KWD, ...) would need another unit and are refused.
 */
export function isSupportedCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code) || !Intl.supportedValuesOf('currency').includes(code)) return false;
  return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits === 2;
}

/** A currency on the wire: an upper-case ISO 4217 code (`USD`, `EUR`). */
export const CurrencyCode = (options: { description?: string } = {}) =>
  Type.String({ pattern: '^[A-Z]{3}$', minLength: 3, maxLength: 3, ...options });
