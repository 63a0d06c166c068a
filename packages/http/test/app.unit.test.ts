import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import type { InjectOptions } from 'fastify';
import { DomainError } from '@ticketing/errors';
import { PassThrough } from 'node:stream';
import { createHttpApp, createLogger, createSseStream, drainAndClose, sendUntilDrained } from '../src/index.ts';

async function build() {
  const app = await createHttpApp({
    service: 'probe',
    logger: createLogger('probe', 'silent'),
    errorStatus: { thing_missing: 404, upstream_down: 503 },
    healthChecks: {
      db: { check: async () => undefined, required: true },
      cache: { check: async () => Promise.reject(new Error('down')), required: false },
    },
  });
  app.get('/boom', async () => {
    throw new Error('secret internals');
  });
  app.get('/missing', async () => {
    throw new DomainError('thing_missing', 'No such thing', { id: 'x' });
  });
  app.get('/down', async () => {
    throw new DomainError('upstream_down', 'Try later', { retry_after_seconds: 2 });
  });
  app.get('/unmapped', async () => {
    throw new DomainError('never_declared', 'oops');
  });
  app.post(
    '/things/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
        body: Type.Object({ name: Type.String(), tags: Type.Optional(Type.Array(Type.String())) }),
      },
    },
    async (request) => ({ id: request.params.id, body: request.body }),
  );
  app.get(
    '/things',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }) } },
    async (request) => request.query,
  );
  app.get('/plain', { schema: { summary: 'no query' } }, async () => ({ ok: true }));
  return app;
}

