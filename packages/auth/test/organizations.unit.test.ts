import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import {
  decideOrganizerAccess,
  issueUserToken,
  ORG_ROLES,
  ORGANIZER_ACTIONS,
  TokenError,
  verifyUserToken,
  type OrgRole,
} from '../src/index.ts';

const secret = 'unit-test-secret-that-is-long-enough-0123456789';
const opts = { secret, issuer: 'ticketing', ttlSeconds: 3600 };
const userId = randomUUID();
const org = randomUUID();

function subject(role: OrgRole | undefined, platformRole: 'user' | 'admin' = 'user') {
  return { sub: userId, role: platformRole, ...(role ? { orgs: { [org]: role } } : {}) };
}

describe('decideOrganizerAccess', () => {
  it('allows each role exactly the actions of its row and forbids the rest', () => {
    for (const [action, roles] of Object.entries(ORGANIZER_ACTIONS)) {
      for (const role of ORG_ROLES) {
        const expected = (roles as readonly string[]).includes(role) ? 'allowed' : 'forbidden';
        assert.equal(decideOrganizerAccess(subject(role), action as keyof typeof ORGANIZER_ACTIONS, org), expected, `${role} ${action}`);
      }
    }
  });

  it('answers not_member for an organization the caller is not in, whatever the action', () => {
    const other = { sub: userId, role: 'user' as const, orgs: { [randomUUID()]: 'owner' as const } };
    for (const action of Object.keys(ORGANIZER_ACTIONS)) {
      assert.equal(decideOrganizerAccess(other, action as keyof typeof ORGANIZER_ACTIONS, org), 'not_member');
    }
  });

  it('makes every user the owner of their personal organization (their own id), in any case', () => {
    assert.equal(decideOrganizerAccess(subject(undefined), 'members.manage', userId.toUpperCase()), 'allowed');
  });

  it('lets platform admins do everything', () => {
    assert.equal(decideOrganizerAccess(subject(undefined, 'admin'), 'event.publish', org), 'allowed');
  });

  it('staff may only check in (and view, counters included)', () => {
    const allowed = Object.keys(ORGANIZER_ACTIONS).filter(
      (a) => decideOrganizerAccess(subject('staff'), a as keyof typeof ORGANIZER_ACTIONS, org) === 'allowed',
    );
    assert.deepEqual(allowed.sort(), ['checkin.read', 'checkin.scan', 'event.view', 'organization.view']);
  });

  it('viewers read sales and attendance, and cannot scan', () => {
    const allowed = Object.keys(ORGANIZER_ACTIONS).filter(
      (a) => decideOrganizerAccess(subject('viewer'), a as keyof typeof ORGANIZER_ACTIONS, org) === 'allowed',
    );
    assert.deepEqual(allowed.sort(), ['checkin.read', 'event.view', 'organization.view', 'sales.read']);
  });
});

describe('the orgs claim', () => {
  const base = { userId, email: 'a@b.test', role: 'user' as const };

  it('round-trips and is left out when empty', () => {
    const withOrgs = verifyUserToken(issueUserToken({ ...base, orgs: { [org]: 'viewer' } }, opts).token, { secret });
    assert.deepEqual(withOrgs.orgs, { [org]: 'viewer' });
    const without = verifyUserToken(issueUserToken({ ...base, orgs: {} }, opts).token, { secret });
    assert.equal('orgs' in without, false);
  });

  it('refuses a signed token whose orgs claim is malformed', () => {
    const bad: unknown[] = [[org], { [org]: 'king' }, { 'not-a-uuid': 'owner' }, { [org.toUpperCase()]: 'owner' }, 'owner', null];
    for (const orgs of bad) {
      const { token } = issueUserToken(base, opts);
      const [h, b] = token.split('.') as [string, string];
      const body = { ...JSON.parse(Buffer.from(b, 'base64url').toString()), orgs };
      const b2 = Buffer.from(JSON.stringify(body)).toString('base64url');
      const forged = `${h}.${b2}.${createHmac('sha256', secret).update(`${h}.${b2}`).digest('base64url')}`;
      assert.throws(() => verifyUserToken(forged, { secret }), TokenError, JSON.stringify(orgs));
    }
  });
});
