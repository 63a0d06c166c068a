import { createHash } from 'node:crypto';
import pg from 'pg';
import { DependencyUnavailableError, DomainError, messageOf } from '@ticketing/errors';
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
  /** Told about connections lost while idle in the pool (the pool replaces them). */
  onConnectionError?: (err: Error) => void;
}

/** SQLSTATEs that mean the server went away or refuses connections now, not that the query is wrong. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of a connection that could not be made or was cut. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True when `err` (a pg or socket error) says the database cannot be reached, judged by its code. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_ERRNOS.has(code);
}

function unavailable(err: unknown): DependencyUnavailableError {
  return new DependencyUnavailableError('database', `database unavailable: ${messageOf(err)}`, { cause: err });
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
  // A client losing its connection while idle in the pool must not crash the process; the pool
  // drops it and connects a new one on the next checkout.
  pool.on('error', (err) => options.onConnectionError?.(err));

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

  /**
   * Checks a client out for `work`. While it is out, the client's 'error' event (the server
   * ended the session: 57P01, a cut socket) is listened to, so it never crashes the process;
   * such a client, or one whose state is unknown, is released with the error so the pool
   * destroys it. Connection failures reject as DependencyUnavailableError.
   */
  const withClient = async <T>(work: (client: pg.PoolClient, discard: (err: Error) => void) => Promise<T>): Promise<T> => {
    let broken: Error | undefined;
    const discard = (err: Error) => {
      broken ??= err;
    };
    let client: pg.PoolClient;
    try {
      // The callback form: the pool calls it in the same turn as it hands the client over, so the
      // listener is on before anything else the socket brought is read. With the promise, a new
      // connection whose first bytes carried the server's shutdown (57P01 right after
      // ReadyForQuery) emitted 'error' on a client nobody listened to, and the process crashed.
      client = await new Promise<pg.PoolClient>((resolve, reject) =>
        pool.connect((err, c) => {
          if (err || !c) return reject(err ?? new Error('no client'));
          c.on('error', discard);
          resolve(c);
        }),
      );
    } catch (err) {
      // Checking out only fails for want of a connection (refused, timed out, server starting).
      throw unavailable(err);
    }
    try {
      return await work(client, discard);
    } catch (err) {
      if (isConnectionError(err) || (broken !== undefined && !(err instanceof DomainError))) {
        discard(err instanceof Error ? err : new Error(String(err)));
        throw unavailable(err);
      }
      throw err;
    } finally {
      client.removeListener('error', discard);
      client.release(broken);
    }
  };

  return {
    schema: options.schema,
    query: (text, params) => withClient((client) => run(client, text, params)),
    transaction: (fn) =>
      withClient(async (client, discard) => {
        await client.query('BEGIN');
        let result;
        try {
          const tx: Queryable = { query: (text, params) => run(client, text, params) };
          result = await fn(tx);
        } catch (err) {
          // A failed ROLLBACK leaves the session in an unknown state: it must not be reused.
          await client
            .query('ROLLBACK')
            .catch((rollbackErr: unknown) => discard(rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr))));
          throw err;
        }
        await client.query('COMMIT');
        return result;
      }),
    async ping() {
      await withClient((client) => client.query('SELECT 1'));
    },
    async close() {
      await pool.end();
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolSize ?? 10 }),
  };
}
