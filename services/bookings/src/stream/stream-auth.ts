import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import { errors } from '../errors.ts';

/**
 * The hooks of an SSE route: the token from the Authorization header, or from `?access_token=`
 * (EventSource cannot send headers), which is blanked out of the URL before anything logs it.
 */
export function streamAuthHooks(app: App, auth: AuthOptions) {
  const headerAuth = requireUser(auth);
  return {
    onRequest: async (request: FastifyRequest) => {
      const raw = request.raw;
      if (raw.url?.includes('access_token=')) raw.url = raw.url.replace(/(access_token=)[^&]*/g, '$1[redacted]');
    },
    preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.headers.authorization !== undefined) return headerAuth.call(app, request, reply);
      const token = (request.query as { access_token?: string }).access_token;
      if (token === undefined || token === '') {
        throw errors.unauthorized({ message: 'Authentication required: send Authorization: Bearer <token> or ?access_token=' });
      }
      request.user = await authenticateUser(token, auth);
    },
  };
}
