import { Readable } from 'node:stream';
import { currentUser, requireUser } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { SalesService } from './sales.service.ts';
import { salesBookingsSchema, salesCsvSchema, salesSummarySchema } from './sales.schemas.ts';

/** The organizer's sales report (docs/organizers.md, "Sales reports"); under /api/events/{id}/sales at the edge. */
export function registerSalesRoutes(app: App, deps: { sales: SalesService; auth: Parameters<typeof requireUser>[0] }): void {
  const authenticated = requireUser(deps.auth);

  app.get('/api/events/:id/sales', { schema: salesSummarySchema, preHandler: authenticated }, async (request) =>
    deps.sales.summary(currentUser(request), request.params.id, { requestId: request.id }),
  );

  app.get('/api/events/:id/sales/bookings', { schema: salesBookingsSchema, preHandler: authenticated }, async (request) =>
    deps.sales.bookings(currentUser(request), request.params.id, request.query, { requestId: request.id }),
  );

  app.get('/api/events/:id/sales/bookings.csv', { schema: salesCsvSchema, preHandler: authenticated }, async (request, reply) => {
    const { eventId, lines } = await deps.sales.csv(currentUser(request), request.params.id, request.query, { requestId: request.id });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="bookings-${eventId}.csv"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(lines));
  });
}
