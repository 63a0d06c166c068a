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
}

const COLUMNS = 'id, email, password_hash, first_name, last_name, role, created_at';

function emailTaken(): UsersError {
  return errors.emailTaken();
}

export function createUsersRepository(db: Queryable) {
  return {
    async insertUser(user: Omit<UserRow, 'created_at'>): Promise<UserRow> {
      try {
        const { rows } = await db.query<UserRow>(
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

    async findById(id: string): Promise<UserRow | undefined> {
      const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
      return rows[0];
    },

    async findByEmail(email: string): Promise<UserRow | undefined> {
      const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = $1`, [email]);
      return rows[0];
    },

    async updateUser(
      id: string,
      changes: Partial<Pick<UserRow, 'email' | 'password_hash' | 'first_name' | 'last_name'>>,
    ): Promise<UserRow | undefined> {
      try {
        const { rows } = await db.query<UserRow>(
          `UPDATE users SET
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
