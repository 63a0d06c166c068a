import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '@ticketing/db';
import type { UserRow, UsersRepository } from '../users/users.repository.ts';

export interface AdminGrantRow {
  email: string;
  action: 'grant' | 'revoke';
  actor: string;
  reason: string | null;
  at: Date;
}

/** The outcome of an operator's command, worded for the terminal. */
export type AdminChange =
  { kind: 'granted' | 'revoked' | 'unchanged'; user: UserRow } | { kind: 'not_found' } | { kind: 'unverified'; user: UserRow };

export interface AdminsOptions {
  db: Database;
  users: UsersRepository;
  /** After a role is taken away: the user's tokens (which say admin) are revoked everywhere. */
  tokensRevoked: (userId: string) => Promise<void>;
}

/**
 * Platform admins (docs/users.md#platform-admins): the role is given only by an operator
 * (`npm run admin -- grant <email>`) or by `adminEmails` to an account whose address is verified,
 * never by registering. Every change is a row in admin_grants, in the transaction of the change.
 */
export function createAdmins(opts: AdminsOptions) {
  const { db, users } = opts;

  async function record(tx: Queryable, user: UserRow, action: 'grant' | 'revoke', actor: string, reason?: string): Promise<void> {
    await tx.query(`INSERT INTO admin_grants (id, user_id, email, action, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)`, [
      randomUUID(),
      user.id,
      user.email,
      action,
      actor,
      reason ?? null,
    ]);
  }

  /** Makes a verified account an admin (or any account with `allowUnverified`). */
  function grant(email: string, actor: string, options: { allowUnverified?: boolean; reason?: string } = {}): Promise<AdminChange> {
    return db.transaction(async (tx): Promise<AdminChange> => {
      const user = await users.findByEmail(email.trim().toLowerCase(), tx);
      if (!user) return { kind: 'not_found' };
      if (user.role === 'admin') return { kind: 'unchanged', user };
      if (user.email_verified_at === null && !options.allowUnverified) return { kind: 'unverified', user };
      await users.setRole(tx, user.id, 'admin');
      await record(tx, user, 'grant', actor, options.reason);
      return { kind: 'granted', user: { ...user, role: 'admin' } };
    });
  }

  return {
    grant,

    /** Takes the role away and revokes the user's tokens, so no token that says admin still works. */
    async revoke(email: string, actor: string, reason?: string): Promise<AdminChange> {
      const change = await db.transaction(async (tx): Promise<AdminChange> => {
        const user = await users.findByEmail(email.trim().toLowerCase(), tx);
        if (!user) return { kind: 'not_found' };
        if (user.role !== 'admin') return { kind: 'unchanged', user };
        await users.setRole(tx, user.id, 'user');
        await users.revokeAllTokens(tx, user.id);
        await record(tx, user, 'revoke', actor, reason);
        return { kind: 'revoked', user: { ...user, role: 'user' } };
      });
      if (change.kind === 'revoked') await opts.tokensRevoked(change.user.id);
      return change;
    },

    /** `adminEmails` applies to verified addresses only: called when one is verified or logs in. */
    async applyConfiguredAdmin(user: UserRow, adminEmails: ReadonlySet<string>): Promise<UserRow | undefined> {
      if (user.role === 'admin' || user.email_verified_at === null || !adminEmails.has(user.email)) return undefined;
      const change = await grant(user.email, 'config:adminEmails');
      return change.kind === 'granted' ? change.user : undefined;
    },

    listAdmins: () => users.listAdmins(),

    async history(limit = 50): Promise<AdminGrantRow[]> {
      const { rows } = await db.query<AdminGrantRow>(
        `SELECT email, action, actor, reason, at FROM admin_grants ORDER BY at DESC, id LIMIT $1`,
        [limit],
      );
      return rows;
    },
  };
}

export type Admins = ReturnType<typeof createAdmins>;
