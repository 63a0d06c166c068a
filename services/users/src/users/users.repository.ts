import { isUniqueViolation, type Queryable } from '@ticketing/db';
import { errors, type UsersError } from '../errors.ts';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  first_name: string;
  last_name: string;
  role: 'user' | 'admin';
  created_at: Date;
  /** When the current address was proven by an emailed link; null until then and after a change. */
  email_verified_at: Date | null;
  /** Tokens with an older `gen` claim are refused (docs/users.md#revocation). */
  token_generation: number;
}

const COLUMNS = 'id, email, password_hash, first_name, last_name, role, created_at, email_verified_at, token_generation';

export type NewUser = Omit<UserRow, 'created_at' | 'email_verified_at' | 'token_generation'>;

function emailTaken(): UsersError {
  return errors.emailTaken();
}

export function createUsersRepository(db: Queryable) {
  return {
    async insertUser(user: NewUser, tx: Queryable = db): Promise<UserRow> {
      try {
        const { rows } = await tx.query<UserRow>(
          `INSERT INTO users (id, email, password_hash, first_name, last_name, role)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
          [user.id, user.email, user.password_hash, user.first_name, user.last_name, user.role],
        );
        return rows[0]!;
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken();
        throw err;
      }
    },

    async findById(id: string, tx: Queryable = db): Promise<UserRow | undefined> {
      const { rows } = await tx.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
      return rows[0];
    },

    async findByEmail(email: string, tx: Queryable = db): Promise<UserRow | undefined> {
      const { rows } = await tx.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
      return rows[0];
    },

    /** Marks the address verified, if it is still the user's address (a change since voids the link). */
    async markEmailVerified(tx: Queryable, id: string, email: string): Promise<UserRow | undefined> {
      const { rows } = await tx.query<UserRow>(
        `UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
         WHERE id = $1 AND email = $2 RETURNING ${COLUMNS}`,
        [id, email],
      );
      return rows[0];
    },

    /** Sets a new password hash and moves the token generation on: every token issued before is refused. */
    async setPassword(tx: Queryable, id: string, passwordHash: string): Promise<UserRow | undefined> {
      const { rows } = await tx.query<UserRow>(
        `UPDATE users SET password_hash = $2, token_generation = token_generation + 1, tokens_revoked_at = now(), updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, passwordHash],
      );
      return rows[0];
    },

    /** Moves the token generation on (role removed, signed out everywhere). */
    async revokeAllTokens(tx: Queryable, id: string): Promise<void> {
      await tx.query(
        `UPDATE users SET token_generation = token_generation + 1, tokens_revoked_at = now(), updated_at = now() WHERE id = $1`,
        [id],
      );
    },

    async setRole(tx: Queryable, id: string, role: UserRow['role']): Promise<void> {
      await tx.query(`UPDATE users SET role = $2, updated_at = now() WHERE id = $1`, [id, role]);
    },

    async listAdmins(): Promise<UserRow[]> {
      const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE role = 'admin' ORDER BY email`);
      return rows;
    },

    /** A new email is unverified; a new password moves the token generation on. */
    async updateUser(
      id: string,
      changes: Partial<Pick<UserRow, 'email' | 'password_hash' | 'first_name' | 'last_name'>>,
      tx: Queryable = db,
    ): Promise<UserRow | undefined> {
      try {
        const { rows } = await tx.query<UserRow>(
          `UPDATE users SET
             email_verified_at = CASE WHEN $2::text IS NULL OR $2 = email THEN email_verified_at END,
             token_generation = token_generation + CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END,
             tokens_revoked_at = CASE WHEN $3::text IS NULL THEN tokens_revoked_at ELSE now() END,
             email = COALESCE($2, email),
             password_hash = COALESCE($3, password_hash),
             first_name = COALESCE($4, first_name),
             last_name = COALESCE($5, last_name),
             updated_at = now()
           WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, changes.email ?? null, changes.password_hash ?? null, changes.first_name ?? null, changes.last_name ?? null],
        );
        return rows[0];
      } catch (err) {
        if (isUniqueViolation(err)) throw emailTaken();
        throw err;
      }
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