describe('createHttpApp error handling', () => {
  it('hides an unexpected error behind internal_error with an error_id', async () => {
    const app = await build();
    const res = await app.inject({ method: 'GET', url: '/boom' });
    assert.equal(res.statusCode, 500);
    const body = res.json();
    assert.equal(body.error, 'internal_error');
    assert.match(body.details.error_id, /^[0-9a-f-]{36}$/);
    assert.ok(!res.body.includes('secret internals'));
  });

  it('maps domain errors through the service status map, keeping details', async () => {
    const app = await build();
    const missing = await app.inject({ method: 'GET', url: '/missing' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { error: 'thing_missing', message: 'No such thing', details: { id: 'x' } });
    const down = await app.inject({ method: 'GET', url: '/down' });
    assert.equal(down.statusCode, 503);
    assert.equal(down.headers['retry-after'], '2');
    assert.equal(down.json().error, 'upstream_down');
    const unmapped = await app.inject({ method: 'GET', url: '/unmapped' });
    assert.equal(unmapped.statusCode, 500);
    assert.equal(unmapped.json().error, 'internal_error');
  });

  it('reports degraded health when an optional dependency is down', async () => {
    const app = await build();
    const res = await app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'degraded');
    assert.deepEqual(res.json().checks, { db: 'up', cache: 'down' });
  });

  it('keeps liveness and readiness up while only an optional dependency is down', async () => {
    const app = await build();
    const live = await app.inject({ method: 'GET', url: '/health/live' });
    assert.equal(live.statusCode, 200);
    assert.equal(live.json().status, 'alive');
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json().checks, { db: 'up' });
  });

  it('answers readiness 503 when a required dependency is down, while liveness stays 200', async () => {
    const app = await createHttpApp({
      service: 'probe',
      logger: createLogger('probe', 'silent'),
      healthChecks: { db: { check: async () => Promise.reject(new Error('down')), required: true } },
    });
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().status, 'not_ready');
    assert.deepEqual(ready.json().checks, { db: 'down' });
    assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 503);
  });

  it('answers readiness 503 while draining, and liveness still 200', async () => {
    let draining = false;
    const app = await createHttpApp({
      service: 'probe',
      logger: createLogger('probe', 'silent'),
      draining: () => draining,
      healthChecks: { db: { check: async () => undefined, required: true } },
    });
    assert.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
    draining = true;
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().draining, true);
    assert.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  });

  it('drainAndClose finishes the request in flight, answers a request on an open connection 503 + Retry-After, and refuses new connections', async () => {
    const app = await createHttpApp({ service: 'probe', logger: createLogger('probe', 'silent') });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    app.get('/slow', async () => {
      arrived();
      await released;
      return { done: true };
    });
    app.get('/quick', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as net.AddressInfo;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string, via: http.Agent | false = agent) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path, agent: via }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
          })
          .on('error', reject);
      });
    try {
      assert.equal((await get('/quick')).status, 200);
      assert.match(String((await get('/quick')).headers['keep-alive']), /timeout=5/);
      const slow = get('/slow', false);
      await inFlight;
      const draining = drainAndClose(app);
      // The agent's idle kept-alive connection is still open: the request is answered, not reset.
      const during = await get('/quick');
      assert.equal(during.status, 503);
      assert.equal(during.headers['retry-after'], '1');
      assert.equal(during.headers.connection, 'close');
      assert.equal(JSON.parse(during.body).error, 'service_unavailable');
      await assert.rejects(get('/quick', false), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
      release();
      const done = await slow;
      assert.equal(done.status, 200);
      assert.equal(done.headers.connection, 'close');
      await draining;
    } finally {
      agent.destroy();
    }
  });

  it('drainAndClose ends relayed event streams and its own cleanly, also one opened while it drains', async () => {
    // A long keep-alive: a stream left open would hold the drain for all of it (31 s).
    const app = await createHttpApp({ service: 'probe', logger: createLogger('probe', 'silent'), keepAliveTimeoutMs: 30_000 });
    const sources: PassThrough[] = [];
    // A stream relayed from another server (what the edge's proxy passes on): it never ends by itself.
    app.get('/relayed', (_request, reply) => {
      const source = new PassThrough();
      sources.push(source);
      source.write('retry: 1000\n\nid: 1\nevent: seats\ndata: {}\n\n');
      return sendUntilDrained(reply, source);
    });
    let opening: () => void = () => undefined;
    let openLate!: () => void;
    const late = new Promise<void>((resolve) => (openLate = resolve));
    app.get('/own', async (request, reply) => {
      const sse = createSseStream(request, reply, { retryMs: 1000, heartbeatMs: 0 });
      if (request.url.endsWith('late')) {
        opening();
        await late;
      }
      sse.send('snapshot', {}, 1);
      return sse.open();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as net.AddressInfo;
    /** Reads a stream to its end: its text, or the error that cut it. */
    const read = (path: string, started: () => void = () => undefined) =>
      new Promise<string>((resolve) => {
        http
          .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => {
              body += d.toString();
              started();
            });
            res.on('end', () => resolve(body));
            res.on('error', (err) => resolve(`cut: ${err.message}`));
          })
          .on('error', (err) => resolve(`failed: ${err.message}`));
      });
    let relayedStarted!: () => void;
    const relayedOpen = new Promise<void>((r) => (relayedStarted = r));
    let ownStarted!: () => void;
    const ownOpen = new Promise<void>((r) => (ownStarted = r));
    const relayed = read('/relayed', relayedStarted);
    const own = read('/own', ownStarted);
    const lateOpened = new Promise<void>((r) => (opening = r));
    const lateOne = read('/own?late');
    await Promise.all([relayedOpen, ownOpen, lateOpened]);
    const drainStarted = Date.now();
    const draining = drainAndClose(app);
    openLate();
    assert.equal(await relayed, 'retry: 1000\n\nid: 1\nevent: seats\ndata: {}\n\n', 'what was relayed, then a clean end');
    assert.match(await own, /event: snapshot/);
    assert.match(await lateOne, /event: snapshot/, 'opened during the drain: its opening, then a clean end');
    assert.ok(sources[0]!.destroyed, 'the relayed source is dropped');
    await draining;
    assert.ok(Date.now() - drainStarted < 20_000, 'no stream held the drain to its keep-alive grace');
  });

  it('answers JSON 405 with Allow for a known path', async () => {
    const app = await build();
    const res = await app.inject({ method: 'POST', url: '/missing' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
    assert.equal(res.json().error, 'method_not_allowed');
  });

  it('answers QUERY, PROPFIND and other odd methods 405 with Allow on a known path, before reading any body', async () => {
    const app = await build();
    for (const method of ['QUERY', 'PROPFIND', 'MKCOL', 'PUT', 'DELETE'] as const) {
      const res = await app.inject({
        method: method as 'PUT',
        url: '/things/1',
        payload: '{"a":1}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 405, method);
      assert.equal(res.headers.allow, 'POST', method);
      assert.equal(res.json().error, 'method_not_allowed', method);
      const bare = await app.inject({ method: method as 'PUT', url: '/things/1' });
      assert.equal(bare.statusCode, 405, `${method} without a body`);
    }
    const unknown = await app.inject({ method: 'QUERY' as 'PUT', url: '/nowhere' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error, 'not_found');
  });

  it('answers an over-long path id 404 with the contract body, not the router’s 414', async () => {
    const app = await build();
    const res = await app.inject({ method: 'POST', url: `/things/${'x'.repeat(5000)}`, payload: { name: 'n' } });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error, 'not_found');
    assert.equal(typeof res.json().message, 'string');
    assert.ok(res.json().message.length < 300, 'the message does not echo the whole path');
    const badEscape = await app.inject({ method: 'POST', url: '/things/%E0%A4%A', payload: { name: 'n' } });
    assert.ok(badEscape.statusCode === 400 || badEscape.statusCode === 404, String(badEscape.statusCode));
    assert.equal(typeof badEscape.json().error, 'string');
  });

  it('refuses NUL characters and lone surrogates anywhere in body, query or path, naming the field', async () => {
    const app = await build();
    const cases: [string, InjectOptions, string][] = [
      [
        'body field',
        { method: 'POST', url: '/things/1', payload: '{"name":"a\\u0000b"}', headers: { 'content-type': 'application/json' } },
        'name',
      ],
      [
        'nested',
        {
          method: 'POST',
          url: '/things/1',
          payload: '{"name":"a","tags":["ok","\\ud800"]}',
          headers: { 'content-type': 'application/json' },
        },
        'tags.1',
      ],
      [
        'body key',
        { method: 'POST', url: '/things/1', payload: '{"name":"a","x\\u0000":1}', headers: { 'content-type': 'application/json' } },
        'x\\u0000',
      ],
      [
        'low surrogate',
        { method: 'POST', url: '/things/1', payload: '{"name":"\\udc00x"}', headers: { 'content-type': 'application/json' } },
        'name',
      ],
      ['path', { method: 'POST', url: '/things/a%00b', payload: { name: 'a' } }, 'id'],
      ['query', { method: 'GET', url: '/things?limit=%00' }, 'limit'],
    ];
    for (const [what, request, field] of cases) {
      const res = await app.inject(request);
      assert.equal(res.statusCode, 400, what);
      const body = res.json();
      assert.equal(body.error, 'validation_failed', what);
      assert.ok(body.details.fields[field], `${what}: ${JSON.stringify(body)}`);
      assert.match(body.message, /NUL|surrogate/, what);
    }
    const fine = await app.inject({ method: 'POST', url: '/things/1', payload: { name: 'Zoë 🎟️ 東京' } });
    assert.equal(fine.statusCode, 200);
  });

  it('refuses unknown query parameters, naming them', async () => {
    const app = await build();
    const withSchema = await app.inject({ method: 'GET', url: '/things?limit=5&lmit=3' });
    assert.equal(withSchema.statusCode, 400);
    assert.deepEqual(withSchema.json().details.fields, { lmit: 'is not allowed' });
    const withoutSchema = await app.inject({ method: 'GET', url: '/plain?debug=1' });
    assert.equal(withoutSchema.statusCode, 400);
    assert.deepEqual(withoutSchema.json().details.fields, { debug: 'is not allowed' });
    assert.equal((await app.inject({ method: 'GET', url: '/things?limit=5' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/plain' })).statusCode, 200);
  });
});

describe('validation messages', () => {
  it('says what is wrong in words, not in JSON Schema terms', async () => {
    const app = await createHttpApp({ service: 'probe', logger: createLogger('probe', 'silent') });
    app.post(
      '/words',
      {
        schema: {
          body: Type.Object({
            id: Type.String({ format: 'uuid' }),
            name: Type.String({ maxLength: 3 }),
            status: Type.Union([Type.Literal('confirmed'), Type.Literal('failed')]),
            count: Type.Integer({ minimum: 1 }),
          }),
        },
      },
      async () => ({ ok: true }),
    );
    const res = await app.inject({ method: 'POST', url: '/words', payload: { id: 'x', name: 'long', status: 'maybe', count: 0 } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().details.fields, {
      id: 'must be a UUID',
      name: 'must be at most 3 characters long',
      status: 'must be one of: confirmed, failed',
      count: 'must be at least 1',
    });
    assert.doesNotMatch(res.json().message, /must NOT|must match format|must be equal to constant/);
  });
});
