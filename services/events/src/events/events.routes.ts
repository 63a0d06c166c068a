import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { EventsService } from './events.service.ts';
import { createEventSchema, getEventSchema, listEventsSchema } from './events.schemas.ts';

export function registerEventRoutes(app: App, deps: { events: EventsService; auth: AuthOptions }): void {
  const { events } = deps;
  const authenticated = requireUser(deps.auth);

  app.post('/api/events', { schema: createEventSchema, preHandler: authenticated }, async (request, reply) => {
    const event = await events.createEvent(currentUser(request), request.body);
    return reply.status(201).header('location', `/api/events/${event.event_id}`).send(event);
  });

  app.get('/api/events', { schema: listEventsSchema }, async (request) => events.listEvents(request.query));

  app.get('/api/events/:id', { schema: getEventSchema }, async (request) => events.getEvent(request.params.id));
}
