import { currentUser, optionalUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { EventsService } from './events.service.ts';
import type { ManageEvents } from './manage-events.ts';
import {
  createEventSchema,
  eventAuditSchema,
  getEventSchema,
  listEventsSchema,
  publishEventSchema,
  updateEventSchema,
} from './events.schemas.ts';

export function registerEventRoutes(app: App, deps: { events: EventsService; manage: ManageEvents; auth: AuthOptions }): void {
  const { events, manage } = deps;
  const authenticated = requireUser(deps.auth);
  const maybeAuthenticated = optionalUser(deps.auth);

  app.post('/api/events', { schema: createEventSchema, preHandler: authenticated }, async (request, reply) => {
    const user = currentUser(request);
    const event = await events.createEvent(user, request.body, manage.recordCreated(user));
    return reply.status(201).header('location', `/api/events/${event.event_id}`).send(event);
  });

  app.get('/api/events', { schema: listEventsSchema, preHandler: maybeAuthenticated }, async (request) =>
    events.listEvents(request.query, request.user),
  );

  app.get('/api/events/:id', { schema: getEventSchema, preHandler: maybeAuthenticated }, async (request) =>
    events.getEvent(request.params.id, request.user),
  );

  app.patch('/api/events/:id', { schema: updateEventSchema, preHandler: authenticated }, async (request) =>
    manage.updateEvent(currentUser(request), request.params.id, request.body),
  );

  app.post('/api/events/:id/publish', { schema: publishEventSchema, preHandler: authenticated }, async (request) =>
    manage.publishEvent(currentUser(request), request.params.id),
  );

  app.get('/api/events/:id/audit', { schema: eventAuditSchema, preHandler: authenticated }, async (request) =>
    manage.auditLog(currentUser(request), request.params.id, request.query),
  );
}
