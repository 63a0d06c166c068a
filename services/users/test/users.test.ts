import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueInternalToken, issueUserToken, verifyUserToken } from '@ticketing/auth';
import { craftJwt, type ApiRequest } from '@ticketing/testing';
import { newUser, startUsers } from './helpers.ts';

let server: Awaited<ReturnType<typeof startUsers>>;
let api: ApiRequest;

for (const profile of ['production', 'embedded'] as const) {
  describe(`user service (${profile} adapters)`, () => {
    before(async () => {
      server = await startUsers({}, profile);
      api = server.api;
    });
    after(async () => server.close());

    async function registerAndLogin(overrides: Record<string, unknown> = {}) {
      const user = newUser(overrides);
      const reg = await api('POST', '/api/users/register', { body: user });
      assert.equal(reg.status, 201, reg.text);
      const login = await api('POST', '/api/users/login', { body: { email: user.email, password: user.password } });
      assert.equal(login.status, 200, login.text);
      return { user, token: login.body.access_token as string, userId: reg.body.user_id as string };
    }

    function assertError(res: { status: number; body: any }, status: number, code: string) {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.error, code);
      assert.equal(typeof res.body.message, 'string');
      assert.ok(res.body.message.length > 0);
    }

    describe('POST /api/users/register', () => {
      it('creates a user and returns it without the password', async () => {
        const user = newUser({ email: `Mixed.Case.${Date.now()}@Example.TEST`, first_name: '  Grace ' });
        const res = await api('POST', '/api/users/register', { body: user });
        assert.equal(res.status, 201);
        assert.deepEqual(Object.keys(res.body).sort(), ['created_at', 'email', 'email_verified', 'first_name', 'last_name', 'user_id']);
        assert.equal(res.body.email_verified, false);
        assert.match(res.body.user_id, /^[0-9a-f-]{36}$/);
        assert.equal(res.body.email, user.email.toLowerCase());
        assert.equal(res.body.first_name, 'Grace');
        assert.ok(!Number.isNaN(Date.parse(res.body.created_at)));
        assert.ok(!res.text.includes('password'));
        assert.ok(res.headers.get('x-request-id'));
      });

      it('refuses a second account for the same email, whatever its case', async () => {
        const user = newUser();
        assert.equal((await api('POST', '/api/users/register', { body: user })).status, 201);
        const again = await api('POST', '/api/users/register', { body: { ...user, email: user.email.toUpperCase() } });
        assertError(again, 409, 'email_taken');
      });

      it('gives exactly one 201 when the same email registers concurrently', async () => {
        const user = newUser();
        const results = await Promise.all(Array.from({ length: 20 }, () => api('POST', '/api/users/register', { body: user })));
        const statuses = results.map((r) => r.status).sort();
        assert.equal(statuses.filter((s) => s === 201).length, 1, String(statuses));
        assert.equal(statuses.filter((s) => s === 409).length, 19, String(statuses));
        for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.error, 'email_taken');
      });

      const invalidBodies: [string, Record<string, unknown>, string][] = [
        ['a missing email', { email: undefined }, 'email'],
        ['an invalid email', { email: 'not-an-email' }, 'email'],
        ['a number as first name', { first_name: 42 }, 'first_name'],
        ['a blank last name', { last_name: '   ' }, 'last_name'],
        ['a 101-character name', { first_name: 'x'.repeat(101) }, 'first_name'],
        ['a 7-byte password', { password: '1234567' }, 'password'],
        ['a 73-byte password', { password: 'p'.repeat(73) }, 'password'],
        ['a password of 37 two-byte characters (74 bytes)', { password: 'é'.repeat(37) }, 'password'],
        ['a password that is not a string', { password: 12345678 }, 'password'],
      ];
      for (const [label, patch, field] of invalidBodies) {
        it(`rejects ${label} with validation_failed naming ${field}`, async () => {
          const res = await api('POST', '/api/users/register', { body: newUser(patch) });
          assertError(res, 400, 'validation_failed');
          assert.ok(field in res.body.details.fields, JSON.stringify(res.body.details));
        });
      }

      it('accepts a 72-byte password', async () => {
        const res = await api('POST', '/api/users/register', { body: newUser({ password: 'p'.repeat(72) }) });
        assert.equal(res.status, 201, res.text);
      });

      it('answers malformed JSON with 400 invalid_json', async () => {
        const res = await api('POST', '/api/users/register', { rawBody: '{"email": "a@b.c",' });
        assertError(res, 400, 'invalid_json');
      });

      it('answers a JSON array or string body with 400', async () => {
        assertError(await api('POST', '/api/users/register', { rawBody: '[1,2]' }), 400, 'validation_failed');
        assertError(await api('POST', '/api/users/register', { rawBody: '"hello"' }), 400, 'validation_failed');
      });

      it('answers an empty body with 400', async () => {
        const res = await api('POST', '/api/users/register', { rawBody: '' });
        assert.equal(res.status, 400);
        assert.ok(['invalid_json', 'validation_failed'].includes(res.body.error));
      });

      it('answers a body over 1 MiB with 413', async () => {
        const res = await api('POST', '/api/users/register', { body: newUser({ first_name: 'x'.repeat(2 * 1024 * 1024) }) });
        assertError(res, 413, 'payload_too_large');
      });

      it('answers a non-JSON content type with 415', async () => {
        const res = await api('POST', '/api/users/register', {
          rawBody: 'email=a',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assertError(res, 415, 'unsupported_media_type');
      });
    });

    describe('POST /api/users/login', () => {
      it('returns a bearer token whose claims follow the contract', async () => {
        const user = newUser();
        const reg = await api('POST', '/api/users/register', { body: user });
        const res = await api('POST', '/api/users/login', { body: { email: user.email.toUpperCase(), password: user.password } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.token_type, 'Bearer');
        assert.equal(res.body.expires_in, 3600);
        assert.equal(res.body.user.user_id, reg.body.user_id);
        const claims = verifyUserToken(res.body.access_token, { secret: server.config.jwt.secret });
        assert.equal(claims.sub, reg.body.user_id);
        assert.equal(claims.user_id, reg.body.user_id);
        assert.equal(claims.email, user.email.toLowerCase());
        assert.equal(claims.role, 'user');
        assert.equal(claims.name, `${user.first_name} ${user.last_name}`);
        assert.equal(claims.exp - claims.iat, 3600);
        assert.equal(claims.iss, server.config.jwt.issuer);
        const header = JSON.parse(Buffer.from(res.body.access_token.split('.')[0], 'base64url').toString());
        assert.equal(header.alg, 'HS256');
      });

      it('gives the same 401 for a wrong password and for an unknown email', async () => {
        const user = newUser();
        await api('POST', '/api/users/register', { body: user });
        const wrong = await api('POST', '/api/users/login', { body: { email: user.email, password: 'not the password' } });
        const unknown = await api('POST', '/api/users/login', { body: { email: `nobody.${user.email}`, password: user.password } });
        assertError(wrong, 401, 'authentication_failed');
        assertError(unknown, 401, 'authentication_failed');
        assert.equal(wrong.body.message, unknown.body.message);
      });

      it('rejects a login without a password', async () => {
        const res = await api('POST', '/api/users/login', { body: { email: 'a@b.test' } });
        assertError(res, 400, 'validation_failed');
        assert.ok('password' in res.body.details.fields);
      });

      it('limits attempts per email with 429 and Retry-After', async () => {
        const limited = await startUsers({ loginRateLimit: { perEmail: 3, perIp: 100000, windowSeconds: 60 } }, profile);
        try {
          const user = newUser();
          await limited.api('POST', '/api/users/register', { body: user });
          const statuses: number[] = [];
          for (let i = 0; i < 5; i++) {
            const res = await limited.api('POST', '/api/users/login', { body: { email: user.email, password: 'wrong password!' } });
            statuses.push(res.status);
            if (res.status === 429) {
              assert.equal(res.body.error, 'rate_limited');
              const retryAfter = Number(res.headers.get('retry-after'));
              assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
            }
          }
          assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
          // Even the right password is refused while the window lasts.
          const right = await limited.api('POST', '/api/users/login', { body: { email: user.email, password: user.password } });
          assert.equal(right.status, 429);
        } finally {
          await limited.close();
        }
      });
    });

    describe('GET /api/users/profile', () => {
      it('returns the caller', async () => {
        const { token, userId, user } = await registerAndLogin();
        const res = await api('GET', '/api/users/profile', { token });
        assert.equal(res.status, 200);
        assert.equal(res.body.user_id, userId);
        assert.equal(res.body.email, user.email.toLowerCase());
      });

      it('needs a token', async () => {
        assertError(await api('GET', '/api/users/profile'), 401, 'unauthorized');
      });

      it('rejects a malformed Authorization header', async () => {
        assertError(await api('GET', '/api/users/profile', { headers: { authorization: 'Token abc' } }), 401, 'invalid_token');
        assertError(await api('GET', '/api/users/profile', { token: 'not.a.jwt' }), 401, 'invalid_token');
        assertError(await api('GET', '/api/users/profile', { token: 'garbage' }), 401, 'invalid_token');
      });

      it('rejects expired, wrongly signed, alg:none, exp-less and internal tokens', async () => {
        const { userId } = await registerAndLogin();
        const { secret, issuer } = server.config.jwt;
        const base = { userId, email: 'x@y.test', role: 'user' as const };
        const expired = issueUserToken(base, { secret, issuer, ttlSeconds: 60, now: Date.now() - 3600_000 }).token;
        const wrongKey = issueUserToken(base, { secret: 'another-secret-that-is-long-enough-0123456789', issuer, ttlSeconds: 60 }).token;
        const now = Math.floor(Date.now() / 1000);
        const claims = { sub: userId, user_id: userId, email: 'x@y.test', role: 'admin', iat: now, nbf: now, exp: now + 600, iss: issuer };
        const none = craftJwt({ alg: 'none', typ: 'JWT' }, claims, '');
        const hs512 = craftJwt({ alg: 'HS512', typ: 'JWT' }, claims);
        const [h, p] = issueUserToken(base, { secret, issuer, ttlSeconds: 60 }).token.split('.');
        const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims })).toString('base64url')}.${issueUserToken(base, { secret, issuer, ttlSeconds: 60 }).token.split('.')[2]}`;
        const { createHmac } = await import('node:crypto');
        const noExpBody = Buffer.from(JSON.stringify({ ...claims, exp: undefined })).toString('base64url');
        const noExp = `${h}.${noExpBody}.${createHmac('sha256', secret).update(`${h}.${noExpBody}`).digest('base64url')}`;
        const internal = issueInternalToken('bookings', { secret: server.config.jwt.internalSecret, issuer, ttlSeconds: 60 });
        const internalWithUserSecret = issueInternalToken('bookings', { secret, issuer, ttlSeconds: 60 });
        assert.ok(p);
        for (const [label, token] of Object.entries({
          expired,
          wrongKey,
          none,
          hs512,
          tampered,
          noExp,
          internal,
          internalWithUserSecret,
        })) {
          const res = await api('GET', '/api/users/profile', { token });
          assert.equal(res.status, 401, `${label}: ${res.text}`);
          assert.equal(res.body.error, 'invalid_token', label);
        }
      });
    });

    describe('PUT /api/users/profile', () => {
      it('updates names, trimmed', async () => {
        const { token } = await registerAndLogin();
        const res = await api('PUT', '/api/users/profile', { token, body: { first_name: ' Alan ', last_name: 'Turing' } });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.first_name, 'Alan');
        assert.equal(res.body.last_name, 'Turing');
        assert.equal((await api('GET', '/api/users/profile', { token })).body.first_name, 'Alan');
      });

      it('needs current_password to change the email, and checks it', async () => {
        const { token, user } = await registerAndLogin();
        const newEmail = `changed.${user.email}`;
        const missing = await api('PUT', '/api/users/profile', { token, body: { email: newEmail } });
        assertError(missing, 400, 'validation_failed');
        assert.ok('current_password' in missing.body.details.fields);
        assertError(
          await api('PUT', '/api/users/profile', { token, body: { email: newEmail, current_password: 'wrong password' } }),
          403,
          'invalid_current_password',
        );
        const ok = await api('PUT', '/api/users/profile', { token, body: { email: newEmail, current_password: user.password } });
        assert.equal(ok.status, 200, ok.text);
        assert.equal(ok.body.email, newEmail);
        assert.equal((await api('POST', '/api/users/login', { body: { email: newEmail, password: user.password } })).status, 200);
        assert.equal((await api('POST', '/api/users/login', { body: { email: user.email, password: user.password } })).status, 401);
      });

      it('refuses to take another account’s email', async () => {
        const a = await registerAndLogin();
        const b = await registerAndLogin();
        const res = await api('PUT', '/api/users/profile', {
          token: b.token,
          body: { email: a.user.email, current_password: b.user.password },
        });
        assertError(res, 409, 'email_taken');
      });

      it('changes the password with current_password and enforces its length', async () => {
        const { token, user } = await registerAndLogin();
        assertError(
          await api('PUT', '/api/users/profile', { token, body: { password: 'short', current_password: user.password } }),
          400,
          'validation_failed',
        );
        const ok = await api('PUT', '/api/users/profile', {
          token,
          body: { password: 'a brand new password', current_password: user.password },
        });
        assert.equal(ok.status, 200, ok.text);
        assert.equal(
          (await api('POST', '/api/users/login', { body: { email: user.email, password: 'a brand new password' } })).status,
          200,
        );
        assert.equal((await api('POST', '/api/users/login', { body: { email: user.email, password: user.password } })).status, 401);
        // The token used for the change was issued before it: revoked with every other one.
        assertError(await api('GET', '/api/users/profile', { token }), 401, 'invalid_token');
      });

      it('rejects an empty update and wrong types', async () => {
        const { token } = await registerAndLogin();
        assertError(await api('PUT', '/api/users/profile', { token, body: {} }), 400, 'validation_failed');
        assertError(await api('PUT', '/api/users/profile', { token, body: { first_name: ['x'] } }), 400, 'validation_failed');
      });

      it('needs a valid token', async () => {
        assertError(await api('PUT', '/api/users/profile', { body: { first_name: 'x' } }), 401, 'unauthorized');
      });
    });

    describe('service conventions', () => {
      it('answers unknown routes with JSON 404 and wrong methods with JSON 405', async () => {
        assertError(await api('GET', '/api/nope'), 404, 'not_found');
        const wrongMethod = await api('DELETE', '/api/users/register');
        assertError(wrongMethod, 405, 'method_not_allowed');
        assert.match(wrongMethod.headers.get('allow') ?? '', /POST/);
      });

      it('echoes X-Request-Id, or makes one', async () => {
        const echoed = await api('GET', '/health', { headers: { 'x-request-id': 'abc-123' } });
        assert.equal(echoed.headers.get('x-request-id'), 'abc-123');
        const made = await api('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } });
        assert.match(made.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      });

      it('reports health with each dependency', async () => {
        const res = await api('GET', '/health');
        assert.equal(res.status, 200);
        assert.equal(res.body.status, 'healthy');
        assert.equal(res.body.service, 'users');
        assert.deepEqual(res.body.checks, { postgres: 'up', redis: 'up' });
        assert.ok(!Number.isNaN(Date.parse(res.body.timestamp)));
      });

      it('serves Prometheus metrics, the OpenAPI document and /docs', async () => {
        await api('GET', '/api/users/profile');
        const metrics = await api('GET', '/metrics');
        assert.equal(metrics.status, 200);
        assert.match(metrics.text, /http_request_duration_seconds_bucket\{.*route="\/api\/users\/profile"/);
        const spec = await api('GET', '/openapi.json');
        assert.equal(spec.status, 200);
        assert.ok(spec.body.paths['/api/users/register'].post);
        assert.ok(spec.body.paths['/api/users/login'].post.responses['429']);
        const docs = await fetch(`${server.baseUrl}/docs/`);
        assert.equal(docs.status, 200);
      });

      it(
        'keeps working, degraded, when Redis is unreachable',
        { skip: profile === 'embedded' && 'the embedded profile has no Redis' },
        async () => {
          const noRedis = await startUsers({ redis: { url: 'redis://127.0.0.1:1' } });
          try {
            const health = await noRedis.api('GET', '/health');
            assert.equal(health.status, 200);
            assert.equal(health.body.status, 'degraded');
            assert.equal(health.body.checks.redis, 'down');
            const user = newUser();
            assert.equal((await noRedis.api('POST', '/api/users/register', { body: user })).status, 201);
            assert.equal(
              (await noRedis.api('POST', '/api/users/login', { body: { email: user.email, password: user.password } })).status,
              200,
            );
          } finally {
            await noRedis.close();
          }
        },
      );
    });
  });
}
