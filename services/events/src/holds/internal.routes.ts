import { requireInternal } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { HoldsService } from './holds.service.ts';
import { internalConfirmSchema, internalGetSchema, internalLockSchema, internalReleaseSchema } from './holds.schemas.ts';

/** Service-to-service hold calls (docs/internal-api.md): internal tokens only, checked before anything else. */
export function registerInternalRoutes(app: App, deps: { holdsService: HoldsService; auth: { secret: string; issuer: string } }): void {
  const { holdsService } = deps;
  const internal = requireInternal(deps.auth);

  app.get('/internal/holds/:holdId', { schema: internalGetSchema, onRequest: internal }, async (request) =>
    holdsService.internalGet(request.params.holdId),
  );

  app.post('/internal/holds/:holdId/lock', { schema: internalLockSchema, onRequest: internal }, async (request) =>
    holdsService.lock(request.params.holdId, request.body),
  );

  app.post('/internal/holds/:holdId/confirm', { schema: internalConfirmSchema, onRequest: internal }, async (request) =>
    holdsService.confirm(request.params.holdId, request.body),
  );

  app.post(
    '/internal/holds/:holdId/release',
    {
      schema: internalReleaseSchema,
      onRequest: internal,
      // The body is optional: a call without one releases an active hold.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => holdsService.internalRelease(request.params.holdId, request.body),
  );
}
