import { randomUUID } from 'node:crypto';
import {
  decideOrganizerAccess,
  MAX_ORGS_PER_TOKEN,
  type OrganizerAction,
  type OrgClaims,
  type OrgRole,
  type UserClaims,
} from '@ticketing/auth';
import type { AuditLog, AuditRow, Database, Queryable } from '@ticketing/db';
import { invalidRequest, isUuid } from '@ticketing/http';
import { errors } from '../errors.ts';
import type { InvitationRow, MembershipRow, OrganizationRow, OrganizationsRepository } from './organizations.repository.ts';
import type { AuditQuery, ChangeRoleBody, InvitationView, InviteBody, MemberView, OrganizationView } from './organizations.schemas.ts';

export interface OrganizationsServiceOptions {
  db: Database;
  repository: OrganizationsRepository;
  audit: AuditLog;
  /** How long an invitation can be accepted. */
  invitationTtlSeconds: number;
  /** Tells the invitee (an email through the users service's outbox), in the invitation's transaction. */
  notifyInvited?: (tx: Queryable, invitation: InvitationRow, inviter: UserClaims) => Promise<void>;
  /**
   * A member lost access (removed, demoted): their tokens issued before now must stop carrying
   * the old role (docs/users.md#how-a-removed-member-loses-access).
   */
  onAccessReduced?: (tx: Queryable, userId: string) => Promise<void>;
  /** After the transaction of a reduced access or an invitation commits (announce the revocation, wake the outbox relay). */
  afterCommit?: (change: { accessReducedFor?: string; invited?: boolean }) => Promise<void>;
}

const ROLE_RANK: Readonly<Record<OrgRole, number>> = { owner: 3, manager: 2, staff: 1, viewer: 0 };

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw invalidRequest({ name: 'must be 1 to 200 characters' });
  return trimmed;
}

function toOrganizationView(row: OrganizationRow, role: OrgRole, members: number): OrganizationView {
  return { organization_id: row.id, name: row.name, role, personal: false, members, created_at: row.created_at.toISOString() };
}

function toMemberView(row: MembershipRow): MemberView {
  return {
    user_id: row.user_id,
    email: row.email,
    name: `${row.first_name} ${row.last_name}`,
    role: row.role,
    joined_at: row.created_at.toISOString(),
  };
}

export function toInvitationView(row: InvitationRow): InvitationView {
  return {
    invitation_id: row.id,
    organization_id: row.organization_id,
    organization_name: row.organization_name,
    email: row.email,
    role: row.role,
    status: row.status,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
  };
}

function toAuditView(row: AuditRow) {
  return { ...row, at: row.at.toISOString() };
}

const organizationNotFound = () => errors.organizationNotFound();

