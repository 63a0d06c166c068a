import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { issueUserToken, type OrgClaims } from '@ticketing/auth';
import type { Database, Queryable } from '@ticketing/db';
import { invalidRequest } from '@ticketing/http';
import { errors, type UsersError } from '../errors.ts';
import type { UserRow, UsersRepository } from './users.repository.ts';
import type { LoginBody, RegisterBody, UpdateProfileBody, UserView } from './users.schemas.ts';

export interface UsersServiceOptions {
  repository: UsersRepository;
  bcryptRounds: number;
  db: Database;
  /** Queues the verification email of the user's current address (inside `tx`). */
  sendVerification: (tx: Queryable, user: UserRow) => Promise<void>;
  /** Queues the "your password was changed" email (inside `tx`). */
  sendPasswordChanged: (tx: Queryable, user: UserRow) => Promise<void>;
  /** After the commit of emails: wakes the outbox relay. */
  emailsCommitted: () => void;
  /** After the commit of a password change: tells every service the user's older tokens are revoked. */
  tokensRevoked: (userId: string) => Promise<void>;
  /** Runs after a successful login (admin role from configuration for verified addresses); returns the user if it changed. */
  onLogin?: ((user: UserRow) => Promise<UserRow | undefined>) | undefined;
  jwt: { secret: string; issuer: string; ttlSeconds: number };
  /** Counts a login attempt; throws rate_limited when the caller is over the limit. */
  limitLogin: (email: string, ip: string) => Promise<void>;
  /** Clears the per-email counter after a successful login. */
  clearLoginLimit: (email: string) => Promise<void>;
  /** The user's organizations and roles, written into every token (the `orgs` claim). */
  organizationsOf: (userId: string) => Promise<OrgClaims>;
}

const MIN_PASSWORD_BYTES = 8;
// bcrypt ignores everything past 72 bytes; longer passwords would silently be truncated.
const MAX_PASSWORD_BYTES = 72;

export function toUserView(row: UserRow): UserView {
  return {
    user_id: row.id,
    email: row.email,
    email_verified: row.email_verified_at !== null,
    first_name: row.first_name,
    last_name: row.last_name,
    created_at: row.created_at.toISOString(),
  };
}

/** A signed token for the user, carrying their current token generation, and the login answer around it. */
export function tokenResponse(user: UserRow, jwt: { secret: string; issuer: string; ttlSeconds: number }, orgs?: OrgClaims) {
  const { token } = issueUserToken(
    {
      userId: user.id,
      email: user.email,
      role: user.role,
      name: `${user.first_name} ${user.last_name}`,
      generation: user.token_generation,
      orgs,
    },
    jwt,
  );
  return { access_token: token, token_type: 'Bearer' as const, expires_in: jwt.ttlSeconds, user: toUserView(user) };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function invalid(field: string, problem: string): UsersError {
  return invalidRequest({ [field]: problem });
}

export function assertPassword(password: string, field = 'password'): void {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < MIN_PASSWORD_BYTES || bytes > MAX_PASSWORD_BYTES) {
    throw invalid(field, `must be ${MIN_PASSWORD_BYTES} to ${MAX_PASSWORD_BYTES} bytes long`);
  }
}

function cleanName(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw invalid(field, 'must be 1 to 100 characters');
  return trimmed;
}

const authenticationFailed = () => errors.authenticationFailed();

export function createUsersService(opts: UsersServiceOptions) {
  const { repository } = opts;
  // Compared against when the email is unknown, so both failures cost one bcrypt comparison.
  const dummyHash = bcrypt.hashSync(randomUUID(), opts.bcryptRounds);

  return {
    async register(body: RegisterBody): Promise<UserView> {
      assertPassword(body.password);
      const email = normalizeEmail(body.email);
      const passwordHash = await bcrypt.hash(body.password, opts.bcryptRounds);
      // Nobody becomes an admin by registering (docs/users.md#platform-admins); the address is
      // unverified until the emailed link is used.
      const user = await opts.db.transaction(async (tx) => {
        const created = await repository.insertUser(
          {
            id: randomUUID(),
            email,
            password_hash: passwordHash,
            first_name: cleanName(body.first_name, 'first_name'),
            last_name: cleanName(body.last_name, 'last_name'),
            role: 'user',
          },
          tx,
        );
        await opts.sendVerification(tx, created);
        return created;
      });
      opts.emailsCommitted();
      return toUserView(user);
    },

    async login(body: LoginBody, ip: string) {
      const email = normalizeEmail(body.email);
      await opts.limitLogin(email, ip);
      const user = await repository.findByEmail(email);
      const ok = await bcrypt.compare(body.password, user?.password_hash ?? dummyHash);
      if (!user || !ok) throw authenticationFailed();
      await opts.clearLoginLimit(email);
      const current = (await opts.onLogin?.(user)) ?? user;
      return tokenResponse(current, opts.jwt, await opts.organizationsOf(current.id));
    },

    /** A fresh token for the caller, carrying their current organizations and roles. */
    async refreshToken(userId: string) {
      const user = await repository.findById(userId);
      if (!user) throw errors.userNotFound();
      return tokenResponse(user, opts.jwt, await opts.organizationsOf(user.id));
    },

    async getProfile(userId: string): Promise<UserView> {
      const user = await repository.findById(userId);
      if (!user) throw errors.userNotFound();
      return toUserView(user);
    },

    async updateProfile(userId: string, body: UpdateProfileBody): Promise<UserView> {
      const user = await repository.findById(userId);
      if (!user) throw errors.userNotFound();
      const changes: Parameters<UsersRepository['updateUser']>[1] = {};
      if (body.first_name !== undefined) changes.first_name = cleanName(body.first_name, 'first_name');
      if (body.last_name !== undefined) changes.last_name = cleanName(body.last_name, 'last_name');
      const newEmail = body.email === undefined ? undefined : normalizeEmail(body.email);
      const sensitive = (newEmail !== undefined && newEmail !== user.email) || body.password !== undefined;
      if (sensitive) {
        if (body.current_password === undefined) {
          throw invalid('current_password', 'is required to change email or password');
        }
        if (!(await bcrypt.compare(body.current_password, user.password_hash))) {
          throw errors.invalidCurrentPassword();
        }
        if (newEmail !== undefined && newEmail !== user.email) changes.email = newEmail;
        if (body.password !== undefined) {
          assertPassword(body.password);
          changes.password_hash = await bcrypt.hash(body.password, opts.bcryptRounds);
        }
      }
      const updated = await opts.db.transaction(async (tx) => {
        const row = await repository.updateUser(userId, changes, tx);
        if (!row) throw errors.userNotFound();
        if (changes.email !== undefined) await opts.sendVerification(tx, row);
        if (changes.password_hash !== undefined) await opts.sendPasswordChanged(tx, row);
        return row;
      });
      if (changes.email !== undefined || changes.password_hash !== undefined) opts.emailsCommitted();
      // The caller's own token was issued before the change: it is revoked too (log in again,
      // or use POST /api/users/password, which answers with a new token).
      if (changes.password_hash !== undefined) await opts.tokensRevoked(userId);
      return toUserView(updated);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
