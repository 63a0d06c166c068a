import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database, Queryable, QueryResult } from './types.ts';

export interface PostgresOptions {
  url: string;
  /** The service's own schema (e.g. `users`). */
  schema: string;
  /** @defaultValue 10 */
  poolSize?: number;
  /** @defaultValue 10000 */
  statementTimeoutMs?: number;
  applicationName?: string;
  /**
   * Runs every query that has parameters as a named prepared statement (named after a hash of
   * its text), so that each connection parses and plans it once instead of on every call. Use
   * only with a bounded set of query texts (each distinct text stays prepared on each
   * connection). @defaultValue false
   */
  preparedStatements?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`);
}

export function createPostgresDatabase(options: PostgresOptions): Database {
  assertSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? options.schema,
    options: `-c search_path=${options.schema},public -c statement_timeout=${options.statementTimeoutMs ?? 10_000}`,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);

  const names = new Map<string, string>();
  const statementName = (text: string): string => {
    let name = names.get(text);
    if (name === undefined) {
      name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };

  const run = async <R>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const res =
      options.preparedStatements && params !== undefined && params.length > 0
        ? await client.query({ name: statementName(text), text, values: params as unknown[] })
        : await client.query(text, params as unknown[] | undefined);
    return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
  };

  return {
    schema: options.schema,
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Queryable = { query: (text, params) => run(client, text, params) };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
