import { Type } from '@sinclair/typebox';
import { currentUser, requireUser } from '@ticketing/auth';
import { amountOfDecimal, formatCents } from '@ticketing/contracts';
import { errorResponses, IdParam, type App } from '@ticketing/http';
import { errors } from '../errors.ts';
import type { EventAccess } from '../organizer/event-access.ts';
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
  summary: "The progress of an event's cancellation: bookings refunded so far (`sales.read`: owner, manager, viewer)",
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

export function registerCancellationRoutes(
  app: App,
  deps: { eventCancellations: EventCancellationsRepository; eventAccess: EventAccess; auth: Parameters<typeof requireUser>[0] },
): void {
  const authenticated = requireUser(deps.auth);
  app.get('/api/events/:id/cancellation', { schema: cancellationProgressSchema, preHandler: authenticated }, async (request) => {
    // Who may cancel may follow it, and so may whoever reads the event's sales.
    const event = await deps.eventAccess.authorize(currentUser(request), 'sales.read', request.params.id, { requestId: request.id });
    const row = await deps.eventCancellations.find(event.event_id);
    if (!row) throw errors.cancellationNotFound();
    return toView(row);
  });
}
