import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from './types.ts';

const FILE = /^(\d{3,})_[\w-]+\.sql$/;

export interface MigrationOptions {
  /**
   * A directory of `*.sql` files that define the schema's database functions with
   * `CREATE OR REPLACE`. They are applied in name order after the migrations, on every run,
   * so that these files, not the migration history, are the functions' source.
   */
  functionsDir?: string;
}

export interface MigrationResult {
  applied: string[];
  /** The function files applied (every one, every run). */
  functions: string[];
}

/**
 * Applies the numbered SQL files of `dir` (001_init.sql, 002_…) that this schema has not seen,
 * in order, then every file of `functionsDir`, in one transaction guarded by an advisory lock so
 * that several processes starting at once apply each migration exactly once and never replace a
 * function concurrently.
 */
export async function runMigrations(db: Database, dir: string, options: MigrationOptions = {}): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  const seen = new Set<string>();
  for (const f of files) {
    const version = FILE.exec(f)![1]!;
    if (seen.has(version)) throw new Error(`duplicate migration number ${version} in ${dir}`);
    seen.add(version);
  }
  const functionsDir = options.functionsDir;
  const functionFiles = functionsDir ? (await readdir(functionsDir)).filter((f) => f.endsWith('.sql')).sort() : [];
  const schema = db.schema;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrations:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
         name text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set((await tx.query<{ name: string }>(`SELECT name FROM ${schema}.schema_migrations`)).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(path.join(dir, file), 'utf8');
      await tx.query(`SET LOCAL search_path TO ${schema}, public`);
      await tx.query(sql);
      await tx.query(`INSERT INTO ${schema}.schema_migrations (name) VALUES ($1)`, [file]);
      applied.push(file);
    }
    for (const file of functionFiles) {
      const sql = await readFile(path.join(functionsDir!, file), 'utf8');
      await tx.query(`SET LOCAL search_path TO ${schema}, public`);
      await tx.query(sql);
    }
    return { applied, functions: functionFiles };
  });
}

/** A service's schema changes: its numbered migrations and, optionally, its function files. */
export interface MigrationSet {
  dir: string;
  functionsDir?: string;
}

/** The numbered migrations of `dir` that this schema has not applied yet, in order. */
export async function findPendingMigrations(db: Database, dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  const table = await db.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${db.schema}.schema_migrations`]);
  if (!table.rows[0]?.present) return files;
  const done = new Set((await db.query<{ name: string }>(`SELECT name FROM ${db.schema}.schema_migrations`)).rows.map((r) => r.name));
  return files.filter((f) => !done.has(f));
}

export class PendingMigrationsError extends Error {
  readonly pending: string[];
  constructor(schema: string, pending: string[]) {
    super(
      `schema ${schema} has ${pending.length} pending migration(s) (${pending.join(', ')}): run \`npm run migrate\` first, or start with MIGRATE_ON_START=true`,
    );
    this.name = 'PendingMigrationsError';
    this.pending = pending;
  }
}

/**
 * What a service does with its schema at start: migrate it (`migrate`, the default), or, where a
 * separate step migrates (`npm run migrate`, the Helm chart's hook Job), only check that nothing is
 * pending and refuse to start otherwise, so that new code never runs on an old schema.
 */
export async function prepareSchema(db: Database, set: MigrationSet, options: { migrate: boolean }): Promise<MigrationResult> {
  if (options.migrate) return runMigrations(db, set.dir, set.functionsDir === undefined ? {} : { functionsDir: set.functionsDir });
  const pending = await findPendingMigrations(db, set.dir);
  if (pending.length > 0) throw new PendingMigrationsError(db.schema, pending);
  return { applied: [], functions: [] };
}
