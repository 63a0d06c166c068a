// The edge in front of the real users and event services (PostgreSQL, Redis): the same answers
// as the services give directly, request ids passed through, Server-Sent Events delivered one by
// one, the app's pages served, and a JSON 503/504 (never a hang) when a service is down or stuck.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { issueUserToken } from '@ticketing/auth';
import { createLogger, type App } from '@ticketing/http';
import { apiClient, listen, readSse, testInfra, uniqueEmail, uniqueId, type SseBlock } from '@ticketing/testing';
import { buildUsersApp, createUsersDeps, loadUsersConfig } from '@ticketing/users-service';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import { buildWebApp, loadWebConfig, type WebConfig } from '../src/index.ts';

const infra = { log: { level: 'silent' as const }, database: { url: testInfra.databaseUrl }, redis: { url: testInfra.redisUrl } };
const closers: (() => Promise<void>)[] = [];
let usersUrl = '';
let eventsUrl = '';
let edgeUrl = '';
let staticDir = '';
let eventsHub: { clientCount(): number } | undefined;
const jwt = loadUsersConfig({}, {}).jwt;

/** A port nothing listens on: a stopped service. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function startEdge(
  upstreams: Partial<WebConfig['upstreams']>,
  proxy: Partial<WebConfig['proxy']> = {},
): Promise<{ url: string; app: App }> {
  const config = loadWebConfig({ log: { level: 'silent' }, staticDir, upstreams, proxy }, {});
  const app = await buildWebApp({ config, logger: createLogger('web', 'silent') });
  const url = await listen(app);
  closers.push(() => app.close());
  return { url, app };
}

before(async () => {
  staticDir = mkdtempSync(path.join(tmpdir(), 'web-static-'));
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Ticketing</title><div id="root"></div>');
  closers.push(async () => rmSync(staticDir, { recursive: true, force: true }));

  const users = await createUsersDeps(loadUsersConfig({ ...infra, bcryptRounds: 4, kafka: { enabled: false } }, {}));
  const usersApp = await buildUsersApp(users);
  usersUrl = await listen(usersApp);
  closers.push(async () => {
    await usersApp.close();
    await users.close();
  });
  const events = await createEventsDeps(
    loadEventsConfig(
      { ...infra, redis: { ...infra.redis, keyPrefix: `${uniqueId('edge')}:` }, kafka: { enabled: false }, sweeperIntervalMs: 0 },
      {},
    ),
  );
  eventsHub = events.hub;
  const eventsApp = await buildEventsApp(events);
  eventsUrl = await listen(eventsApp);
  closers.push(async () => {
    await eventsApp.close();
    await events.close();
  });
  edgeUrl = (await startEdge({ users: usersUrl, events: eventsUrl })).url;
});

after(async () => {
  for (const close of closers.reverse()) await close();
});

function token(): string {
  return issueUserToken({ userId: crypto.randomUUID(), email: uniqueEmail('edge'), role: 'user' }, jwt).token;
}

async function createEvent(seats = 50): Promise<string> {
  const res = await apiClient(eventsUrl)('POST', '/api/events', {
    token: token(),
    body: {
      name: uniqueId('Edge show'),
      venue: 'Hall',
      city: 'Lyon',
      category: 'concert',
      event_date: new Date(Date.now() + 86_400_000).toISOString(),
      total_seats: seats,
      price_per_seat: 10,
      seats_per_row: 10,
    },
  });
  assert.equal(res.status, 201, res.text);
  return res.body.event_id as string;
}

describe('the web edge', () => {
  it('answers an API call exactly as the service does, with the caller’s request id', async () => {
    const eventId = await createEvent();
    const direct = await apiClient(eventsUrl)('GET', `/api/events/${eventId}`);
    const viaEdge = await apiClient(edgeUrl)('GET', `/api/events/${eventId}`, { headers: { 'x-request-id': 'edge-test-42' } });
    assert.equal(viaEdge.status, 200);
    assert.deepEqual(viaEdge.body, direct.body);
    assert.equal(viaEdge.headers.get('x-request-id'), 'edge-test-42');

    const generated = await apiClient(edgeUrl)('GET', '/api/events?limit=1');
    assert.equal(generated.status, 200);
    assert.ok(generated.headers.get('x-request-id'), 'a request id is generated when none is sent');
  });

  it('gives bad input the same JSON errors as the services give directly', async () => {
    const eventId = await createEvent();
    const t = token();
    const cases: [string, string, Parameters<ReturnType<typeof apiClient>>[2]][] = [
      ['POST', '/api/users/register', { rawBody: '{"email":' }],
      ['POST', '/api/users/register', { body: { email: 'not-an-email', password: 'x' } }],
      ['POST', '/api/users/login', { rawBody: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['GET', '/api/users/profile', {}],
      ['GET', '/api/users/profile', { token: 'forged.token.value' }],
      ['GET', '/api/events?limit=0&date_from=2031-02-30', {}],
      ['GET', '/api/events/not-a-uuid', {}],
      ['POST', `/api/events/${eventId}/hold`, { token: t, body: { seat_numbers: [] } }],
      ['POST', `/api/events/${eventId}/hold`, { token: t, body: { seat_numbers: ['Z99'] } }],
      ['POST', `/api/events/${eventId}/hold`, { token: t, rawBody: Buffer.alloc(1024 * 1024 + 10, 'a') }],
      ['DELETE', '/api/events', {}],
    ];
    for (const [method, url, opts] of cases) {
      const direct = await apiClient(url.startsWith('/api/users') ? usersUrl : eventsUrl)(method, url, opts);
      const viaEdge = await apiClient(edgeUrl)(method, url, opts);
      assert.equal(viaEdge.status, direct.status, `${method} ${url}`);
      assert.ok(direct.status >= 400 && direct.status < 500, `${method} ${url}: ${direct.status}`);
      assert.deepEqual(viaEdge.body, direct.body, `${method} ${url}`);
      assert.ok(typeof viaEdge.body.error === 'string' && typeof viaEdge.body.message === 'string');
    }
  });

  it('streams seat changes through one by one, as they happen', async () => {
    const eventId = await createEvent();
    const controller = new AbortController();
    const res = await fetch(`${edgeUrl}/api/events/${eventId}/seats/stream`, { signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const blocks: SseBlock[] = [];
    let wake: () => void = () => undefined;
    const reading = readSse(res.body!, (b) => {
      blocks.push(b);
      wake();
    });
    const waitFor = async (pred: (b: SseBlock) => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!blocks.some(pred)) {
        assert.ok(Date.now() < deadline, 'event did not arrive through the edge');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      }
      return blocks.find(pred)!;
    };
    try {
      await waitFor((b) => b.event === 'snapshot');
      // Each change must arrive before the next one is even made: nothing is held back in a buffer.
      const api = apiClient(eventsUrl);
      for (const seat of ['A1', 'B2', 'C3']) {
        const hold = await api('POST', `/api/events/${eventId}/hold`, { token: token(), body: { seat_numbers: [seat] } });
        assert.equal(hold.status, 201);
        const block = await waitFor((b) => b.event === 'seats' && (b.data ?? '').includes(`"${seat}"`));
        assert.equal(JSON.parse(block.data!).change, 'held');
      }
    } finally {
      controller.abort();
      await reading;
    }
  });

  it('fans one event stream out to all its browsers: each gets every change once, in order', async () => {
    const eventId = await createEvent(100);
    const api = apiClient(eventsUrl);
    const controller = new AbortController();
    const hold = async (seat: string) => {
      const res = await api('POST', `/api/events/${eventId}/hold`, { token: token(), body: { seat_numbers: [seat] } });
      assert.equal(res.status, 201, res.text);
    };
    // Browsers join in three waves, with changes made between the waves and while they join.
    const browsers: { seats: string[]; snapshot: boolean; done: Promise<void> }[] = [];
    const join = async (n: number) => {
      await Promise.all(
        Array.from({ length: n }, async () => {
          const res = await fetch(`${edgeUrl}/api/events/${eventId}/seats/stream`, { signal: controller.signal });
          assert.equal(res.status, 200);
          const browser = { seats: [] as string[], snapshot: false, done: Promise.resolve() };
          browser.done = readSse(res.body!, (b) => {
            if (b.event === 'snapshot') browser.snapshot = true;
            if (b.event === 'seats') browser.seats.push(...(JSON.parse(b.data!) as { seats: string[] }).seats);
          });
          browsers.push(browser);
          const deadline = Date.now() + 15_000;
          while (!browser.snapshot && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          assert.ok(browser.snapshot, 'every browser gets its snapshot first');
        }),
      );
    };
    const waitForSeat = async (seat: string) => {
      const deadline = Date.now() + 15_000;
      while (!browsers.every((b) => b.seats.includes(seat)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await join(10);
      await hold('A1');
      await Promise.all([join(10), hold('A2'), hold('A3')]);
      await hold('A4');
      await join(10);
      await hold('A5');
      await waitForSeat('A5');
      // Each browser saw the changes made after it joined, each once and in order; the ones
      // made while it was joining may or may not be there (its snapshot counts them), but once.
      for (const browser of browsers) {
        assert.deepEqual(browser.seats, [...new Set(browser.seats)], 'no change twice');
        const order = ['A1', 'A2', 'A3', 'A4', 'A5'].filter((s) => browser.seats.includes(s));
        const concurrent = new Set(['A2', 'A3']);
        assert.deepEqual(
          browser.seats.filter((s) => !concurrent.has(s)),
          order.filter((s) => !concurrent.has(s)),
          'changes in the order they were made',
        );
        assert.ok(browser.seats.includes('A5'), 'the last change reached every browser');
      }
      assert.ok(
        browsers.slice(20).every((b) => !b.seats.includes('A1')),
        'a browser gets no change from before it joined',
      );
      // Thirty browsers, one stream on the event service.
      assert.equal(eventsHub!.clientCount(), 1);
    } finally {
      controller.abort();
      await Promise.all(browsers.map((b) => b.done));
    }
    // The last browser gone, the edge hangs up on the event service too.
    const deadline = Date.now() + 10_000;
    while (eventsHub!.clientCount() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(eventsHub!.clientCount(), 0);
  });

  it('keeps hundreds of streams open at once', async () => {
    const eventId = await createEvent();
    const controller = new AbortController();
    const count = 200; // more than a default connection pool of 128
    let snapshots = 0;
    const readers = await Promise.all(
      Array.from({ length: count }, async () => {
        const res = await fetch(`${edgeUrl}/api/events/${eventId}/seats/stream`, { signal: controller.signal });
        // Wrapped: returning the reading promise itself would wait for the stream to end.
        return {
          done: readSse(res.body!, (b) => {
            if (b.event === 'snapshot') snapshots++;
          }),
        };
      }),
    );
    try {
      const deadline = Date.now() + 30_000;
      while (snapshots < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(snapshots, count, 'every stream got its snapshot');
    } finally {
      controller.abort();
      await Promise.all(readers.map((r) => r.done));
    }
  });

  it('serves the app, and its pages, from one origin', async () => {
    const home = await fetch(`${edgeUrl}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<div id="root">/);
    const page = await fetch(`${edgeUrl}/events/some-event`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    const unknownApi = await apiClient(edgeUrl)('GET', '/api/nothing-here');
    assert.equal(unknownApi.status, 404);
    assert.equal(unknownApi.body.error, 'not_found');
    const health = await apiClient(edgeUrl)('GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.checks.events, 'up');
    const metrics = await fetch(`${edgeUrl}/metrics`);
    assert.match(await metrics.text(), /http_request_duration_seconds/);
    const openapi = await apiClient(edgeUrl)('GET', '/services/events/openapi.json');
    assert.equal(openapi.status, 200);
    assert.ok(openapi.body.paths['/api/events/{id}/hold']);
  });

  it('forwards each path prefix to its service', async () => {
    // Small HTTP servers stand in for the four services and say who answered.
    const upstreams: Record<string, string> = {};
    for (const name of ['users', 'events', 'bookings', 'notifications']) {
      const server = http.createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ service: name, url: req.url }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      upstreams[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      closers.push(() => new Promise((r) => server.close(() => r())));
    }
    const edge = await startEdge(upstreams);
    const expected: [string, string][] = [
      ['/api/users/login', 'users'],
      ['/api/users/profile', 'users'],
      ['/api/users/0b8c5e7e-3a3c-4c53-9a53-8f3f3e1b8a1c/bookings?limit=5', 'bookings'],
      ['/api/events?city=Lyon', 'events'],
      ['/api/events/x/seats/stream', 'events'],
      ['/api/booking', 'bookings'],
      ['/api/booking/x/stream?access_token=t', 'bookings'],
      ['/api/bookings', 'bookings'],
      ['/api/notifications', 'notifications'],
    ];
    for (const [url, service] of expected) {
      const res = await apiClient(edge.url)('GET', url);
      assert.deepEqual(res.body, { service, url }, url);
    }
  });

  it('answers a JSON 503 at once when a service is stopped, and a JSON 504 when it hangs', async () => {
    const stuck = http.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise((r) => {
          stuck.closeAllConnections();
          stuck.close(() => r());
        }),
    );
    const edge = await startEdge(
      {
        users: usersUrl,
        events: `http://127.0.0.1:${(stuck.address() as AddressInfo).port}`,
        bookings: `http://127.0.0.1:${await closedPort()}`,
      },
      { headersTimeoutMs: 500 },
    );
    const started = Date.now();
    const down = await apiClient(edge.url)('POST', '/api/booking', { body: { hold_id: 'x' }, headers: { 'x-request-id': 'down-1' } });
    assert.equal(down.status, 503);
    assert.equal(down.body.error, 'service_unavailable');
    assert.match(down.body.message, /booking service is not available/);
    assert.deepEqual(down.body.details, { upstream: 'bookings' });
    assert.equal(down.headers.get('x-request-id'), 'down-1');
    assert.ok(Date.now() - started < 3000, 'a stopped service is reported at once');

    const hung = await apiClient(edge.url)('GET', '/api/events');
    assert.equal(hung.status, 504);
    assert.equal(hung.body.error, 'gateway_timeout');

    const health = await apiClient(edge.url)('GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'degraded');
    assert.equal(health.body.checks.bookings, 'down');
  });
});
