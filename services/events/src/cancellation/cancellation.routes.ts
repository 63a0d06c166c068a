import { Type } from '@sinclair/typebox';
import { currentUser, requireUser } from '@ticketing/auth';
import { errorResponses, type App } from '@ticketing/http';
import { EventParams } from '../events/events.schemas.ts';
import type { CancelEvent } from './cancel-event.ts';

const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1000, description: 'Told to the buyers in the email' })) },
  { additionalProperties: false },
);

const CancelledSchema = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  status: Type.Literal('cancelled'),
  cancelled_at: Type.String({ format: 'date-time' }),
  released_holds: Type.Integer({ description: 'Active holds released by this call (0 when the event was already cancelled)' }),
});

export const cancelEventSchema = {
  tags: ['events'],
  summary: 'Cancel an event: no more holds, active holds released, every confirmed booking refunded once and its buyer emailed',
  description:
    'Answers 202 at once; the refunds run in the bookings worker (follow them with GET /api/events/{id}/cancellation). ' +
    'Idempotent: calling it again answers 202 with the first cancellation.',
  security: [{ bearerAuth: [] }],
  params: EventParams,
  body: Type.Optional(CancelBody),
  response: { 202: CancelledSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
};

export function registerCancellationRoutes(app: App, deps: { cancelEvent: CancelEvent; auth: Parameters<typeof requireUser>[0] }): void {
  const authenticated = requireUser(deps.auth);
  app.post('/api/events/:id/cancel', { schema: cancelEventSchema, preHandler: authenticated }, async (request, reply) => {
    const view = await deps.cancelEvent(currentUser(request), request.params.id, request.body?.reason ?? '');
    return reply.status(202).send(view);
  });
}
