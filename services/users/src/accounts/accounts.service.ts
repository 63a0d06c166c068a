import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { UserClaims } from '@ticketing/auth';
import type { Database, Queryable } from '@ticketing/db';
import { errors } from '../errors.ts';
import type { AccountEmails } from '../emails/account-emails.ts';
import type { UserRow, UsersRepository } from '../users/users.repository.ts';
import { assertPassword, normalizeEmail, tokenResponse, toUserView } from '../users/users.service.ts';
import type { UserView } from '../users/users.schemas.ts';
import type { AccountTokensRepository, LinkPurpose } from './account-tokens.repository.ts';
import type { Admins } from './admins.ts';
import type { RevocationsRepository } from './revocations.repository.ts';
import type { ChangePasswordBody, ResetPasswordBody } from './accounts.schemas.ts';

export interface AccountsServiceOptions {
  db: Database;
  users: UsersRepository;
  tokens: AccountTokensRepository;
  revocations: RevocationsRepository;
  accountEmails: AccountEmails;
  admins: Admins;
  /** Addresses made admin once verified (config adminEmails). */
  adminEmails: ReadonlySet<string>;
  /** After the commit of a revocation: tells every service (RevocationAnnouncer.announce). */
  tokensRevoked: (userId: string) => Promise<void>;
  /** Counts a request that emails an address; throws rate_limited past the limit per address or client address. */
  limitEmails: (kind: LinkPurpose, email: string, ip: string) => Promise<void>;
  bcryptRounds: number;
  jwt: { secret: string; issuer: string; ttlSeconds: number };
  /** The web app's origin and base path; links are `<publicUrl>/verify-email#token=…`. */
  publicUrl: string;
  linkTtlSeconds: Record<LinkPurpose, number>;
}

/** 256 random bits: unguessable, so a link needs no other secret. */
function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashLinkToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const PAGES: Record<LinkPurpose, string> = { email_verification: 'verify-email', password_reset: 'reset-password' };

/** The same words whether or not the address has an account, so the answer reveals nothing. */
export const VERIFICATION_SENT = 'If this address has an account that is not verified yet, a verification link is on its way.';
export const RESET_SENT = 'If this address has an account, a link to reset its password is on its way.';

/**
 * Email verification, password reset and change, log out (docs/users.md#accounts). Links are
 * single use and expire; only their hash is stored; their emails go through the outbox in the
 * transaction that creates them.
 */
