// Throws bad input at every route of every service, found from each service's own OpenAPI
// document, and checks the answer is a clear 4xx `{error, message}` (or a 2xx where the input
// happens to be acceptable): never a 5xx, a hang or a non-JSON error. Production adapters,
// real PostgreSQL, Redis and Kafka.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { issueUserToken } from '@ticketing/auth';
import { loadUsersConfig } from '@ticketing/users-service';
import { upstreamOf } from '@ticketing/web-service';
import { serviceNames, startPlatform, type Platform, type RunningService } from './support/platform.ts';

type Service = RunningService;
let platform: Platform;
let services: Service[] = [];
let userToken = '';
let internalToken = '';

before(async () => {
  platform = await startPlatform();
  services = platform.services;
  ({ user: userToken, internal: internalToken } = platform.tokens);
});

after(async () => {
  await platform.close();
});

// Correctly signed, but its subject is no user id.
const oddSubjectToken = issueUserToken({ userId: 'admin', email: 'fuzz@example.test', role: 'admin' }, loadUsersConfig({}, {}).jwt).token;

// Every check runs on each service directly and through the web edge (its /api/... prefixes):
// hostile input through :8080 must get the same kind of answer.
type Via = 'direct' | 'edge';
const targets: [Via, (typeof serviceNames)[number]][] = (['direct', 'edge'] as const).flatMap((via) =>
  serviceNames.map((name) => [via, name] as [Via, (typeof serviceNames)[number]]),
);
const baseOf = (service: Service, via: Via): string => (via === 'direct' ? service.baseUrl : platform.edgeUrl);

const badIds = [
  'not-a-uuid',
  randomUUID(),
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(150),
  'x'.repeat(201),
  'x'.repeat(5000),
  '%27%20OR%201%3D1--',
  '..%2F..%2Fetc',
];
const badBodies: (string | undefined)[] = [
  '{"a":',
  '[]',
  '"text"',
  'null',
  '{}',
  '{"seat_numbers":[1,2],"hold_id":42,"email":7,"payment_info":"card","name":{"x":1},"total_seats":"ten","price_per_seat":-1}',
  JSON.stringify({ seat_numbers: Array.from({ length: 5000 }, (_, i) => `A${i}`), name: 'n'.repeat(100_000), hold_id: randomUUID() }),
  JSON.stringify({ event_date: 'yesterday', total_seats: 1e12, price_per_seat: 1.005, limit: -1 }),
];
const badQueries = ['?limit=abc', '?limit=-5&offset=-1', '?limit=100000', '?date_from=31-12-2020', '?status=weird', '?city=%25%5F'];

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
}

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  schema?: Schema;
}

