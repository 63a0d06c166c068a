// Accounts a business can trust, over HTTP against real servers, in both profiles: emailed
// single-use links that expire (verification, password reset), revocation of older tokens by a
// password change or reset and of one token by log out — refused by the users service and by the
// events service, which verifies tokens locally — and no admin role for registering an address.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { testInfra, uniqueEmail } from '@ticketing/testing';
import { startAccountsPlatform, type AccountsPlatform } from './support/accounts.ts';

const PASSWORD = 'correct horse battery';

function tokenOf(link: string): string {
  const token = new URL(link).hash.replace(/^#token=/, '');
  assert.match(token, /^[A-Za-z0-9_-]{43}$/, link);
  return token;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

for (const profile of ['production', 'embedded'] as const) {
  describe(`accounts (${profile} adapters)`, () => {
    let platform: AccountsPlatform;
    const adminAddress = uniqueEmail('listed.admin');

    before(
      async () => {
        platform = await startAccountsPlatform(profile, {
          adminEmails: [adminAddress.toUpperCase()],
          emailRateLimit: { perEmail: 3, perIp: 1000, windowSeconds: 600 },
        });
      },
      { timeout: 180_000 },
    );
    after(async () => platform?.close());

    async function register(email = uniqueEmail('account')) {
      const res = await platform.users('POST', '/api/users/register', {
        body: { email, password: PASSWORD, first_name: 'Ada', last_name: 'Lovelace' },
      });
      assert.equal(res.status, 201, res.text);
      return { email, userId: res.body.user_id as string };
    }

    async function login(email: string, password = PASSWORD) {
      const res = await platform.users('POST', '/api/users/login', { body: { email, password } });
      assert.equal(res.status, 200, res.text);
      return res.body.access_token as string;
    }

    /** The events service checks the token itself: 404 for an unknown hold means the token passed. */
    async function eventsAccepts(token: string): Promise<boolean> {
      const res = await platform.events('GET', `/api/events/holds/${randomUUID()}`, { token });
      if (res.status === 404) return true;
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, 'invalid_token');
      return false;
    }

    async function usersAccepts(token: string): Promise<boolean> {
      const res = await platform.users('GET', '/api/users/profile', { token });
      if (res.status === 200) return true;
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, 'invalid_token');
      return false;
    }

    it('verifies an address with the emailed link, once', async () => {
      const { email } = await register();
      const link = await platform.linkIn(email, /Confirm your email address/);
      assert.match(link, /^http:\/\/shop\.example\.test\/verify-email#token=/);
      const token = tokenOf(link);

      const ok = await platform.users('POST', '/api/users/verify-email', { body: { token } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.email, email);
      assert.equal(ok.body.email_verified, true);
      const again = await platform.users('POST', '/api/users/verify-email', { body: { token } });
      assert.equal(again.status, 400);
      assert.equal(again.body.error, 'link_invalid');

      // Verified: asking for another link sends nothing, and says the same as for anyone.
      const more = await platform.users('POST', '/api/users/verify-email/request', { body: { email } });
      assert.equal(more.status, 202);
      const profile = await platform.users('GET', '/api/users/profile', { token: await login(email) });
      assert.equal(profile.body.email_verified, true);
    });

    it('resets a password with a link that works once, answering the same for unknown addresses', async () => {
      const { email } = await register();
      const before = await login(email);
      const unknown = await platform.users('POST', '/api/users/password/forgot', { body: { email: uniqueEmail('nobody') } });
      const known = await platform.users('POST', '/api/users/password/forgot', { body: { email: email.toUpperCase() } });
      assert.equal(known.status, 202);
      assert.equal(unknown.status, 202);
      assert.deepEqual(unknown.body, known.body);

      const token = tokenOf(await platform.linkIn(email, /Reset your/));
      const reset = await platform.users('POST', '/api/users/password/reset', { body: { token, password: 'a brand new password' } });
      assert.equal(reset.status, 200, reset.text);
      const twice = await platform.users('POST', '/api/users/password/reset', { body: { token, password: 'yet another password' } });
      assert.equal(twice.status, 400);
      assert.equal(twice.body.error, 'link_invalid');

      assert.equal((await platform.users('POST', '/api/users/login', { body: { email, password: PASSWORD } })).status, 401);
      const after = await login(email, 'a brand new password');
      // Tokens issued before the reset are refused everywhere; the new one works everywhere.
      assert.equal(await usersAccepts(before), false);
      assert.equal(await eventsAccepts(before), false);
      assert.equal(await usersAccepts(after), true);
      assert.equal(await eventsAccepts(after), true);
      // The owner is told, and the link proved the address.
      await platform.mailTo(email, /password was changed/);
      assert.equal((await platform.users('GET', '/api/users/profile', { token: after })).body.email_verified, true);
    });

    it('refuses an expired reset link, and a token from elsewhere', async () => {
      const { email, userId } = await register();
      await platform.users('POST', '/api/users/password/forgot', { body: { email } });
      const token = tokenOf(await platform.linkIn(email, /Reset your/));
      await platform.usersDeps.db.query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [userId]);
      const expired = await platform.users('POST', '/api/users/password/reset', { body: { token, password: 'a brand new password' } });
      assert.equal(expired.status, 400);
      assert.equal(expired.body.error, 'link_expired');
      const forged = await platform.users('POST', '/api/users/password/reset', {
        body: { token: 'A'.repeat(43), password: 'a brand new password' },
      });
      assert.equal(forged.body.error, 'link_invalid');
      // Only the hash is stored.
      const { rows } = await platform.usersDeps.db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM account_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'`,
        [token],
      );
      assert.equal(rows[0]?.n, '0');
      await login(email);
    });

    it('revokes every older token on a password change and answers with a new one', async () => {
      const { email } = await register();
      const first = await login(email);
      const second = await login(email);
      assert.equal(await eventsAccepts(first), true); // seen (and cached) by the events service before the change
      const change = await platform.users('POST', '/api/users/password', {
        token: first,
        body: { current_password: PASSWORD, password: 'a changed password' },
      });
      assert.equal(change.status, 200, change.text);
      const fresh = change.body.access_token as string;
      assert.ok(Number(claimsOf(fresh).gen) > Number(claimsOf(first).gen ?? 0));
      for (const old of [first, second]) {
        assert.equal(await usersAccepts(old), false);
        assert.equal(await eventsAccepts(old), false);
      }
      assert.equal(await usersAccepts(fresh), true);
      assert.equal(await eventsAccepts(fresh), true);

      const wrong = await platform.users('POST', '/api/users/password', {
        token: fresh,
        body: { current_password: 'not my password', password: 'whatever password' },
      });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error, 'invalid_current_password');
    });

    it('logs out one token: refused everywhere, while another session of the user goes on', async () => {
      const { email } = await register();
      const phone = await login(email);
      const laptop = await login(email);
      assert.equal(await eventsAccepts(phone), true);
      const out = await platform.users('POST', '/api/users/logout', { token: phone });
      assert.equal(out.status, 200, out.text);
      assert.equal(await usersAccepts(phone), false);
      assert.equal(await eventsAccepts(phone), false);
      assert.equal(await usersAccepts(laptop), true);
      assert.equal(await eventsAccepts(laptop), true);
      const again = await platform.users('POST', '/api/users/logout', { token: phone });
      assert.equal(again.status, 401);
    });

    it('gives no admin role for registering a listed address; the role comes with its verification, logged', async () => {
      const { email, userId } = await register(adminAddress);
      const token = await login(email);
      assert.equal(claimsOf(token).role, 'user');
      // Anyone could have registered it: only the mailbox's owner gets the link.
      const link = await platform.linkIn(email, /Confirm your email address/);
      const verified = await platform.users('POST', '/api/users/verify-email', { body: { token: tokenOf(link) } });
      assert.equal(verified.status, 200, verified.text);
      assert.equal(claimsOf(await login(email)).role, 'admin');
      const { rows } = await platform.usersDeps.db.query<{ action: string; actor: string }>(
        `SELECT action, actor FROM admin_grants WHERE user_id = $1`,
        [userId],
      );
      assert.deepEqual(rows, [{ action: 'grant', actor: 'config:adminEmails' }]);
    });

    if (profile === 'production') {
      it('makes and unmakes admins only by the operator command, logged; an unmade admin’s tokens stop working', async () => {
        const { email, userId } = await register();
        const admin = (...args: string[]) =>
          spawnSync(process.execPath, ['scripts/admin.ts', ...args], {
            cwd: path.resolve(import.meta.dirname, '..'),
            encoding: 'utf8',
            env: {
              ...process.env,
              DATABASE_URL: testInfra.databaseUrl,
              REDIS_URL: testInfra.redisUrl,
              REDIS_KEY_PREFIX: platform.redisKeyPrefix,
              USER: 'ops-test',
            },
          });
        const unverified = admin('grant', email);
        assert.equal(unverified.status, 1, unverified.stdout + unverified.stderr);
        assert.match(unverified.stderr, /has not verified its address/);
        assert.equal((await platform.users('POST', '/api/users/verify-email/request', { body: { email } })).status, 202);
        const link = await platform.linkIn(email, /Confirm your email address/, 1);
        assert.equal((await platform.users('POST', '/api/users/verify-email', { body: { token: tokenOf(link) } })).status, 200);

        const granted = admin('grant', email.toUpperCase(), '--reason', 'on call');
        assert.equal(granted.status, 0, granted.stderr);
        const adminToken = await login(email);
        assert.equal(claimsOf(adminToken).role, 'admin');
        assert.equal(await eventsAccepts(adminToken), true);
        const listed = admin('list');
        assert.match(listed.stdout, new RegExp(email.replace(/[.+]/g, '\\$&')));

        const revoked = admin('revoke', email, '--reason', 'left');
        assert.equal(revoked.status, 0, revoked.stderr);
        assert.equal(await eventsAccepts(adminToken), false);
        assert.equal(claimsOf(await login(email)).role, 'user');
        const { rows } = await platform.usersDeps.db.query<{ action: string; actor: string; reason: string }>(
          `SELECT action, actor, reason FROM admin_grants WHERE user_id = $1 ORDER BY at`,
          [userId],
        );
        assert.equal(rows.length, 2);
        assert.deepEqual(
          rows.map((r) => [r.action, r.reason]),
          [
            ['grant', 'on call'],
            ['revoke', 'left'],
          ],
        );
        assert.ok(rows.every((r) => r.actor.startsWith('operator:')));
      });
    }
  });
}
