import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { commonErrors } from '@ticketing/errors';

const { unauthorized, invalidToken } = commonErrors.errors;
import { TokenError, verifyInternalToken, verifyUserToken, type InternalClaims, type UserClaims } from './jwt.ts';
import type { RevocationChecker } from './revocation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    user?: UserClaims;
    internalCaller?: InternalClaims;
  }
}

export interface AuthOptions {
  secret: string;
  issuer: string;
  /** Refuses revoked tokens (log out, password change); without it only signature and expiry count. */
  revocations?: RevocationChecker | undefined;
}

/**
 * Verifies a user token and checks it has not been revoked. Throws `invalid_token` (401) for a
 * bad, expired or revoked token.
 */
export async function authenticateUser(token: string, opts: AuthOptions): Promise<UserClaims> {
  let claims: UserClaims;
  try {
    claims = verifyUserToken(token, opts);
  } catch (err) {
    if (err instanceof TokenError) throw invalidToken();
    throw err;
  }
  if (opts.revocations && (await opts.revocations.isRevoked(claims))) {
    throw invalidToken({ message: 'This token has been revoked (signed out or password changed); log in again' });
  }
  return claims;
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw unauthorized();
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw invalidToken({ message: 'Authorization header must be "Bearer <token>"' });
  return match[1];
}

/** preHandler that requires a valid user JWT and sets `request.user`. */
export function requireUser(opts: AuthOptions): preHandlerAsyncHookHandler {
  return async function requireUserHook(request: FastifyRequest, _reply: FastifyReply) {
    request.user = await authenticateUser(bearer(request), opts);
  };
}

/**
 * preHandler for public routes that show more to some callers (an organization's drafts): a
 * request without Authorization is anonymous, one with a bad token is refused (401), never
 * silently treated as anonymous.
 */
export function optionalUser(opts: AuthOptions): preHandlerAsyncHookHandler {
  const required = requireUser(opts);
  return async function optionalUserHook(request: FastifyRequest, reply: FastifyReply) {
    if (request.headers.authorization === undefined) return;
    await required.call(this, request, reply);
  };
}

/** preHandler for service-to-service routes: only an internal token passes, never a user token. */
export function requireInternal(opts: AuthOptions): preHandlerAsyncHookHandler {
  return async function requireInternalHook(request: FastifyRequest, _reply: FastifyReply) {
    const token = bearer(request);
    try {
      request.internalCaller = verifyInternalToken(token, opts);
    } catch (err) {
      if (err instanceof TokenError) throw invalidToken({ message: 'A valid internal service token is required' });
      throw err;
    }
  };
}

/** The authenticated user of a request behind requireUser. */
export function currentUser(request: FastifyRequest): UserClaims {
  if (!request.user) throw unauthorized();
  return request.user;
}

/**
 * preHandler for Server-Sent-Events routes: a user JWT from the Authorization header or, because
 * a browser EventSource cannot send headers, from `?access_token=` (blank it out of the logged
 * URL with `redactAccessToken`).
 */
export function requireUserOrAccessToken(opts: AuthOptions): preHandlerAsyncHookHandler {
  const headerAuth = requireUser(opts);
  return async function requireUserOrAccessTokenHook(this: unknown, request: FastifyRequest, reply: FastifyReply) {
    if (request.headers.authorization !== undefined) return headerAuth.call(this as never, request, reply);
    const token = (request.query as { access_token?: string } | undefined)?.access_token;
    if (token === undefined || token === '') {
      throw unauthorized({ message: 'Authentication required: send Authorization: Bearer <token> or ?access_token=' });
    }
    try {
      request.user = verifyUserToken(token, opts);
    } catch (err) {
      if (err instanceof TokenError) throw invalidToken();
      throw err;
    }
  };
}

/** onRequest hook: the `access_token` of the URL never reaches a log line. */
export async function redactAccessToken(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  if (raw.url?.includes('access_token=')) raw.url = raw.url.replace(/(access_token=)[^&]*/g, '$1[redacted]');
}
