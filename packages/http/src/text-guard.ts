/**
 * PostgreSQL refuses NUL in text and jsonb, and UTF-8 cannot encode a lone surrogate: such a
 * string would fail deep inside a query (a 500, sometimes after seats were locked). Every
 * request's body, query and path are checked once, before validation, and refused with a 400
 * naming the field.
 */
export function findUnstorableText(value: unknown, path = ''): { field: string; problem: string } | undefined {
  if (typeof value === 'string') return describeText(value, path);
  if (typeof value !== 'object' || value === null) return undefined;
  // Only what JSON, query and path parsing produce: a raw body (a stream or a Buffer, on a
  // route that parses nothing) is not walked.
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], join(path, String(i)));
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const keyProblem = describeText(key, join(path, key));
    if (keyProblem) return { field: join(path, printable(key)), problem: keyProblem.problem };
    const found = findUnstorableText(item, join(path, key));
    if (found) return found;
  }
  return undefined;
}

function describeText(text: string, field: string): { field: string; problem: string } | undefined {
  if (text.includes('\u0000')) return { field: printable(field), problem: 'must not contain a NUL character (\\u0000)' };
  if (!text.isWellFormed()) return { field: printable(field), problem: 'must be valid Unicode text (it contains a lone surrogate)' };
  return undefined;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** The field name goes back to the client in the error body, so it must itself be storable text. */
function printable(name: string): string {
  return name.replaceAll('\u0000', '\\u0000').toWellFormed();
}
