const DECIMAL = /^(\d{1,10})(?:\.(\d{1,2}))?$/;

/**
 * Exact integer cents of a JSON number with at most two decimals (`199.98` → 19998), or
 * undefined when it has more decimals, an exponent, or is negative. Works on the number's
 * shortest decimal text, so no binary-float arithmetic is involved.
 */
export function toCents(amount: number): number | undefined {
  if (!Number.isFinite(amount)) return undefined;
  const match = DECIMAL.exec(String(amount));
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return Number(match[1]) * 100 + Number(fraction);
}

/** A JSON number with at most two decimals from integer cents (19998 → 199.98). */
export function fromCents(cents: number | string | bigint): number {
  const n = typeof cents === 'number' ? cents : Number(cents);
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  return Number(`${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`);
}
