import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { verifyUserToken } from '@ticketing/auth';
import type { ApiRequest } from '@ticketing/testing';
import { newUser, startUsers } from './helpers.ts';

let server: Awaited<ReturnType<typeof startUsers>>;
let api: ApiRequest;

async function signUp() {
  const user = newUser();
  const reg = await api('POST', '/api/users/register', { body: user });
  assert.equal(reg.status, 201, reg.text);
  const login = await api('POST', '/api/users/login', { body: { email: user.email, password: user.password } });
  assert.equal(login.status, 200, login.text);
  return { email: user.email, token: login.body.access_token as string, userId: reg.body.user_id as string };
}

function assertError(res: { status: number; body: any; text: string }, status: number, code: string) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error, code, res.text);
  assert.ok(res.body.message.length > 0);
}

function claimsOf(token: string) {
  return verifyUserToken(token, { secret: server.config.jwt.secret });
}

/** An organization with an owner and one member of each other role, joined by invitation. */
async function organizationWithTeam() {
  const owner = await signUp();
  const created = await api('POST', '/api/organizations', { token: owner.token, body: { name: `  Team ${randomUUID().slice(0, 8)} ` } });
  assert.equal(created.status, 201, created.text);
  const orgId = created.body.organization_id as string;
  const team: Record<string, Awaited<ReturnType<typeof signUp>>> = { owner };
  for (const role of ['manager', 'staff', 'viewer'] as const) {
    const member = await signUp();
    const invited = await api('POST', `/api/organizations/${orgId}/invitations`, {
      token: owner.token,
      body: { email: member.email, role },
    });
    assert.equal(invited.status, 201, invited.text);
    const accepted = await api('POST', `/api/invitations/${invited.body.invitation_id}/accept`, { token: member.token });
    assert.equal(accepted.status, 200, accepted.text);
    const refreshed = await api('POST', '/api/users/token', { token: member.token });
    team[role] = { ...member, token: refreshed.body.access_token };
  }
  return { orgId, team: team as Record<'owner' | 'manager' | 'staff' | 'viewer', Awaited<ReturnType<typeof signUp>>> };
}

