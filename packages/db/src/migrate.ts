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
