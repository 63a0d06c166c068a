import { createHmac } from 'node:crypto';
import { signToken, TokenError, verifyToken } from '@ticketing/auth';

/** What an admission token says: this account may hold seats of this event until `exp`. */
export interface AdmissionClaims {
  scope: 'admission';
  sub: string;
  event_id: string;
  /** The queue entry admitted: one token per admission, whatever the number of tabs asking. */
  jti: string;
  iat: number;
  exp: number;
  iss: string;
}

export type AdmissionCheck =
  { ok: true; claims: AdmissionClaims } | { ok: false; reason: 'invalid' | 'expired' | 'wrong_account' | 'wrong_event' };

/**
 * Admission tokens: HS256, signed with a key derived from the user-token secret (so every
 * instance knows it and no new secret is needed), and carrying `scope: admission`, so that an
 * admission token never passes as a user token nor the other way round.
 */
export function createAdmissionTokens(opts: { jwtSecret: string; issuer: string }) {
  const secret = createHmac('sha256', opts.jwtSecret).update('admission-token:v1').digest('hex');
  return {
    /** The same admission always gives the same token (iat is the admission time). */
    issue(input: { userId: string; eventId: string; entryId: string; admittedAt: number; ttlSeconds: number }): {
      token: string;
      expiresAt: Date;
    } {
      const iat = Math.floor(input.admittedAt / 1000);
      const claims: AdmissionClaims = {
        scope: 'admission',
        sub: input.userId,
        event_id: input.eventId,
        jti: input.entryId,
        iat,
        exp: iat + input.ttlSeconds,
        iss: opts.issuer,
      };
      return { token: signToken(claims, secret), expiresAt: new Date(claims.exp * 1000) };
    },

    /** Checks signature, kind, expiry (no clock tolerance), event and account; no I/O. */
    check(token: string, expected: { userId: string; eventId: string; now?: number }): AdmissionCheck {
      let raw: Record<string, unknown>;
      try {
        raw = verifyToken(token, { secret, issuer: opts.issuer, now: expected.now });
      } catch (err) {
        if (err instanceof TokenError && err.reason === 'expired') return { ok: false, reason: 'expired' };
        return { ok: false, reason: 'invalid' };
      }
      if (raw.scope !== 'admission' || typeof raw.sub !== 'string' || typeof raw.event_id !== 'string' || typeof raw.jti !== 'string')
        return { ok: false, reason: 'invalid' };
      const claims = raw as unknown as AdmissionClaims;
      if (claims.exp * 1000 <= (expected.now ?? Date.now())) return { ok: false, reason: 'expired' };
      if (claims.event_id !== expected.eventId) return { ok: false, reason: 'wrong_event' };
      if (claims.sub !== expected.userId) return { ok: false, reason: 'wrong_account' };
      return { ok: true, claims };
    },
  };
}

export type AdmissionTokens = ReturnType<typeof createAdmissionTokens>;
