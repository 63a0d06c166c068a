import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { isOrgRole, MAX_ORGS_PER_TOKEN, type OrgClaims } from './organizations.ts';

export type Role = 'user' | 'admin';

export interface UserClaims {
  sub: string;
  user_id: string;
  email: string;
  role: Role;
  /** Display name (first and last), so downstream services can greet the user without a lookup. */
  name?: string;
  /**
   * The user's token generation when the token was issued: a password change or reset moves it
   * on, and every token of an older generation is refused (revocation.ts). Absent means 0.
   */
  gen?: number;
  /**
   * The caller's organizations and roles (`{"<organization id>": "manager"}`), so every service
   * decides organizer access without a call; absent when the user belongs to none.
   */
  orgs?: OrgClaims;
  iat: number;
  nbf: number;
  exp: number;
  iss: string;
  jti: string;
}

export interface InternalClaims {
  sub: string;
  scope: 'internal';
  iat: number;
  nbf: number;
  exp: number;
  iss: string;
}

export class TokenError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`invalid token: ${reason}`);
    this.name = 'TokenError';
    this.reason = reason;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
/** Tolerance for clocks of different hosts, in seconds. */
const CLOCK_SKEW_S = 30;

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/** Signs a payload as an HS256 JWT (the kind verifyToken checks); callers own the claims. */
export function signToken(payload: object, secret: string): string {
  return sign(payload, secret);
}

function sign(payload: object, secret: string): string {
  const body = base64url(JSON.stringify(payload));
  const signature = createHmac('sha256', secret).update(`${HEADER}.${body}`).digest('base64url');
  return `${HEADER}.${body}.${signature}`;
}

export interface IssueUserTokenInput {
  userId: string;
  email: string;
  role: Role;
  name?: string;
  /** The user's current token generation (RevocationState.generation). */
  generation?: number;
  orgs?: OrgClaims;
}

export function issueUserToken(
  input: IssueUserTokenInput,
  opts: { secret: string; issuer: string; ttlSeconds: number; now?: number },
): { token: string; claims: UserClaims } {
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const claims: UserClaims = {
    sub: input.userId,
    user_id: input.userId,
    email: input.email,
    role: input.role,
    ...(input.name ? { name: input.name } : {}),
    ...(input.generation ? { gen: input.generation } : {}),
    ...(input.orgs && Object.keys(input.orgs).length > 0 ? { orgs: input.orgs } : {}),
    iat,
    nbf: iat,
    exp: iat + opts.ttlSeconds,
    iss: opts.issuer,
    jti: randomUUID(),
  };
  return { token: sign(claims, opts.secret), claims };
}

/** Service-to-service token: signed with a separate secret and carrying `scope: internal`. */
export function issueInternalToken(service: string, opts: { secret: string; issuer: string; ttlSeconds: number; now?: number }): string {
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const claims: InternalClaims = {
    sub: service,
    scope: 'internal',
    iat,
    nbf: iat,
    exp: iat + opts.ttlSeconds,
    iss: opts.issuer,
  };
  return sign(claims, opts.secret);
}

/**
 * Verifies an HS256 JWT: the header must say exactly HS256 (`none` and every other alg are
 * refused), the signature must match, `exp` is required and `nbf`/`iat` may not lie in the
 * future.
 */
export function verifyToken(token: string, opts: { secret: string; issuer?: string; now?: number }): Record<string, unknown> {
  if (token.length > 8192) throw new TokenError('too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed');
  const [headerPart, bodyPart, sigPart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  if (header.alg !== 'HS256') throw new TokenError('unsupported alg');
  if (header.typ !== undefined && header.typ !== 'JWT') throw new TokenError('unsupported typ');
  const expected = createHmac('sha256', opts.secret).update(`${headerPart}.${bodyPart}`).digest();
  const given = Buffer.from(sigPart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenError('bad signature');
  }
  const claims = decodeJson(bodyPart);
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (typeof claims.exp !== 'number') throw new TokenError('exp required');
  if (claims.exp <= now - CLOCK_SKEW_S) throw new TokenError('expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now + CLOCK_SKEW_S) throw new TokenError('not yet valid');
  if (typeof claims.iat === 'number' && claims.iat > now + CLOCK_SKEW_S) throw new TokenError('issued in the future');
  if (opts.issuer !== undefined && claims.iss !== opts.issuer) throw new TokenError('wrong issuer');
  return claims;
}

export function verifyUserToken(token: string, opts: { secret: string; issuer?: string; now?: number }): UserClaims {
  const claims = verifyToken(token, opts);
  if (claims.scope !== undefined) throw new TokenError('not a user token');
  // Every service uses the subject as a UUID column: a signed token with another subject would
  // reach PostgreSQL and fail there, so it is refused as invalid here.
  if (typeof claims.sub !== 'string' || !UUID.test(claims.sub) || claims.user_id !== claims.sub) throw new TokenError('bad subject');
  if (claims.role !== 'user' && claims.role !== 'admin') throw new TokenError('bad role');
  if (typeof claims.email !== 'string') throw new TokenError('bad email');
  if (claims.gen !== undefined && !(Number.isSafeInteger(claims.gen) && (claims.gen as number) >= 0)) throw new TokenError('bad gen');
  if (typeof claims.jti !== 'string') throw new TokenError('bad jti');
  if (claims.orgs !== undefined && !validOrgs(claims.orgs)) throw new TokenError('bad orgs');
  return claims as unknown as UserClaims;
}

export function verifyInternalToken(token: string, opts: { secret: string; issuer?: string; now?: number }): InternalClaims {
  const claims = verifyToken(token, opts);
  if (claims.scope !== 'internal') throw new TokenError('not an internal token');
  return claims as unknown as InternalClaims;
}

function validOrgs(orgs: unknown): orgs is OrgClaims {
  if (typeof orgs !== 'object' || orgs === null || Array.isArray(orgs)) return false;
  const entries = Object.entries(orgs);
  return entries.length <= MAX_ORGS_PER_TOKEN && entries.every(([id, role]) => UUID.test(id) && id === id.toLowerCase() && isOrgRole(role));
}

function decodeJson(part: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new TokenError('malformed');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TokenError('malformed');
  return value as Record<string, unknown>;
}
