import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { TicketsService } from './tickets.service.ts';
import { bookingTicketsSchema, myTicketsSchema, ticketKeysSchema } from './tickets.schemas.ts';

export function registerTicketRoutes(app: App, deps: { ticketsService: TicketsService; auth: AuthOptions }): void {
  const { ticketsService } = deps;
  const authenticated = requireUser(deps.auth);

  app.get('/api/bookings/:id/tickets', { schema: bookingTicketsSchema, preHandler: authenticated }, async (request) =>
    ticketsService.forBooking(currentUser(request), request.params.id),
  );

  app.get('/api/tickets', { schema: myTicketsSchema, preHandler: authenticated }, async (request) =>
    ticketsService.mine(currentUser(request), request.query),
  );

  app.get('/api/tickets/keys', { schema: ticketKeysSchema }, async () => ticketsService.keys());
}