export function createOrganizationsService(opts: OrganizationsServiceOptions) {
  const { db, repository, audit } = opts;
  const actor = (user: UserClaims) => ({ id: user.user_id, email: user.email });

  /**
   * The organization if the caller may do `action` in it, decided from the database (the users
   * service is the source of the roles; other services decide from the token's copy). An
   * outsider gets organization_not_found, a member whose role is too low forbidden.
   */
  async function authorize(user: UserClaims, id: string, action: OrganizerAction, tx: Queryable = db) {
    if (!isUuid(id)) throw organizationNotFound();
    const orgId = id.toLowerCase();
    const org = await repository.findOrganization(orgId, tx);
    if (!org) throw organizationNotFound();
    const membership = await repository.findMembership(orgId, user.user_id, tx);
    const decision = decideOrganizerAccess(
      { sub: user.user_id, role: user.role, orgs: membership ? { [orgId]: membership.role } : {} },
      action,
      orgId,
    );
    if (decision === 'not_member') throw organizationNotFound();
    if (decision === 'forbidden') throw errors.forbidden({ message: `Your role in this organization does not allow ${action}` });
    return { org, role: membership?.role ?? ('owner' as const) };
  }

  async function assertRoomForMembership(userId: string, tx: Queryable): Promise<void> {
    if ((await repository.countMemberships(userId, tx)) >= MAX_ORGS_PER_TOKEN) {
      throw errors.membershipLimitReached({ details: { max_organizations: MAX_ORGS_PER_TOKEN } });
    }
  }

  /** Owners left after a change; refused when it would be none. */
  function assertOwnerRemains(members: { user_id: string; role: OrgRole }[], userId: string, newRole: OrgRole | undefined): void {
    const owners = members.filter((m) => m.role === 'owner' && m.user_id !== userId).length + (newRole === 'owner' ? 1 : 0);
    if (owners === 0) throw errors.lastOwner();
  }

  return {
    authorize,

    /** The `orgs` claim of a user's tokens: every membership with its role. */
    async claimsOf(userId: string): Promise<OrgClaims> {
      const rows = await repository.organizationsOf(userId);
      return Object.fromEntries(rows.map((r) => [r.id, r.role]));
    },

    async create(user: UserClaims, name: string): Promise<OrganizationView> {
      const clean = cleanName(name);
      return db.transaction(async (tx) => {
        await assertRoomForMembership(user.user_id, tx);
        const org = await repository.insertOrganization({ id: randomUUID(), name: clean, created_by: user.user_id }, tx);
        await repository.insertMembership(org.id, user.user_id, 'owner', tx);
        await audit.record({ organizationId: org.id, actor: actor(user), action: 'organization.created', details: { name: clean } }, tx);
        return toOrganizationView(org, 'owner', 1);
      });
    },

    async listMine(user: UserClaims): Promise<OrganizationView[]> {
      const rows = await repository.organizationsOf(user.user_id);
      const personal: OrganizationView = {
        organization_id: user.user_id,
        name: user.name ? `${user.name} (personal)` : 'Personal',
        role: 'owner',
        personal: true,
        members: 1,
        created_at: null,
      };
      return [personal, ...rows.map((r) => toOrganizationView(r, r.role, r.members))];
    },

    async get(user: UserClaims, id: string): Promise<OrganizationView> {
      const { org, role } = await authorize(user, id, 'organization.view');
      const members = await repository.members(org.id);
      return toOrganizationView(org, role, members.length);
    },

    async rename(user: UserClaims, id: string, name: string): Promise<OrganizationView> {
      const clean = cleanName(name);
      return db.transaction(async (tx) => {
        const { org, role } = await authorize(user, id, 'members.manage', tx);
        const renamed = (await repository.renameOrganization(org.id, clean, tx))!;
        await audit.record(
          { organizationId: org.id, actor: actor(user), action: 'organization.renamed', details: { from: org.name, to: clean } },
          tx,
        );
        return toOrganizationView(renamed, role, (await repository.members(org.id, tx)).length);
      });
    },

    async members(user: UserClaims, id: string): Promise<{ members: MemberView[]; invitations: InvitationView[] }> {
      const { org } = await authorize(user, id, 'organization.view');
      const [members, invitations] = await Promise.all([
        repository.members(org.id),
        repository.pendingInvitations({ organizationId: org.id }),
      ]);
      return { members: members.map(toMemberView), invitations: invitations.map(toInvitationView) };
    },

    async invite(user: UserClaims, id: string, body: InviteBody): Promise<InvitationView> {
      const email = body.email.trim().toLowerCase();
      const view = await db.transaction(async (tx) => {
        const { org } = await authorize(user, id, 'members.manage', tx);
        const members = await repository.members(org.id, tx);
        if (members.some((m) => m.email === email)) throw errors.alreadyMember();
        await repository.expireStaleInvitation(org.id, email, tx);
        const invitationId = randomUUID();
        await repository.insertInvitation(
          {
            id: invitationId,
            organization_id: org.id,
            email,
            role: body.role,
            invited_by: user.user_id,
            ttlSeconds: opts.invitationTtlSeconds,
          },
          tx,
        );
        const invitation = (await repository.findInvitation(invitationId, tx))!;
        await audit.record(
          {
            organizationId: org.id,
            actor: actor(user),
            action: 'member.invited',
            details: { email, role: body.role, invitation_id: invitationId },
          },
          tx,
        );
        await opts.notifyInvited?.(tx, invitation, user);
        return toInvitationView(invitation);
      });
      await opts.afterCommit?.({ invited: true });
      return view;
    },

    async revokeInvitation(user: UserClaims, id: string, invitationId: string): Promise<InvitationView> {
      return db.transaction(async (tx) => {
        const { org } = await authorize(user, id, 'members.manage', tx);
        const invitation = isUuid(invitationId) ? await repository.findInvitation(invitationId.toLowerCase(), tx, true) : undefined;
        if (!invitation || invitation.organization_id !== org.id) throw errors.invitationNotFound();
        if (!(await repository.decideInvitation(invitation.id, 'revoked', tx))) throw errors.invitationNotPending();
        await audit.record(
          {
            organizationId: org.id,
            actor: actor(user),
            action: 'member.invitation_revoked',
            details: { email: invitation.email, invitation_id: invitation.id },
          },
          tx,
        );
        return toInvitationView({ ...invitation, status: 'revoked' });
      });
    },

    async myInvitations(user: UserClaims): Promise<InvitationView[]> {
      return (await repository.pendingInvitations({ email: user.email.toLowerCase() })).map(toInvitationView);
    },

    /**
     * Accepts or declines an invitation addressed to the caller's email. An invitation to another
     * address is not found (its id alone grants nothing).
     */
    async answerInvitation(user: UserClaims, invitationId: string, answer: 'accepted' | 'declined'): Promise<InvitationView> {
      if (!isUuid(invitationId)) throw errors.invitationNotFound();
      return db.transaction(async (tx) => {
        const invitation = await repository.findInvitation(invitationId.toLowerCase(), tx, true);
        if (!invitation || invitation.email !== user.email.toLowerCase()) throw errors.invitationNotFound();
        if (invitation.status !== 'pending') throw errors.invitationNotPending();
        if (invitation.expires_at.getTime() <= Date.now()) throw errors.invitationExpired();
        if (answer === 'accepted') {
          await assertRoomForMembership(user.user_id, tx);
          if (!(await repository.insertMembership(invitation.organization_id, user.user_id, invitation.role, tx)))
            throw errors.alreadyMember();
        }
        await repository.decideInvitation(invitation.id, answer, tx);
        await audit.record(
          {
            organizationId: invitation.organization_id,
            actor: actor(user),
            action: answer === 'accepted' ? 'member.joined' : 'member.invitation_declined',
            details: { role: invitation.role, invitation_id: invitation.id },
          },
          tx,
        );
        return toInvitationView({ ...invitation, status: answer });
      });
    },

    async changeRole(user: UserClaims, id: string, userId: string, body: ChangeRoleBody): Promise<MemberView> {
      let reduced: string | undefined;
      const view = await db.transaction(async (tx) => {
        const { org } = await authorize(user, id, 'members.manage', tx);
        const locked = await repository.lockMemberships(org.id, tx);
        const target = isUuid(userId) ? locked.find((m) => m.user_id === userId.toLowerCase()) : undefined;
        if (!target) throw errors.memberNotFound();
        assertOwnerRemains(locked, target.user_id, body.role);
        await repository.updateRole(org.id, target.user_id, body.role, tx);
        await audit.record(
          {
            organizationId: org.id,
            actor: actor(user),
            action: 'member.role_changed',
            details: { user_id: target.user_id, from: target.role, to: body.role },
          },
          tx,
        );
        if (ROLE_RANK[body.role] < ROLE_RANK[target.role]) {
          await opts.onAccessReduced?.(tx, target.user_id);
          reduced = target.user_id;
        }
        const member = (await repository.members(org.id, tx)).find((m) => m.user_id === target.user_id);
        return toMemberView(member!);
      });
      if (reduced) await opts.afterCommit?.({ accessReducedFor: reduced });
      return view;
    },

    /** Removes a member (owner), or the caller leaves. */
    async removeMember(user: UserClaims, id: string, userId: string): Promise<void> {
      const leaving = isUuid(userId) && userId.toLowerCase() === user.user_id;
      const removed = await db.transaction(async (tx) => {
        const { org } = await authorize(user, id, leaving ? 'organization.view' : 'members.manage', tx);
        const locked = await repository.lockMemberships(org.id, tx);
        const target = isUuid(userId) ? locked.find((m) => m.user_id === userId.toLowerCase()) : undefined;
        if (!target) throw errors.memberNotFound();
        assertOwnerRemains(locked, target.user_id, undefined);
        await repository.deleteMembership(org.id, target.user_id, tx);
        await audit.record(
          {
            organizationId: org.id,
            actor: actor(user),
            action: leaving ? 'member.left' : 'member.removed',
            details: { user_id: target.user_id, role: target.role },
          },
          tx,
        );
        await opts.onAccessReduced?.(tx, target.user_id);
        return target.user_id;
      });
      await opts.afterCommit?.({ accessReducedFor: removed });
    },

    /** Internal (other services): the owners to tell about something that concerns the whole organization. */
    async ownersOf(id: string): Promise<{ organization_id: string; owners: { user_id: string; email: string; name: string }[] }> {
      if (!isUuid(id)) throw organizationNotFound();
      const orgId = id.toLowerCase();
      const owners = await repository.owners(orgId);
      if (!owners) throw organizationNotFound();
      return { organization_id: orgId, owners };
    },

    async auditLog(user: UserClaims, id: string, q: AuditQuery) {
      const { org } = await authorize(user, id, 'audit.read');
      const before = q.before === undefined ? undefined : new Date(q.before);
      if (before && Number.isNaN(before.getTime())) throw invalidRequest({ before: 'must be an RFC 3339 date-time' });
      const rows = await audit.list({ organizationId: org.id, limit: q.limit, before });
      return { entries: rows.map(toAuditView) };
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
