import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testInfra, uniqueEmail, uniqueId } from '@ticketing/testing';
import { newUser, startUsers } from './helpers.ts';

// Rate limits of the emailed links, in both profiles (Redis, or the in-memory cache). The emails
// themselves are followed to the mailbox by test/accounts.test.ts.
for (const profile of ['production', 'embedded'] as const) {
  describe(`link emails are rate-limited (${profile} adapters)`, () => {
    let server: Awaited<ReturnType<typeof startUsers>>;
    before(async () => {
      // Its own key prefix: the per-client counter of 127.0.0.1 starts at zero on every run.
      const redis = { url: testInfra.redisUrl, keyPrefix: `${uniqueId('links')}:` };
      server = await startUsers({ redis, emailRateLimit: { perEmail: 2, perIp: 5, windowSeconds: 600 } }, profile);
    });
    after(async () => server.close());

    it('per address (each kind counted apart) and then per client address, with a clear 429 and Retry-After', async () => {
      const user = newUser();
      assert.equal((await server.api('POST', '/api/users/register', { body: user })).status, 201);
      const forgot = () => server.api('POST', '/api/users/password/forgot', { body: { email: user.email } });
      assert.equal((await forgot()).status, 202);
      assert.equal((await forgot()).status, 202);
      const limited = await forgot();
      assert.equal(limited.status, 429, limited.text);
      assert.equal(limited.body.error, 'rate_limited');
      assert.match(limited.body.message, /Too many emails/);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.ok(Number(limited.headers.get('retry-after')) <= 600);

      // An unknown address is limited exactly like a known one: the 429 reveals nothing either.
      const nobody = uniqueEmail('nobody');
      const unknown = () => server.api('POST', '/api/users/password/forgot', { body: { email: nobody } });
      assert.equal((await unknown()).status, 202);
      // Four requests from this client so far (refused ones count too); the fifth is the last allowed.
      assert.equal((await server.api('POST', '/api/users/verify-email/request', { body: { email: uniqueEmail('fresh') } })).status, 202);
      const byIp = await server.api('POST', '/api/users/verify-email/request', { body: { email: uniqueEmail('fresh') } });
      assert.equal(byIp.status, 429, byIp.text);
      assert.ok(Number(byIp.headers.get('retry-after')) > 0);
    });
  });
}

describe('account routes refuse bad input clearly', () => {
  let server: Awaited<ReturnType<typeof startUsers>>;
  before(async () => {
    server = await startUsers();
  });
  after(async () => server.close());

  it('answers 400 with the field for a missing or malformed token, email or password', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/users/verify-email', {}, 'token'],
      ['/api/users/verify-email', { token: '' }, 'token'],
      ['/api/users/password/forgot', { email: 'not an address' }, 'email'],
      ['/api/users/verify-email/request', { email: 42 }, 'email'],
      ['/api/users/password/reset', { token: 'x' }, 'password'],
    ];
    for (const [path, body, field] of cases) {
      const res = await server.api('POST', path, { body });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.body.error, 'validation_failed');
      assert.ok(field in res.body.details.fields, `${path}: ${res.text}`);
    }
    // A well-formed request with a token that was never issued: the link error, not a crash.
    const res = await server.api('POST', '/api/users/password/reset', { body: { token: 'nope', password: 'long enough password' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'link_invalid');
    const short = await server.api('POST', '/api/users/password/reset', { body: { token: 'nope', password: 'short' } });
    assert.equal(short.body.error, 'validation_failed');
  });

  it('needs a token to change the password or log out', async () => {
    for (const path of ['/api/users/password', '/api/users/logout']) {
      const res = await server.api('POST', path, { body: { current_password: 'x', password: 'y' } });
      assert.equal(res.status, 401, res.text);
    }
  });
});
