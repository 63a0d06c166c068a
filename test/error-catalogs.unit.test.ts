// The error catalogs (services/*/src/errors.ts) against the code and the docs, without any
// server: every code thrown anywhere in a service is in that service's catalog, every entry has
// a status and a message for people, and docs/errors.md lists each code with both.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { camelCase, commonErrors, type ErrorSpecs } from '@ticketing/errors';

/** What this test reads of a catalog (each service's is typed by its own codes). */
interface Catalog {
  specs: ErrorSpecs;
  errors: object;
  has(code: string): boolean;
}
import { usersCatalog } from '../services/users/src/errors.ts';
import { eventsCatalog } from '../services/events/src/errors.ts';
import { bookingsCatalog } from '../services/bookings/src/errors.ts';
import { notificationsCatalog } from '../services/notifications/src/errors.ts';

const root = path.resolve(import.meta.dirname, '..');
const catalogs: [string, string, Catalog][] = [
  ['Users', 'users', usersCatalog],
  ['Events', 'events', eventsCatalog],
  ['Bookings', 'bookings', bookingsCatalog],
  ['Notifications', 'notifications', notificationsCatalog],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Codes a file throws: `new DomainError('code'` and factory calls `errors.someCode(`. */
function thrownCodes(file: string, factory: RegExp): { codes: string[]; factories: string[] } {
  const text = readFileSync(file, 'utf8');
  return {
    codes: [...text.matchAll(/new DomainError\(\s*['"`]([a-z0-9_]+)['"`]/g)].map((m) => m[1]!),
    factories: [...text.matchAll(factory)].map((m) => m[1]!),
  };
}

/** A service's factories are `errors.x()` (its src/errors.ts); packages use `commonErrors.errors.x()`. */
const SERVICE_FACTORY = /\berrors\.([a-zA-Z0-9]+)\(/g;
const PACKAGE_FACTORY = /\bcommonErrors\.errors\.([a-zA-Z0-9]+)\(/g;

function checkThrows(dirs: string[], catalog: Catalog, factory = SERVICE_FACTORY): string[] {
  const factoryNames = new Set(Object.keys(catalog.specs).map((code) => camelCase(code)));
  const missing: string[] = [];
  for (const file of dirs.flatMap(sourceFiles)) {
    const { codes, factories } = thrownCodes(file, factory);
    for (const code of codes) if (!catalog.has(code)) missing.push(`${path.relative(root, file)}: ${code}`);
    for (const name of factories) if (!factoryNames.has(name)) missing.push(`${path.relative(root, file)}: errors.${name}()`);
  }
  return missing;
}

/** The rows of the table under `## <title>` in docs/errors.md: code → [status, message]. */
function documented(markdown: string, title: string): Map<string, [number, string]> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(`${title}\n`)) ?? '';
  const rows = new Map<string, [number, string]>();
  for (const m of section.matchAll(/^\| `([a-z0-9_]+)` \| (\d{3}) \| ([^|]+) \|/gm)) rows.set(m[1]!, [Number(m[2]), m[3]!.trim()]);
  return rows;
}

const table = (specs: ErrorSpecs, skip: ErrorSpecs = {}) =>
  Object.entries(specs)
    .filter(([code]) => !Object.hasOwn(skip, code))
    .map(([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.message} |`)
    .join('\n');

describe('error catalogs', () => {
  it('give every code a 4xx/5xx status and a message, and a factory named after it', () => {
    for (const [, , catalog] of [...catalogs, ['Common', 'common', commonErrors] as const]) {
      for (const [code, spec] of Object.entries(catalog.specs)) {
        assert.ok(spec.status >= 400 && spec.status <= 599, code);
        assert.ok(/^[A-Z]/.test(spec.message) && spec.message.length > 5, `${code}: "${spec.message}" reads as a sentence`);
        const error = (catalog.errors as Record<string, () => { code: string; status: number | undefined }>)[camelCase(code)]!();
        assert.deepEqual([error.code, error.status], [code, spec.status]);
      }
    }
  });

  for (const [, name, catalog] of catalogs) {
    it(`${name}: every code thrown anywhere in the service is in its catalog`, () => {
      assert.deepEqual(checkThrows([path.join(root, 'services', name, 'src')], catalog), []);
    });
  }

  it('packages throw only the common codes', () => {
    const packages = readdirSync(path.join(root, 'packages')).map((p) => path.join(root, 'packages', p, 'src'));
    assert.deepEqual(checkThrows(packages, commonErrors, PACKAGE_FACTORY), []);
  });

  it('finds a code missing from a catalog (the scan itself works)', () => {
    const missing = checkThrows([path.join(root, 'services', 'users', 'src')], commonErrors);
    assert.ok(
      missing.some((m) => m.includes('errors.userNotFound()')),
      missing.join('\n'),
    );
  });

  it('docs/errors.md lists every code of every service with its status and message', () => {
    const markdown = readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8');
    const expected = [
      `## All services\n\n${table(commonErrors.specs)}`,
      ...catalogs.map(([title, , catalog]) => `## ${title}\n\n${table(catalog.specs, commonErrors.specs)}`),
    ].join('\n\n');
    const problems: string[] = [];
    for (const [title, catalog, skip] of [
      ['All services', commonErrors, {}] as const,
      ...catalogs.map(([t, , c]) => [t, c, commonErrors.specs] as const),
    ]) {
      const rows = documented(markdown, title);
      for (const [code, spec] of Object.entries(catalog.specs)) {
        if (Object.hasOwn(skip, code)) continue;
        const row = rows.get(code);
        if (row?.[0] !== spec.status || row[1] !== spec.message) problems.push(`${title}: ${code}`);
      }
      for (const code of rows.keys()) if (!catalog.has(code)) problems.push(`${title}: ${code} is documented but not in the catalog`);
    }
    assert.deepEqual(problems, [], `docs/errors.md should have these rows (first three columns):\n${expected}`);
  });
});
