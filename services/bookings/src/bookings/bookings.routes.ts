import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import { isOpenStatus } from './bookings.repository.ts';
import type { BookingsService } from './bookings.service.ts';
import { toSubmitResponse } from './bookings.service.ts';
import { getBookingSchema, listMineSchema, listUserSchema, submitSchema } from './bookings.schemas.ts';

export function registerBookingRoutes(app: App, deps: { bookingsService: BookingsService; auth: AuthOptions }): void {
  const { bookingsService } = deps;
  const authenticated = requireUser(deps.auth);

  app.post('/api/booking', { schema: submitSchema, preHandler: authenticated }, async (request, reply) => {
    const traceparent = request.headers.traceparent;
    const { created, booking } = await bookingsService.submit({
      user: currentUser(request),
      holdId: request.body.hold_id,
      paymentMethod: request.body.payment_info.payment_method,
      amount: request.body.payment_info.amount,
      idempotencyKey: request.headers['idempotency-key'],
      requestId: request.id,
      traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    });
    const body = toSubmitResponse(booking);
    // A retry of a booking still processing is answered like the first submit (202); a final one is 200.
    return reply.status(created || isOpenStatus(booking.status) ? 202 : 200).send(body);
  });

  for (const path of ['/api/booking/:id', '/api/booking/:id/status'] as const) {
    app.get(path, { schema: getBookingSchema, preHandler: authenticated }, async (request) =>
      bookingsService.getBooking(currentUser(request), request.params.id),
    );
  }

  app.get('/api/bookings', { schema: listMineSchema, preHandler: authenticated }, async (request) => {
    const user = currentUser(request);
    return bookingsService.listBookings(user, user.user_id, request.query);
  });

  app.get('/api/users/:userId/bookings', { schema: listUserSchema, preHandler: authenticated }, async (request) =>
    bookingsService.listBookings(currentUser(request), request.params.userId, request.query),
  );
}