for (const profile of ['production', 'embedded'] as const) {
  describe(`organizations (${profile} adapters)`, () => {
    before(async () => {
      server = await startUsers({}, profile);
      api = server.api;
    });
    after(async () => server.close());

    it('creates an organization whose creator is its owner, listed after the personal one, and carried by a refreshed token', async () => {
      const me = await signUp();
      const res = await api('POST', '/api/organizations', { token: me.token, body: { name: '  Night Owls  ' } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.name, 'Night Owls');
      assert.equal(res.body.role, 'owner');
      assert.equal(res.headers.get('location'), `/api/organizations/${res.body.organization_id}`);

      const list = await api('GET', '/api/organizations', { token: me.token });
      assert.deepEqual(
        list.body.organizations.map((o: any) => [o.organization_id, o.role, o.personal]),
        [
          [me.userId, 'owner', true],
          [res.body.organization_id, 'owner', false],
        ],
      );
      assert.equal(claimsOf(me.token).orgs, undefined);
      const refreshed = await api('POST', '/api/users/token', { token: me.token });
      assert.equal(refreshed.status, 200, refreshed.text);
      assert.deepEqual(claimsOf(refreshed.body.access_token).orgs, { [res.body.organization_id]: 'owner' });
    });

    it('invites by email; the invitee sees, accepts once, and logs in with the role', async () => {
      const { orgId, team } = await organizationWithTeam();
      const members = await api('GET', `/api/organizations/${orgId}/members`, { token: team.viewer.token });
      assert.equal(members.status, 200, members.text);
      assert.deepEqual(
        members.body.members.map((m: any) => m.role),
        ['owner', 'manager', 'staff', 'viewer'],
      );
      assert.deepEqual(members.body.invitations, []);
      const login = await api('POST', '/api/users/login', { body: { email: team.staff.email, password: newUser().password } });
      assert.deepEqual(claimsOf(login.body.access_token).orgs, { [orgId]: 'staff' });

      const newcomer = await signUp();
      const inv = await api('POST', `/api/organizations/${orgId}/invitations`, {
        token: team.owner.token,
        body: { email: newcomer.email.toUpperCase(), role: 'viewer' },
      });
      assert.equal(inv.status, 201, inv.text);
      assertError(
        await api('POST', `/api/organizations/${orgId}/invitations`, {
          token: team.owner.token,
          body: { email: newcomer.email, role: 'staff' },
        }),
        409,
        'invitation_pending',
      );
      // Someone else cannot use the invitation, even knowing its id.
      assertError(
        await api('POST', `/api/invitations/${inv.body.invitation_id}/accept`, { token: team.viewer.token }),
        404,
        'invitation_not_found',
      );
      const mine = await api('GET', '/api/invitations', { token: newcomer.token });
      assert.deepEqual(
        mine.body.invitations.map((i: any) => i.invitation_id),
        [inv.body.invitation_id],
      );
      const accepts = await Promise.all(
        [1, 2, 3].map(() => api('POST', `/api/invitations/${inv.body.invitation_id}/accept`, { token: newcomer.token })),
      );
      assert.deepEqual(accepts.map((r) => r.status).sort(), [200, 409, 409]);
      assertError(
        await api('POST', `/api/organizations/${orgId}/invitations`, {
          token: team.owner.token,
          body: { email: newcomer.email, role: 'staff' },
        }),
        409,
        'already_member',
      );
    });

    it('only owners manage members: managers get 403, outsiders 404', async () => {
      const { orgId, team } = await organizationWithTeam();
      const outsider = await signUp();
      const body = { email: `x-${randomUUID()}@example.test`, role: 'viewer' };
      assertError(await api('POST', `/api/organizations/${orgId}/invitations`, { token: team.manager.token, body }), 403, 'forbidden');
      assertError(
        await api('POST', `/api/organizations/${orgId}/invitations`, { token: outsider.token, body }),
        404,
        'organization_not_found',
      );
      assertError(await api('GET', `/api/organizations/${orgId}`, { token: outsider.token }), 404, 'organization_not_found');
      assertError(
        await api('PUT', `/api/organizations/${orgId}/members/${team.staff.userId}`, {
          token: team.manager.token,
          body: { role: 'manager' },
        }),
        403,
        'forbidden',
      );
      assertError(
        await api('DELETE', `/api/organizations/${orgId}/members/${team.staff.userId}`, { token: team.viewer.token }),
        403,
        'forbidden',
      );
      assertError(await api('GET', `/api/organizations/${orgId}/audit`, { token: team.viewer.token }), 403, 'forbidden');
      assertError(await api('GET', `/api/organizations/not-a-uuid`, { token: team.owner.token }), 404, 'organization_not_found');
    });

    it('changes roles and removes members, never the last owner, and logs who did what', async () => {
      const { orgId, team } = await organizationWithTeam();
      const promoted = await api('PUT', `/api/organizations/${orgId}/members/${team.staff.userId}`, {
        token: team.owner.token,
        body: { role: 'manager' },
      });
      assert.equal(promoted.status, 200, promoted.text);
      assert.equal(promoted.body.role, 'manager');
      assertError(
        await api('PUT', `/api/organizations/${orgId}/members/${team.owner.userId}`, { token: team.owner.token, body: { role: 'viewer' } }),
        409,
        'last_owner',
      );
      assertError(
        await api('DELETE', `/api/organizations/${orgId}/members/${team.owner.userId}`, { token: team.owner.token }),
        409,
        'last_owner',
      );
      assertError(
        await api('DELETE', `/api/organizations/${orgId}/members/${randomUUID()}`, { token: team.owner.token }),
        404,
        'member_not_found',
      );
      const removed = await api('DELETE', `/api/organizations/${orgId}/members/${team.viewer.userId}`, { token: team.owner.token });
      assert.equal(removed.status, 204, removed.text);
      // A member may leave on their own.
      assert.equal(
        (await api('DELETE', `/api/organizations/${orgId}/members/${team.staff.userId}`, { token: team.staff.token })).status,
        204,
      );
      // The removed member's earlier tokens are revoked; a new login no longer carries the organization.
      assertError(await api('POST', '/api/users/token', { token: team.viewer.token }), 401, 'invalid_token');
      const relogin = await api('POST', '/api/users/login', { body: { email: team.viewer.email, password: newUser().password } });
      assert.equal(relogin.status, 200, relogin.text);
      assert.equal(claimsOf(relogin.body.access_token).orgs, undefined);

      const audit = await api('GET', `/api/organizations/${orgId}/audit`, { token: team.manager.token });
      assert.equal(audit.status, 200, audit.text);
      const actions = audit.body.entries.map((e: any) => `${e.action}:${e.actor_email}`);
      assert.deepEqual(actions.slice(0, 3), [
        `member.left:${team.staff.email}`,
        `member.removed:${team.owner.email}`,
        `member.role_changed:${team.owner.email}`,
      ]);
      assert.deepEqual(audit.body.entries[2].details, { user_id: team.staff.userId, from: 'staff', to: 'manager' });
      assert.equal(audit.body.entries.at(-1).action, 'organization.created');
      const page = await api('GET', `/api/organizations/${orgId}/audit?limit=2&before=${encodeURIComponent(audit.body.entries[1].at)}`, {
        token: team.owner.token,
      });
      assert.deepEqual(
        page.body.entries.map((e: any) => e.id),
        audit.body.entries.slice(2, 4).map((e: any) => e.id),
      );
    });

    it('two owners demoting each other at once leave one owner', async () => {
      const { orgId, team } = await organizationWithTeam();
      await api('PUT', `/api/organizations/${orgId}/members/${team.manager.userId}`, { token: team.owner.token, body: { role: 'owner' } });
      const managerToken = (await api('POST', '/api/users/token', { token: team.manager.token })).body.access_token;
      const results = await Promise.all([
        api('PUT', `/api/organizations/${orgId}/members/${team.manager.userId}`, { token: team.owner.token, body: { role: 'viewer' } }),
        api('PUT', `/api/organizations/${orgId}/members/${team.owner.userId}`, { token: managerToken, body: { role: 'viewer' } }),
      ]);
      const members = await api('GET', `/api/organizations/${orgId}/members`, { token: team.viewer.token });
      assert.equal(members.body.members.filter((m: any) => m.role === 'owner').length, 1, results.map((r) => r.text).join(' '));
    });
  });
}
