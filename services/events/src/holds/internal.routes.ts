import { requireInternal } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import { InternalEventOwner, InternalEventSales } from '@ticketing/contracts';
import { errorResponses, IdParam } from '@ticketing/http';
import { Type } from '@sinclair/typebox';
import { cancellationPolicyOf, type EventsService } from '../events/events.service.ts';
import type { SeatsService } from '../seats/seats.service.ts';
import { errors } from '../errors.ts';
import type { HoldsService } from './holds.service.ts';
import {
  internalConfirmSchema,
  internalGetSchema,
  internalLockSchema,
  internalReleaseSchema,
  internalReleaseSeatsSchema,
  internalSeatPricesSchema,
} from './holds.schemas.ts';

/** Service-to-service hold calls (docs/internal-api.md): internal tokens only, checked before anything else. */
const internalEventSchema = {
  tags: ['internal'],
  summary: 'Who owns an event (its organization), for another service’s organizer check; drafts included',
  security: [{ bearerAuth: [] }],
  params: Type.Object({ id: IdParam }),
  response: { 200: InternalEventOwner, ...errorResponses(401, 404) },
};

const internalEventSalesSchema = {
  tags: ['internal'],
  summary: 'An event’s seats per section, sold, held and available now, for the bookings service’s sales report; drafts included',
  security: [{ bearerAuth: [] }],
  params: Type.Object({ id: IdParam }),
  response: { 200: InternalEventSales, ...errorResponses(401, 404) },
};

export function registerInternalRoutes(
  app: App,
  deps: { holdsService: HoldsService; events: EventsService; seats: SeatsService; auth: { secret: string; issuer: string } },
): void {
  const { holdsService, events } = deps;
  const internal = requireInternal(deps.auth);

  app.get('/internal/events/:id', { schema: internalEventSchema, onRequest: internal }, async (request) => {
    const event = await events.findCurrentEvent(request.params.id);
    if (!event) throw errors.eventNotFound();
    return {
      event_id: event.id,
      organization_id: event.organization_id,
      status: event.status,
      event_date: event.event_date.toISOString(),
      cancelled_at: event.cancelled_at?.toISOString() ?? null,
      cancellation_policy: cancellationPolicyOf(event),
    };
  });

  app.get('/internal/events/:id/sales', { schema: internalEventSalesSchema, onRequest: internal }, async (request) => {
    const event = await events.findEvent(request.params.id);
    if (!event) throw errors.eventNotFound();
    return deps.seats.sectionSales(event);
  });

  app.get('/internal/holds/:holdId', { schema: internalGetSchema, onRequest: internal }, async (request) =>
    holdsService.internalGet(request.params.holdId),
  );

  app.post('/internal/holds/:holdId/lock', { schema: internalLockSchema, onRequest: internal }, async (request) =>
    holdsService.lock(request.params.holdId, request.body),
  );

  app.post('/internal/holds/:holdId/confirm', { schema: internalConfirmSchema, onRequest: internal }, async (request) =>
    holdsService.confirm(request.params.holdId, request.body),
  );

  app.get('/internal/holds/:holdId/prices', { schema: internalSeatPricesSchema, onRequest: internal }, async (request) =>
    holdsService.seatPrices(request.params.holdId),
  );

  app.post('/internal/holds/:holdId/release-seats', { schema: internalReleaseSeatsSchema, onRequest: internal }, async (request) =>
    holdsService.releaseSeats(request.params.holdId, request.body),
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
