import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createSseParser, type SseBlock } from '@ticketing/http';

/** Connection settings for the real servers started by scripts/infra.sh (overridable by env). */
export const testInfra = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://ticketing:ticketing@127.0.0.1:5432/ticketing',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
};

export function uniqueId(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

const topicPrefixes = new Set<string>();

/**
 * A unique prefix for a test's Kafka topics (`${prefix}.booking-requests`, its `.dlq`, …): the
 * topics named from it are deleted when this process exits, so the shared broker does not
 * collect them (17,500 partitions once made it take over 90 s to start). The deletion runs in a
 * short process of its own (delete-topics.ts), so the test's exit is not delayed by it.
 */
export function uniqueTopicPrefix(name = 't'): string {
  const prefix = uniqueId(name);
  if (topicPrefixes.size === 0) process.once('exit', deleteTopicsOnExit);
  topicPrefixes.add(prefix);
  return prefix;
}

function deleteTopicsOnExit(): void {
  // 'exit' allows only synchronous work: starting the process is, and it outlives this one.
  const script = fileURLToPath(new URL('./delete-topics.ts', import.meta.url));
  spawn(process.execPath, [script, testInfra.kafkaBrokers, ...topicPrefixes], { detached: true, stdio: 'ignore' }).unref();
}

export interface TestDatabase {
  /** `testInfra.databaseUrl` with this database's name: each service migrates its schema into it. */
  url: string;
  /** Drops it, ending the sessions still open on it. */
  drop(): Promise<void>;
}

/**
 * A database of one test file on the shared PostgreSQL, for tests that run processes whose
 * background work reaches across the whole database: a webhook dispatcher claims any due
 * delivery, so on the shared database it would send other test files' deliveries with its own
 * settings. `name` becomes the database's name (letters, digits and `_` only).
 */
export async function createTestDatabase(name: string): Promise<TestDatabase> {
  const database = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: testInfra.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  return {
    url: testInfra.databaseUrl.replace(/\/[^/?]*(\?|$)/, `/${database}$1`),
    async drop() {
      const client = new pg.Client({ connectionString: testInfra.databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${randomUUID()}@example.test`;
}

/**
 * Polls `probe` until it returns something other than undefined or false, and returns that;
 * fails naming `what` after `timeoutMs`. For outcomes that happen in the background, instead of
 * fixed sleeps that a loaded machine breaks.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Listens on an ephemeral port and returns its base URL: tests talk real HTTP. */
export async function listen(
  app: FastifyInstance | { listen: FastifyInstance['listen']; server: FastifyInstance['server'] },
): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as-is (for malformed JSON); wins over `body`. */
  rawBody?: string | Buffer;
  token?: string;
  headers?: Record<string, string>;
}

/** A tiny HTTP client over fetch for tests and scripts. */
export function apiClient(baseUrl: string) {
  return async function request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | Buffer | undefined;
    if (opts.rawBody !== undefined) {
      body = opts.rawBody;
      headers['content-type'] ??= 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text.length > 0 && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
}

export type ApiRequest = ReturnType<typeof apiClient>;

/** Builds a JWT by hand (for forged, expired, `alg: none` and wrongly signed token tests). */
export function craftJwt(header: object, payload: object, signature = 'x'): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

export type { SseBlock } from '@ticketing/http';

/**
 * Reads a text/event-stream body block by block until it ends or is aborted, calling `onBlock`
 * for each: the parsing half of an EventSource, for tests of SSE endpoints.
 */
export async function readSse(body: AsyncIterable<Uint8Array>, onBlock: (block: SseBlock) => void): Promise<void> {
  const parser = createSseParser(onBlock);
  try {
    for await (const chunk of body) parser.push(chunk);
  } catch (err) {
    if (!(err instanceof Error && err.name === 'AbortError')) throw err;
  }
}
export * from './private-postgres.ts';
export * from './csv.ts';
