import { mkdirSync } from 'node:fs';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { assertSchemaName } from './postgres.ts';
import type { Database, Queryable, QueryResult } from './types.ts';

export interface PgliteOptions {
  /** Directory for the data files; `memory://` keeps everything in memory. */
  dataDir: string;
  /** The service's own schema, first on the search_path. */
  schema: string;
}

type Runner = Pick<PGlite, 'query' | 'exec'> | Pick<Transaction, 'query' | 'exec'>;

async function run<R>(target: Runner, text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  if (params === undefined || params.length === 0) {
    // The simple protocol allows several statements (migrations); the last result is returned.
    const results = await target.exec(text);
    const last = results.at(-1);
    return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
  }
  const res = await target.query<R>(text, params as unknown[]);
  return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
}

/**
 * PostgreSQL compiled to WebAssembly, in process: the embedded profile's database. One
 * instance (and one data directory) per service, since it has a single connection whose
 * search_path is set once. int8 comes back as a string, as it does from `pg`.
 */
export async function createPgliteDatabase(options: PgliteOptions): Promise<Database> {
  assertSchemaName(options.schema);
  if (!options.dataDir.includes('://')) mkdirSync(options.dataDir, { recursive: true });
  const pg = await PGlite.create({
    dataDir: options.dataDir,
    parsers: { [types.INT8]: (value: string) => value },
  });
  await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${options.schema}; SET search_path TO ${options.schema}, public;`);
  let closed = false;
  return {
    schema: options.schema,
    query: (text, params) => run(pg, text, params),
    transaction: (fn) => pg.transaction((tx) => fn({ query: (text, params) => run(tx, text, params) } satisfies Queryable)),
    async ping() {
      if (closed) throw new Error('database closed');
      await pg.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pg.close();
    },
  };
}
