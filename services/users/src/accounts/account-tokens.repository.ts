import type { Queryable } from '@ticketing/db';

export type LinkPurpose = 'email_verification' | 'password_reset';

/** Why a link was not accepted: unknown or already used, or past its expiry. */
export type ConsumeOutcome = { kind: 'ok'; userId: string; email: string } | { kind: 'invalid' } | { kind: 'expired' };

/** Single-use links (table account_tokens): only the SHA-256 of each token is stored. */
export function createAccountTokensRepository(db: Queryable) {
  return {
    async insert(tx: Queryable, t: { hash: Buffer; userId: string; purpose: LinkPurpose; email: string; expiresAt: Date }): Promise<void> {
      await tx.query(`INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
        t.hash,
        t.userId,
        t.purpose,
        t.email,
        t.expiresAt,
      ]);
    },

    /**
     * Uses a link: one statement marks it used only if it is unused and unexpired, so of two
     * concurrent uses exactly one succeeds.
     */
    async consume(tx: Queryable, hash: Buffer, purpose: LinkPurpose): Promise<ConsumeOutcome> {
      const { rows } = await tx.query<{ user_id: string; email: string }>(
        `UPDATE account_tokens SET used_at = clock_timestamp()
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > clock_timestamp()
          RETURNING user_id, email`,
        [hash, purpose],
      );
      if (rows[0]) return { kind: 'ok', userId: rows[0].user_id, email: rows[0].email };
      const { rows: found } = await tx.query<{ expired: boolean }>(
        `SELECT used_at IS NULL AND expires_at <= clock_timestamp() AS expired FROM account_tokens WHERE token_hash = $1 AND purpose = $2`,
        [hash, purpose],
      );
      return found[0]?.expired ? { kind: 'expired' } : { kind: 'invalid' };
    },

    /** Voids the user's other unused links of this purpose (after a reset, older reset links die). */
    async voidOutstanding(tx: Queryable, userId: string, purpose: LinkPurpose): Promise<void> {
      await tx.query(`UPDATE account_tokens SET used_at = clock_timestamp() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [
        userId,
        purpose,
      ]);
    },

    /** Forgets links that expired or were used more than a day ago. */
    async deleteStale(): Promise<number> {
      const { rowCount } = await db.query(`DELETE FROM account_tokens WHERE coalesce(used_at, expires_at) < now() - interval '1 day'`);
      return rowCount;
    },
  };
}

export type AccountTokensRepository = ReturnType<typeof createAccountTokensRepository>;
