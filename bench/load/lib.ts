// Shared helpers for the autocannon load tests (bench/load/*.ts, also run as
// `node scripts/load-test-*.js`): target URLs, options, a fetch client, users and events, and
// the autocannon run with its report.
import { createRequire } from 'node:module';

export const urls = {
  users: process.env.USERS_URL ?? 'http://127.0.0.1:8081',
  events: process.env.EVENTS_URL ?? 'http://127.0.0.1:8082',
  bookings: process.env.BOOKINGS_URL ?? 'http://127.0.0.1:8083',
};

/** `--name=value` on the command line, else the NAME environment variable, else the fallback. */
export function arg(name: string, fallback: number): number;
export function arg(name: string, fallback: string): string;
export function arg(name: string, fallback: number | string): number | string {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  const env = process.env[name.toUpperCase().replaceAll('-', '_')];
  const raw = flag ? flag.slice(name.length + 3) : env;
  if (raw === undefined) return fallback;
  if (typeof fallback === 'string') return raw;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${raw}'`);
  return n;
}

export interface CallResult {
  status: number;
  body: unknown;
  text: string;
}

export async function call(method: string, url: string, body?: unknown, token?: string): Promise<CallResult> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text };
}

/** A string field of a JSON object answer, or an error naming what was missing. */
export function stringField(res: CallResult, name: string): string {
  const value = (res.body as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'string') throw new Error(`expected a string '${name}' in ${res.status} ${res.text}`);
  return value;
}

export interface LoadUser {
  email: string;
  token: string;
  userId: string;
}

export async function newUser(prefix = 'load'): Promise<LoadUser> {
  const email = `${prefix}.${Date.now()}.${Math.random().toString(36).slice(2)}@example.test`;
  const password = 'load-test-password';
  const reg = await call('POST', `${urls.users}/api/users/register`, { email, password, first_name: 'Load', last_name: 'Tester' });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const login = await call('POST', `${urls.users}/api/users/login`, { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { email, token: stringField(login, 'access_token'), userId: stringField(reg, 'user_id') };
}

/** Creates an event on sale with `totalSeats` seats at 10.00 and returns its id. */
export async function newEvent(token: string, totalSeats: number, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call(
    'POST',
    `${urls.events}/api/events`,
    {
      name: `Load test ${new Date().toISOString()}`,
      venue: 'Arena',
      city: 'Loadville',
      category: 'music',
      event_date: new Date(Date.now() + 30 * 86400_000).toISOString(),
      total_seats: totalSeats,
      price_per_seat: 10,
      ...extra,
    },
    token,
  );
  if (res.status !== 201) throw new Error(`create event failed: ${res.status} ${res.text}`);
  return stringField(res, 'event_id');
}

// autocannon ships no types; these cover the options and results used here.
export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
export interface AutocannonRequestStep<C> {
  method?: string;
  setupRequest?: (req: AutocannonRequest, context: C) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: C) => void;
}
export interface AutocannonOptions<C> {
  url: string;
  connections?: number;
  duration?: number;
  amount?: number;
  overallRate?: number;
  timeout?: number;
  requests?: AutocannonRequestStep<C>[];
}
export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface AutocannonInstance {
  stop(): void;
}
type Autocannon = <C>(opts: AutocannonOptions<C>, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export function runAutocannon<C = Record<string, never>>(options: AutocannonOptions<C>): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
    process.once('SIGINT', () => instance.stop());
  });
}

export interface Thresholds {
  p99Ms?: number;
  maxErrorRate?: number;
  minRps?: number;
}

/** Prints a summary and returns false when a threshold is not met. */
export function report(title: string, result: AutocannonResult, thresholds: Thresholds): boolean {
  const total = result.requests.total || 0;
  const failures = result.errors + result.timeouts + result.non2xx;
  const errorRate = total === 0 ? 1 : failures / total;
  const rows: Record<string, number | string> = {
    'requests/s (mean)': result.requests.average,
    'latency p50 ms': result.latency.p50,
    'latency p90 ms': result.latency.p90,
    'latency p99 ms': result.latency.p99,
    'latency max ms': result.latency.max,
    'requests total': total,
    'non-2xx': result.non2xx,
    'errors + timeouts': result.errors + result.timeouts,
    'error rate': `${(errorRate * 100).toFixed(2)}%`,
  };
  console.log(`\n${title}`);
  for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(20)} ${v}`);
  const failed: string[] = [];
  if (thresholds.p99Ms !== undefined && result.latency.p99 > thresholds.p99Ms)
    failed.push(`p99 ${result.latency.p99} ms > ${thresholds.p99Ms} ms`);
  if (thresholds.maxErrorRate !== undefined && errorRate > thresholds.maxErrorRate)
    failed.push(`error rate ${(errorRate * 100).toFixed(2)}% > ${thresholds.maxErrorRate * 100}%`);
  if (thresholds.minRps !== undefined && result.requests.average < thresholds.minRps)
    failed.push(`throughput ${result.requests.average}/s < ${thresholds.minRps}/s`);
  console.log(failed.length === 0 ? '  thresholds: PASS' : `  thresholds: FAIL (${failed.join('; ')})`);
  return failed.length === 0;
}
