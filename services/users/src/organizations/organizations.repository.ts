import type { OrgRole } from '@ticketing/auth';
import { isUniqueViolation, type Queryable } from '@ticketing/db';
import { errors } from '../errors.ts';

export interface OrganizationRow {
  id: string;
  name: string;
  created_by: string;
  created_at: Date;
}

export interface MembershipRow {
  organization_id: string;
  user_id: string;
  role: OrgRole;
  created_at: Date;
  email: string;
  first_name: string;
  last_name: string;
}

export interface MyOrganizationRow extends OrganizationRow {
  role: OrgRole;
  members: number;
}

export interface InvitationRow {
  id: string;
  organization_id: string;
  organization_name: string;
  email: string;
  role: OrgRole;
  invited_by: string;
  status: 'pending' | 'accepted' | 'declined' | 'revoked';
  created_at: Date;
  expires_at: Date;
}

const INVITATION_COLUMNS = `i.id, i.organization_id, o.name AS organization_name, i.email, i.role, i.invited_by, i.status, i.created_at, i.expires_at`;

export function createOrganizationsRepository(db: Queryable) {
  return {
    async insertOrganization(org: Omit<OrganizationRow, 'created_at'>, tx: Queryable = db): Promise<OrganizationRow> {
      try {
        const { rows } = await tx.query<OrganizationRow>(
          `INSERT INTO organizations (id, name, created_by) VALUES ($1, $2, $3) RETURNING id, name, created_by, created_at`,
          [org.id, org.name, org.created_by],
        );
        return rows[0]!;
      } catch (err) {
        // A valid token of a user that no longer exists (foreign key to users).
        if ((err as { code?: string }).code === '23503') throw errors.userNotFound();
        throw err;
      }
    },

    async findOrganization(id: string, tx: Queryable = db): Promise<OrganizationRow | undefined> {
      const { rows } = await tx.query<OrganizationRow>(`SELECT id, name, created_by, created_at FROM organizations WHERE id = $1`, [id]);
      return rows[0];
    },

    async renameOrganization(id: string, name: string, tx: Queryable = db): Promise<OrganizationRow | undefined> {
      const { rows } = await tx.query<OrganizationRow>(
        `UPDATE organizations SET name = $2 WHERE id = $1 RETURNING id, name, created_by, created_at`,
        [id, name],
      );
      return rows[0];
    },

    /** The user's organizations with their role, for the token's claim and the organization list. */
    async organizationsOf(userId: string, tx: Queryable = db): Promise<MyOrganizationRow[]> {
      const { rows } = await tx.query<MyOrganizationRow>(
        `SELECT o.id, o.name, o.created_by, o.created_at, m.role,
                (SELECT count(*)::int FROM memberships x WHERE x.organization_id = o.id) AS members
           FROM memberships m JOIN organizations o ON o.id = m.organization_id
          WHERE m.user_id = $1
          ORDER BY o.name, o.id`,
        [userId],
      );
      return rows;
    },

    async countMemberships(userId: string, tx: Queryable = db): Promise<number> {
      const { rows } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM memberships WHERE user_id = $1`, [userId]);
      return rows[0]?.n ?? 0;
    },

    async findMembership(organizationId: string, userId: string, tx: Queryable = db): Promise<{ role: OrgRole } | undefined> {
      const { rows } = await tx.query<{ role: OrgRole }>(`SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2`, [
        organizationId,
        userId,
      ]);
      return rows[0];
    },

    /**
     * The organization's memberships locked for the rest of the transaction, so two owners
     * demoting each other at once cannot leave it without an owner.
     */
    async lockMemberships(organizationId: string, tx: Queryable): Promise<{ user_id: string; role: OrgRole }[]> {
      const { rows } = await tx.query<{ user_id: string; role: OrgRole }>(
        `SELECT user_id, role FROM memberships WHERE organization_id = $1 ORDER BY user_id FOR UPDATE`,
        [organizationId],
      );
      return rows;
    },

    /** Adds the membership; a user already a member keeps their role (false). */
    async insertMembership(organizationId: string, userId: string, role: OrgRole, tx: Queryable = db): Promise<boolean> {
      const { rowCount } = await tx.query(
        `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [organizationId, userId, role],
      );
      return rowCount === 1;
    },

    async updateRole(organizationId: string, userId: string, role: OrgRole, tx: Queryable = db): Promise<boolean> {
      const { rowCount } = await tx.query(
        `UPDATE memberships SET role = $3, updated_at = now() WHERE organization_id = $1 AND user_id = $2`,
        [organizationId, userId, role],
      );
      return rowCount === 1;
    },

    async deleteMembership(organizationId: string, userId: string, tx: Queryable = db): Promise<boolean> {
      const { rowCount } = await tx.query(`DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2`, [organizationId, userId]);
      return rowCount === 1;
    },

    /**
     * The owners of an organization with their emails, or undefined when there is no such
     * organization. A personal organization (its id is a user's) is owned by that user alone.
     */
    async owners(organizationId: string, tx: Queryable = db): Promise<{ user_id: string; email: string; name: string }[] | undefined> {
      const { rows } = await tx.query<{ user_id: string; email: string; name: string; known: boolean }>(
        `SELECT u.id AS user_id, u.email, trim(u.first_name || ' ' || u.last_name) AS name, true AS known
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.organization_id = $1 AND m.role = 'owner'
         UNION ALL
         SELECT u.id, u.email, trim(u.first_name || ' ' || u.last_name), true FROM users u WHERE u.id = $1
         UNION ALL
         SELECT NULL, NULL, NULL, true FROM organizations o WHERE o.id = $1
         ORDER BY 2`,
        [organizationId],
      );
      if (rows.length === 0) return undefined;
      return rows.filter((r) => r.user_id !== null).map(({ user_id, email, name }) => ({ user_id, email, name }));
    },

    async members(organizationId: string, tx: Queryable = db): Promise<MembershipRow[]> {
      const { rows } = await tx.query<MembershipRow>(
        `SELECT m.organization_id, m.user_id, m.role, m.created_at, u.email, u.first_name, u.last_name
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.organization_id = $1
          ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'manager' THEN 1 WHEN 'staff' THEN 2 ELSE 3 END, u.email`,
        [organizationId],
      );
      return rows;
    },

    async insertInvitation(
      inv: { id: string; organization_id: string; email: string; role: OrgRole; invited_by: string; ttlSeconds: number },
      tx: Queryable = db,
    ): Promise<void> {
      try {
        await tx.query(
          `INSERT INTO invitations (id, organization_id, email, role, invited_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
          [inv.id, inv.organization_id, inv.email, inv.role, inv.invited_by, inv.ttlSeconds],
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw errors.invitationPending();
        throw err;
      }
    },

    async findInvitation(id: string, tx: Queryable = db, lock = false): Promise<InvitationRow | undefined> {
      const { rows } = await tx.query<InvitationRow>(
        `SELECT ${INVITATION_COLUMNS} FROM invitations i JOIN organizations o ON o.id = i.organization_id WHERE i.id = $1
         ${lock ? 'FOR UPDATE OF i' : ''}`,
        [id],
      );
      return rows[0];
    },

    /** Pending invitations (expired ones are left out), of an organization or addressed to an email. */
    async pendingInvitations(by: { organizationId: string } | { email: string }): Promise<InvitationRow[]> {
      const [column, value] = 'email' in by ? ['i.email', by.email] : ['i.organization_id', by.organizationId];
      const { rows } = await db.query<InvitationRow>(
        `SELECT ${INVITATION_COLUMNS} FROM invitations i JOIN organizations o ON o.id = i.organization_id
          WHERE ${column} = $1 AND i.status = 'pending' AND i.expires_at > now()
          ORDER BY i.created_at, i.id`,
        [value],
      );
      return rows;
    },

    /** Replaces an expired pending invitation so that the address can be invited again. */
    async expireStaleInvitation(organizationId: string, email: string, tx: Queryable = db): Promise<void> {
      await tx.query(
        `UPDATE invitations SET status = 'revoked', decided_at = now()
          WHERE organization_id = $1 AND email = $2 AND status = 'pending' AND expires_at <= now()`,
        [organizationId, email],
      );
    },

    async decideInvitation(id: string, status: 'accepted' | 'declined' | 'revoked', tx: Queryable = db): Promise<boolean> {
      const { rowCount } = await tx.query(`UPDATE invitations SET status = $2, decided_at = now() WHERE id = $1 AND status = 'pending'`, [
        id,
        status,
      ]);
      return rowCount === 1;
    },
  };
}

export type OrganizationsRepository = ReturnType<typeof createOrganizationsRepository>;
