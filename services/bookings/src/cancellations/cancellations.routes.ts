import { Type } from '@sinclair/typebox';
import { currentUser, requireUser, type UserClaims } from '@ticketing/auth';
import { amountOfDecimal, formatCents } from '@ticketing/contracts';
import { errorResponses, IdParam, isUuid, type App } from '@ticketing/http';
import { errors } from '../errors.ts';
import type { EventCancellationRow, EventCancellationsRepository } from './event-cancellations.repository.ts';

const ProgressSchema = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('refunding'), Type.Literal('completed')]),
  cancelled_at: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  bookings_total: Type.Integer({ description: 'Confirmed bookings to refund (grows if a payment in flight confirms meanwhile)' }),
  bookings_refunded: Type.Integer({ description: 'Refunded exactly once, marked cancelled, buyer emailed' }),
  refunded_amount: Type.Number({ description: 'Sum refunded so far' }),
  updated_at: Type.String({ format: 'date-time' }),
  completed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const cancellationProgressSchema = {
  tags: ['bookings'],
  summary: "The progress of an event's cancellation: bookings refunded so far (the event's organizer or an admin)",
  security: [{ bearerAuth: [] }],
  params: Type.Object({ id: IdParam }),
  response: { 200: ProgressSchema, ...errorResponses(401, 403, 404) },
};

function toView(r: EventCancellationRow) {
  return {
    event_id: r.event_id,
    status: r.status,
    cancelled_at: r.cancelled_at.toISOString(),
    reason: r.reason,
    bookings_total: r.bookings_total,
    bookings_refunded: r.bookings_refunded,
    refunded_amount: amountOfDecimal(formatCents(r.refunded_cents)),
    updated_at: r.updated_at.toISOString(),
    completed_at: r.completed_at ? r.completed_at.toISOString() : null,
  };
}

/** The organizer check of the bookings service: the owner the event service named, or an admin. */
function assertMayReadSales(user: UserClaims, ownerId: string): void {
  if (user.role === 'admin' || user.user_id === ownerId) return;
  throw errors.forbidden({ message: 'Only the event’s organizer can see this' });
}

export function registerCancellationRoutes(
  app: App,
  deps: { eventCancellations: EventCancellationsRepository; auth: Parameters<typeof requireUser>[0] },
): void {
  const authenticated = requireUser(deps.auth);
  app.get('/api/events/:id/cancellation', { schema: cancellationProgressSchema, preHandler: authenticated }, async (request) => {
    const id = request.params.id;
    const row = isUuid(id) ? await deps.eventCancellations.find(id.toLowerCase()) : undefined;
    if (!row) throw errors.cancellationNotFound();
    assertMayReadSales(currentUser(request), row.owner_id);
    return toView(row);
  });
}
