// Shared helpers for the autocannon load tests (plain ESM JavaScript so they run with `node`).
import autocannon from 'autocannon';

export const urls = {
  users: process.env.USERS_URL ?? 'http://127.0.0.1:8081',
  events: process.env.EVENTS_URL ?? 'http://127.0.0.1:8082',
  bookings: process.env.BOOKINGS_URL ?? 'http://127.0.0.1:8083',
};

export function arg(name, fallback) {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  const env = process.env[name.toUpperCase().replaceAll('-', '_')];
  const raw = flag ? flag.slice(name.length + 3) : env;
  if (raw === undefined) return fallback;
  return typeof fallback === 'number' ? Number(raw) : raw;
}

export async function call(method, url, body, token) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text };
}

export async function newUser(prefix = 'load') {
  const email = `${prefix}.${Date.now()}.${Math.random().toString(36).slice(2)}@example.test`;
  const password = 'load-test-password';
  const reg = await call('POST', `${urls.users}/api/users/register`, { email, password, first_name: 'Load', last_name: 'Tester' });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const login = await call('POST', `${urls.users}/api/users/login`, { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { email, token: login.body.access_token, userId: reg.body.user_id };
}

export async function newEvent(token, totalSeats, extra = {}) {
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
  return res.body;
}

export function runAutocannon(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
    process.once('SIGINT', () => instance.stop());
  });
}

/** Prints a summary and returns false when a threshold is not met. */
export function report(title, result, thresholds) {
  const total = result.requests.total || 0;
  const failures = result.errors + result.timeouts + result.non2xx;
  const errorRate = total === 0 ? 1 : failures / total;
  const rows = {
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
  const failed = [];
  if (thresholds.p99Ms !== undefined && result.latency.p99 > thresholds.p99Ms)
    failed.push(`p99 ${result.latency.p99} ms > ${thresholds.p99Ms} ms`);
  if (thresholds.maxErrorRate !== undefined && errorRate > thresholds.maxErrorRate)
    failed.push(`error rate ${(errorRate * 100).toFixed(2)}% > ${thresholds.maxErrorRate * 100}%`);
  if (thresholds.minRps !== undefined && result.requests.average < thresholds.minRps)
    failed.push(`throughput ${result.requests.average}/s < ${thresholds.minRps}/s`);
  console.log(failed.length === 0 ? '  thresholds: PASS' : `  thresholds: FAIL (${failed.join('; ')})`);
  return failed.length === 0;
}