export function createAccountsService(opts: AccountsServiceOptions) {
  const { db, users, tokens } = opts;
  const base = opts.publicUrl.replace(/\/+$/, '');

  /** Creates a link for the user's current address and queues its email, inside `tx`. */
  async function sendLink(tx: Queryable, user: UserRow, purpose: LinkPurpose): Promise<void> {
    const token = newLinkToken();
    const expiresAt = new Date(Date.now() + opts.linkTtlSeconds[purpose] * 1000);
    await tokens.insert(tx, { hash: hashLinkToken(token), userId: user.id, purpose, email: user.email, expiresAt });
    // In the fragment, so neither the web edge's request log nor a Referer ever carries it.
    const link = `${base}/${PAGES[purpose]}#token=${token}`;
    await opts.accountEmails.enqueue(tx, {
      type: purpose,
      recipient_email: user.email,
      recipient_name: `${user.first_name} ${user.last_name}`,
      link,
      expires_at: expiresAt.toISOString(),
    });
  }

  function sendPasswordChanged(tx: Queryable, user: UserRow): Promise<string> {
    return opts.accountEmails.enqueue(tx, {
      type: 'password_changed',
      recipient_email: user.email,
      recipient_name: `${user.first_name} ${user.last_name}`,
    });
  }

  async function consume(tx: Queryable, token: string, purpose: LinkPurpose) {
    const outcome = await tokens.consume(tx, hashLinkToken(token), purpose);
    if (outcome.kind === 'expired') throw errors.linkExpired();
    if (outcome.kind === 'invalid') throw errors.linkInvalid();
    return outcome;
  }

  return {
    sendVerification: (tx: Queryable, user: UserRow) => sendLink(tx, user, 'email_verification'),
    sendPasswordChanged: async (tx: Queryable, user: UserRow) => void (await sendPasswordChanged(tx, user)),

    /** Emails a new verification link if the address has an unverified account; says the same either way. */
    async requestVerification(emailInput: string, ip: string): Promise<{ message: string }> {
      const email = normalizeEmail(emailInput);
      await opts.limitEmails('email_verification', email, ip);
      const user = await users.findByEmail(email);
      if (user && user.email_verified_at === null) {
        await db.transaction((tx) => sendLink(tx, user, 'email_verification'));
        opts.accountEmails.committed();
      }
      return { message: VERIFICATION_SENT };
    },

    /** Uses a verification link: the address it was sent to becomes verified (if it is still the account's). */
    async verifyEmail(token: string): Promise<UserView> {
      const user = await db.transaction(async (tx) => {
        const link = await consume(tx, token, 'email_verification');
        const verified = await users.markEmailVerified(tx, link.userId, link.email);
        // The account's address changed since the link was sent: the link verifies nothing.
        if (!verified) throw errors.linkInvalid();
        return verified;
      });
      const admin = await opts.admins.applyConfiguredAdmin(user, opts.adminEmails);
      return toUserView(admin ?? user);
    },

    /** Emails a reset link if the address has an account; says the same either way. */
    async forgotPassword(emailInput: string, ip: string): Promise<{ message: string }> {
      const email = normalizeEmail(emailInput);
      await opts.limitEmails('password_reset', email, ip);
      const user = await users.findByEmail(email);
      if (user) {
        await db.transaction((tx) => sendLink(tx, user, 'password_reset'));
        opts.accountEmails.committed();
      }
      return { message: RESET_SENT };
    },

    /**
     * Uses a reset link: new password, every token issued before revoked, the other reset links
     * voided, the address verified (the link reached it), and a "password changed" email.
     */
    async resetPassword(body: ResetPasswordBody): Promise<{ message: string }> {
      assertPassword(body.password);
      const passwordHash = await bcrypt.hash(body.password, opts.bcryptRounds);
      const userId = await db.transaction(async (tx) => {
        const link = await consume(tx, body.token, 'password_reset');
        const user = await users.setPassword(tx, link.userId, passwordHash);
        if (!user) throw errors.linkInvalid();
        await tokens.voidOutstanding(tx, user.id, 'password_reset');
        await users.markEmailVerified(tx, user.id, link.email);
        await sendPasswordChanged(tx, user);
        return user.id;
      });
      opts.accountEmails.committed();
      await opts.tokensRevoked(userId);
      return { message: 'Your password has been changed. Log in with the new one.' };
    },

    /** Changes the caller's password: every token issued before (this one too) is revoked; the answer carries a new one. */
    async changePassword(userId: string, body: ChangePasswordBody) {
      const user = await users.findById(userId);
      if (!user) throw errors.userNotFound();
      if (!(await bcrypt.compare(body.current_password, user.password_hash))) throw errors.invalidCurrentPassword();
      assertPassword(body.password);
      const passwordHash = await bcrypt.hash(body.password, opts.bcryptRounds);
      const updated = await db.transaction(async (tx) => {
        const row = await users.setPassword(tx, userId, passwordHash);
        if (!row) throw errors.userNotFound();
        await sendPasswordChanged(tx, row);
        return row;
      });
      opts.accountEmails.committed();
      await opts.tokensRevoked(userId);
      return tokenResponse(updated, opts.jwt);
    },

    /** Revokes the token of this request until it would have expired. */
    async logout(claims: UserClaims): Promise<{ message: string }> {
      await db.transaction((tx) =>
        opts.revocations.revokeToken(tx, { jti: claims.jti, userId: claims.user_id, expiresAt: new Date(claims.exp * 1000) }),
      );
      await opts.tokensRevoked(claims.user_id);
      return { message: 'Logged out.' };
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
