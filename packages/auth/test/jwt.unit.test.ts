import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { issueInternalToken, issueUserToken, TokenError, verifyInternalToken, verifyToken, verifyUserToken } from '../src/index.ts';

const secret = 'unit-test-secret-that-is-long-enough-0123456789';
const opts = { secret, issuer: 'ticketing', ttlSeconds: 3600 };
const user = { userId: '7c6c3c8e-5d4e-4a53-9d0e-8f5a1f0e2b11', email: 'a@b.test', role: 'user' as const };

function resign(token: string, mutate: (header: any, body: any) => void, key = secret): string {
  const [h, b] = token.split('.') as [string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const body = JSON.parse(Buffer.from(b, 'base64url').toString());
  mutate(header, body);
  const h2 = Buffer.from(JSON.stringify(header)).toString('base64url');
  const b2 = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${h2}.${b2}.${createHmac('sha256', key).update(`${h2}.${b2}`).digest('base64url')}`;
}

describe('JWT', () => {
  it('round-trips a user token with the contract claims', () => {
    const { token } = issueUserToken(user, opts);
    const claims = verifyUserToken(token, { secret, issuer: 'ticketing' });
    assert.equal(claims.sub, user.userId);
    assert.equal(claims.user_id, user.userId);
    assert.equal(claims.role, 'user');
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal(claims.nbf, claims.iat);
  });

  it('refuses every alg but HS256, even when correctly signed', () => {
    const { token } = issueUserToken(user, opts);
    for (const alg of ['none', 'HS512', 'RS256', 'hs256']) {
      assert.throws(
        () =>
          verifyToken(
            resign(token, (h) => (h.alg = alg)),
            { secret },
          ),
        TokenError,
        alg,
      );
    }
  });

  it('requires exp, and refuses expired and not-yet-valid tokens', () => {
    const { token } = issueUserToken(user, opts);
    assert.throws(
      () =>
        verifyToken(
          resign(token, (_h, b) => delete b.exp),
          { secret },
        ),
      /exp required/,
    );
    assert.throws(
      () =>
        verifyToken(
          resign(token, (_h, b) => (b.exp = 1000)),
          { secret },
        ),
      /expired/,
    );
    assert.throws(
      () =>
        verifyToken(
          resign(token, (_h, b) => (b.nbf = b.iat + 3000)),
          { secret },
        ),
      /not yet valid/,
    );
  });

  it('refuses a wrong signature, a wrong issuer and garbage', () => {
    const { token } = issueUserToken(user, opts);
    assert.throws(
      () =>
        verifyToken(
          resign(token, () => undefined, 'another-secret-0123456789-0123456789'),
          { secret },
        ),
      /bad signature/,
    );
    assert.throws(() => verifyToken(token, { secret, issuer: 'someone-else' }), /wrong issuer/);
    for (const bad of ['', 'a.b', 'a.b.c.d', '!!.??.**', `${'a'.repeat(9000)}.b.c`]) {
      assert.throws(() => verifyToken(bad, { secret }), TokenError);
    }
  });

  it('keeps user and internal tokens apart', () => {
    const internal = issueInternalToken('bookings', opts);
    assert.equal(verifyInternalToken(internal, { secret }).scope, 'internal');
    assert.throws(() => verifyUserToken(internal, { secret }), TokenError);
    const { token } = issueUserToken(user, opts);
    assert.throws(() => verifyInternalToken(token, { secret }), /not an internal token/);
  });

  it('refuses a correctly signed user token whose subject is not a UUID', () => {
    const { token } = issueUserToken(user, opts);
    for (const sub of ['admin', '1', '', `${user.userId}x`, "' OR 1=1 --"]) {
      const forged = resign(token, (_h, b) => {
        b.sub = sub;
        b.user_id = sub;
      });
      assert.throws(() => verifyUserToken(forged, { secret }), /bad subject/, sub);
    }
  });
});
