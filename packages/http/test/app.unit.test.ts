import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@ticketing/errors';
import { createHttpApp, createLogger } from '../src/index.ts';

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

  it('answers JSON 405 with Allow for a known path', async () => {
    const app = await build();
    const res = await app.inject({ method: 'POST', url: '/missing' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
    assert.equal(res.json().error, 'method_not_allowed');
  });
});