interface Route {
  method: string;
  path: string;
  parameters: Parameter[];
  body: Schema | undefined;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

async function routesOf(service: Service): Promise<Route[]> {
  const spec = (await (await fetch(`${service.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
  const routes: Route[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const body = op.requestBody?.content?.['application/json']?.schema;
      routes.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body });
    }
  }
  return routes;
}

/** The routes reachable that way: the edge forwards the public API only, never /internal/... */
async function routesVia(service: Service, via: Via): Promise<Route[]> {
  const routes = await routesOf(service);
  return via === 'edge' ? routes.filter((r) => r.path.startsWith('/api/')) : routes;
}

const isNumeric = (schema: Schema | undefined): boolean =>
  [schema?.type].flat().some((t) => t === 'integer' || t === 'number') || (schema?.anyOf ?? []).some(isNumeric);

/** Every property of a body schema, nested objects included, as paths (`payment_info.amount`). */
function propertiesOf(schema: Schema | undefined, prefix: string[] = []): { path: string[]; schema: Schema }[] {
  const out: { path: string[]; schema: Schema }[] = [];
  for (const [name, child] of Object.entries(schema?.properties ?? {})) {
    out.push({ path: [...prefix, name], schema: child });
    if (child.properties) out.push(...propertiesOf(child, [...prefix, name]));
  }
  return out;
}

function bodyWith(path: string[], value: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  let node = body;
  path.forEach((key, i) => {
    if (i === path.length - 1) node[key] = value;
    else node = node[key] = {};
  });
  return body;
}

const pathWith = (route: Route, id: string): string => route.path.replace(/\{[^}]+\}/g, id);

/** node:http, because fetch refuses some methods (TRACE, CONNECT) and hides others' bodies. */
function rawRequest(
  url: string,
  method: string,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    // Internal routes authenticate before reading anything: they get the token they need.
    const token = new URL(url).pathname.startsWith('/internal') ? internalToken : userToken;
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = httpRequest(url, { method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

function errorBodyProblem(status: number, text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof parsed.error === 'string' && typeof parsed.message === 'string') return undefined;
  } catch {
    // falls through
  }
  return `${status} without an error body: ${text.slice(0, 120)}`;
}

async function send(
  url: string,
  method: string,
  body: string | undefined,
  token: string | undefined,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const res = await fetch(url, { method, headers, body, signal: controller.signal });
    // Streams (SSE) answer 200 and stay open: the status is what matters here.
    const text = (res.headers.get('content-type') ?? '').includes('event-stream') ? '' : await res.text();
    if ((res.headers.get('content-type') ?? '').includes('event-stream')) controller.abort();
    return { status: res.status, text };
  } finally {
    clearTimeout(timer);
  }
}

describe('bad input on every route (from each service’s OpenAPI document)', () => {
  for (const [via, name] of targets) {
    it(`${name}${via === 'edge' ? ' through the edge' : ''}: never answers 5xx, and every 4xx is a JSON error body`, async (t) => {
      const service = services.find((s) => s.name === name)!;
      const baseUrl = baseOf(service, via);
      const routes = await routesVia(service, via);
      assert.ok(routes.length > 0, 'the service documents its routes');
      const failures: string[] = [];
      let requests = 0;
      for (const route of routes) {
        const paths = route.path.includes('{') ? badIds.map((bad) => pathWith(route, bad)) : [route.path];
        // The edge forwards the Authorization header untouched: the services' token checks are
        // swept directly; through the edge one token keeps the sweep short.
        const tokens =
          via === 'edge'
            ? [userToken]
            : route.path.startsWith('/internal')
              ? [undefined, userToken, internalToken]
              : [undefined, 'forged.token.here', oddSubjectToken, userToken];
        const bodies = route.method === 'GET' || route.method === 'DELETE' ? [undefined] : badBodies;
        const queries = route.method === 'GET' ? ['', ...badQueries] : [''];
        for (const path of paths) {
          for (const token of tokens) {
            for (const body of bodies) {
              for (const query of queries) {
                requests++;
                // Log out revokes the token it is given: the sweep's own token must outlive it.
                const sent = token === userToken && route.path === '/api/users/logout' ? platform.freshUserToken() : token;
                const res = await send(`${baseUrl}${path}${query}`, route.method, body, sent);
                const where = `${route.method} ${path}${query} token=${token === undefined ? 'none' : token === internalToken ? 'internal' : token === userToken ? 'user' : token === oddSubjectToken ? 'odd-subject' : 'forged'} body=${(body ?? '').slice(0, 40)}`;
                if (res.status >= 500) failures.push(`${res.status} ${where}: ${res.text.slice(0, 200)}`);
                if (res.status >= 400 && res.status < 500) {
                  let parsed: { error?: unknown; message?: unknown } | undefined;
                  try {
                    parsed = JSON.parse(res.text) as typeof parsed;
                  } catch {
                    parsed = undefined;
                  }
                  if (typeof parsed?.error !== 'string' || typeof parsed.message !== 'string')
                    failures.push(`${res.status} without an error body: ${where}`);
                }
              }
            }
          }
        }
      }
      t.diagnostic(`${requests} requests over ${routes.length} routes`);
      assert.ok(requests >= routes.length * 3, `${requests} requests for ${routes.length} routes`);
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers out of ${requests}`);
    });
  }

