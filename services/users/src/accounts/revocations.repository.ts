import type { RevocationState } from '@ticketing/auth';
import type { Queryable } from '@ticketing/db';

/** The revocation state of users (token generation, single revoked tokens), from the users schema. */
export function createRevocationsRepository(db: Queryable) {
  return {
    /** Revokes one token (log out) until it would have expired anyway. */
    async revokeToken(tx: Queryable, t: { jti: string; userId: string; expiresAt: Date }): Promise<void> {
      await tx.query(`INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING`, [
        t.jti,
        t.userId,
        t.expiresAt,
      ]);
    },

    async stateOf(userId: string): Promise<RevocationState> {
      const { rows } = await db.query<{ generation: number | null; jtis: string[] }>(
        `SELECT (SELECT token_generation FROM users WHERE id = $1) AS generation,
                coalesce((SELECT array_agg(jti::text ORDER BY jti) FROM revoked_tokens WHERE user_id = $1 AND expires_at > now()), '{}') AS jtis`,
        [userId],
      );
      return { generation: rows[0]?.generation ?? 0, jtis: rows[0]?.jtis ?? [] };
    },

    /** Users with a revocation that may still matter: tokens issued before it may not have expired yet. */
    async recentlyRevoked(withinSeconds: number): Promise<string[]> {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM users WHERE tokens_revoked_at > now() - make_interval(secs => $1)
         UNION SELECT DISTINCT user_id FROM revoked_tokens WHERE expires_at > now()`,
        [withinSeconds],
      );
      return rows.map((r) => r.id);
    },

    async deleteExpired(): Promise<number> {
      const { rowCount } = await db.query(`DELETE FROM revoked_tokens WHERE expires_at < now() - interval '1 hour'`);
      return rowCount;
    },
  };
}

export type RevocationsRepository = ReturnType<typeof createRevocationsRepository>;
