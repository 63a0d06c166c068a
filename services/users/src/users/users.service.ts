import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { issueUserToken } from '@ticketing/auth';
import { invalidRequest } from '@ticketing/http';
import { errors, type UsersError } from '../errors.ts';
import type { UserRow, UsersRepository } from './users.repository.ts';
import type { LoginBody, RegisterBody, UpdateProfileBody, UserView } from './users.schemas.ts';

export interface UsersServiceOptions {
  repository: UsersRepository;
  bcryptRounds: number;
  adminEmails: readonly string[];
  jwt: { secret: string; issuer: string; ttlSeconds: number };
  /** Counts a login attempt; throws rate_limited when the caller is over the limit. */
  limitLogin: (email: string, ip: string) => Promise<void>;
  /** Clears the per-email counter after a successful login. */
  clearLoginLimit: (email: string) => Promise<void>;
}

const MIN_PASSWORD_BYTES = 8;
// bcrypt ignores everything past 72 bytes; longer passwords would silently be truncated.
const MAX_PASSWORD_BYTES = 72;

export function toUserView(row: UserRow): UserView {
  return {
    user_id: row.id,
    email: row.email,
    first_name: row.first_name,
    last_name: row.last_name,
    created_at: row.created_at.toISOString(),
  };
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function invalid(field: string, problem: string): UsersError {
  return invalidRequest({ [field]: problem });
}

function assertPassword(password: string, field = 'password'): void {
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
  const admins = new Set(opts.adminEmails.map(normalizeEmail));
  // Compared against when the email is unknown, so both failures cost one bcrypt comparison.
  const dummyHash = bcrypt.hashSync(randomUUID(), opts.bcryptRounds);

  return {
    async register(body: RegisterBody): Promise<UserView> {
      assertPassword(body.password);
      const email = normalizeEmail(body.email);
      const user = await repository.insertUser({
        id: randomUUID(),
        email,
        password_hash: await bcrypt.hash(body.password, opts.bcryptRounds),
        first_name: cleanName(body.first_name, 'first_name'),
        last_name: cleanName(body.last_name, 'last_name'),
        role: admins.has(email) ? 'admin' : 'user',
      });
      return toUserView(user);
    },

    async login(body: LoginBody, ip: string) {
      const email = normalizeEmail(body.email);
      await opts.limitLogin(email, ip);
      const user = await repository.findByEmail(email);
      const ok = await bcrypt.compare(body.password, user?.password_hash ?? dummyHash);
      if (!user || !ok) throw authenticationFailed();
      await opts.clearLoginLimit(email);
      const { token } = issueUserToken(
        { userId: user.id, email: user.email, role: user.role, name: `${user.first_name} ${user.last_name}` },
        opts.jwt,
      );
      return {
        access_token: token,
        token_type: 'Bearer' as const,
        expires_in: opts.jwt.ttlSeconds,
        user: toUserView(user),
      };
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
      const updated = await repository.updateUser(userId, changes);
      if (!updated) throw errors.userNotFound();
      return toUserView(updated);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