  const BAD_TEXT = { 'a NUL character': 'a\u0000b', 'a lone surrogate': 'a\ud800b', 'a lone low surrogate': '\udc00' };
  const HUGE = ['9223372036854775808', '-9223372036854775809', '1e400', '99999999999999999999999999', '1.7976931348623157e309'];
  const ODD_METHODS = ['QUERY', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT', 'PURGE', 'TRACE'];

  for (const [via, name] of targets) {
    it(`${name}${via === 'edge' ? ' through the edge' : ''}: NUL characters and lone surrogates in any body field, query or path are a 400 naming the field`, async () => {
      const service = services.find((s) => s.name === name)!;
      const baseUrl = baseOf(service, via);
      const failures: string[] = [];
      let checked = 0;
      const expect400 = async (what: string, url: string, method: string, body?: string): Promise<void> => {
        checked++;
        const res = await rawRequest(url, method, body);
        let parsed: { error?: string; details?: { fields?: Record<string, string> } } = {};
        try {
          parsed = JSON.parse(res.text) as typeof parsed;
        } catch {
          // reported below
        }
        if (res.status !== 400 || parsed.error !== 'validation_failed' || Object.keys(parsed.details?.fields ?? {}).length === 0)
          failures.push(`${res.status} ${what}: ${res.text.slice(0, 160)}`);
      };
      for (const route of await routesVia(service, via)) {
        const base = `${baseUrl}${pathWith(route, randomUUID())}`;
        for (const [label, text] of Object.entries(BAD_TEXT)) {
          for (const property of propertiesOf(route.body)) {
            await expect400(
              `${route.method} ${route.path} ${property.path.join('.')} with ${label}`,
              base,
              route.method,
              JSON.stringify(bodyWith(property.path, text)),
            );
          }
          if (route.body)
            await expect400(`${route.method} ${route.path} a key with ${label}`, base, route.method, JSON.stringify({ [`k${text}`]: 1 }));
        }
        for (const param of route.parameters) {
          if (param.in === 'query')
            await expect400(
              `${route.method} ${route.path}?${param.name}=NUL`,
              `${base}?${param.name}=a%00b`,
              route.method,
              route.body ? '{}' : undefined,
            );
          if (param.in === 'path')
            await expect400(
              `${route.method} ${route.path} ${param.name}=NUL`,
              `${baseUrl}${route.path.replace(`{${param.name}}`, 'a%00b').replace(/\{[^}]+\}/g, randomUUID())}`,
              route.method,
              route.body ? '{}' : undefined,
            );
        }
      }
      assert.ok(checked > 0, 'something was checked');
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${checked}`);
    });

    it(`${name}${via === 'edge' ? ' through the edge' : ''}: huge numbers in every numeric parameter are a 400, in bodies never a 5xx`, async () => {
      const service = services.find((s) => s.name === name)!;
      const baseUrl = baseOf(service, via);
      const failures: string[] = [];
      for (const route of await routesVia(service, via)) {
        const base = `${baseUrl}${pathWith(route, randomUUID())}`;
        for (const param of route.parameters.filter((p) => p.in === 'query' && isNumeric(p.schema))) {
          for (const huge of HUGE) {
            const res = await rawRequest(`${base}?${param.name}=${huge}`, route.method);
            if (res.status !== 400 || !res.text.includes(param.name))
              failures.push(`${res.status} ${route.method} ${route.path}?${param.name}=${huge}: ${res.text.slice(0, 160)}`);
          }
        }
        for (const property of propertiesOf(route.body).filter((p) => isNumeric(p.schema))) {
          for (const huge of HUGE) {
            // Raw JSON text: 1e400 parses to Infinity, the others lose precision.
            const body = JSON.stringify(bodyWith(property.path, 0)).replace(/:0(?=\}+$)/, `:${huge}`);
            const res = await rawRequest(base, route.method, body);
            const problem = res.status >= 500 ? `${res.status}` : res.status >= 400 ? errorBodyProblem(res.status, res.text) : undefined;
            if (problem)
              failures.push(`${problem} ${route.method} ${route.path} ${property.path.join('.')}=${huge}: ${res.text.slice(0, 160)}`);
          }
        }
      }
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers`);
    });

    it(`${name}${via === 'edge' ? ' through the edge' : ''}: bad values of every documented header parameter (Idempotency-Key) are a 400`, async () => {
      const service = services.find((s) => s.name === name)!;
      const baseUrl = baseOf(service, via);
      const failures: string[] = [];
      for (const route of await routesVia(service, via)) {
        for (const param of route.parameters.filter((p) => p.in === 'header')) {
          for (const value of ['', 'has space', 'k'.repeat(256), 'caf\u00e9']) {
            const url = `${baseUrl}${pathWith(route, randomUUID())}`;
            const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
              const req = httpRequest(
                url,
                {
                  method: route.method,
                  headers: {
                    authorization: `Bearer ${userToken}`,
                    'content-type': 'application/json',
                    [param.name]: Buffer.from(value, 'utf8').toString('latin1'),
                  },
                  timeout: 10_000,
                },
                (r) => {
                  let text = '';
                  r.on('data', (c: Buffer) => (text += c.toString()));
                  r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
                },
              );
              req.on('error', reject);
              req.end('{}');
            });
            // The body `{}` may be refused first (validation stops at the first bad part).
            if (res.status !== 400 || errorBodyProblem(res.status, res.text))
              failures.push(
                `${res.status} ${route.method} ${route.path} ${param.name}=${JSON.stringify(value)}: ${res.text.slice(0, 160)}`,
              );
          }
        }
      }
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers`);
    });

    it(`${name}${via === 'edge' ? ' through the edge' : ''}: over-long path ids are a 404 with the contract body`, async () => {
      const service = services.find((s) => s.name === name)!;
      const baseUrl = baseOf(service, via);
      const failures: string[] = [];
      for (const route of (await routesVia(service, via)).filter((r) => r.path.includes('{'))) {
        for (const length of [201, 1000, 6000]) {
          const res = await rawRequest(`${baseUrl}${pathWith(route, 'x'.repeat(length))}`, route.method, route.body ? '{}' : undefined);
          if (res.status !== 404 || errorBodyProblem(res.status, res.text))
            failures.push(`${res.status} ${route.method} ${route.path} id of ${length}: ${res.text.slice(0, 160)}`);
        }
      }
      assert.deepEqual(failures, []);
    });

    it(`${name}${via === 'edge' ? ' through the edge' : ''}: odd methods (QUERY, PROPFIND, ...) on every path are a 405 with Allow`, async () => {
      const service = services.find((s) => s.name === name)!;
      const baseUrl = baseOf(service, via);
      const routes = await routesVia(service, via);
      const failures: string[] = [];
      for (const path of new Set(routes.map((r) => r.path))) {
        const declared = routes.filter((r) => r.path === path).map((r) => r.method);
        const url = `${baseUrl}${path.replace(/\{[^}]+\}/g, randomUUID())}`;
        for (const method of ODD_METHODS) {
          for (const body of [undefined, '{"a":1}']) {
            const res = await rawRequest(url, method, body);
            const allow = String(res.headers.allow ?? '');
            if (res.status !== 405 || declared.some((m) => !allow.includes(m)) || errorBodyProblem(res.status, res.text))
              failures.push(`${res.status} ${method} ${path} allow=${allow}: ${res.text.slice(0, 120)}`);
          }
        }
      }
      assert.deepEqual(failures.slice(0, 20), [], `${failures.length} bad answers`);
    });

    it(`${name}${via === 'edge' ? ' through the edge' : ''}: unknown query parameters are a 400 naming the parameter`, async () => {
      const service = services.find((s) => s.name === name)!;
      const baseUrl = baseOf(service, via);
      const failures: string[] = [];
      for (const route of await routesVia(service, via)) {
        const url = `${baseUrl}${pathWith(route, randomUUID())}?no_such_param=1`;
        const res = await rawRequest(url, route.method, route.body ? '{}' : undefined);
        if (res.status !== 400 || !res.text.includes('no_such_param'))
          failures.push(`${res.status} ${route.method} ${route.path}: ${res.text.slice(0, 160)}`);
      }
      assert.deepEqual(failures, []);
    });
  }

  it('the edge sends every /api route to the service that documents it', async () => {
    const wrong: string[] = [];
    for (const service of services) {
      for (const route of (await routesOf(service)).filter((r) => r.path.startsWith('/api/'))) {
        const upstream = upstreamOf(pathWith(route, randomUUID()));
        if (upstream !== service.name)
          wrong.push(
            `${route.method} ${route.path} is served by ${service.name}, the edge sends it to ${upstream ?? 'nothing'} (services/web/src/app.ts routes)`,
          );
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('the edge does not forward the internal routes: a JSON 404 for each', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const service of services) {
      for (const route of (await routesOf(service)).filter((r) => r.path.startsWith('/internal'))) {
        checked++;
        const res = await rawRequest(`${platform.edgeUrl}${pathWith(route, randomUUID())}`, route.method, route.body ? '{}' : undefined);
        if (res.status !== 404 || errorBodyProblem(res.status, res.text))
          failures.push(`${res.status} ${route.method} ${route.path}: ${res.text.slice(0, 120)}`);
      }
    }
    assert.ok(checked > 0, 'the services have internal routes');
    assert.deepEqual(failures, []);
  });
});
