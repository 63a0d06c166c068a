import { createSseStream, type App } from '@ticketing/http';
import type { EventsService } from '../events/events.service.ts';
import { compactSeatMapSchema, seatMapSchema, seatStreamSchema } from '../events/events.schemas.ts';
import type { SeatChangeMessage, SeatStreamHub } from './seat-stream.ts';
import type { SeatsService } from './seats.service.ts';

export interface SeatRoutesDeps {
  events: EventsService;
  seats: SeatsService;
  hub: SeatStreamHub;
  heartbeatMs: number;
}

export function registerSeatRoutes(app: App, deps: SeatRoutesDeps): void {
  const { events, seats, hub } = deps;

  app.get('/api/events/:id/seats', { schema: seatMapSchema }, async (request, reply) => {
    const event = await events.getPublicEventRow(request.params.id);
    const json = await seats.seatMapJson(event);
    // Already JSON: sent as-is instead of being parsed and serialised again.
    return reply.type('application/json; charset=utf-8').send(json as never);
  });

  app.get('/api/events/:id/seats/compact', { schema: compactSeatMapSchema }, async (request, reply) => {
    const event = await events.getPublicEventRow(request.params.id);
    const json = await seats.compactSeatMapJson(event);
    return reply.type('application/json; charset=utf-8').send(json as never);
  });

  app.get('/api/events/:id/seats/stream', { schema: seatStreamSchema }, async (request, reply) => {
    const event = await events.getPublicEventRow(request.params.id);
    const sse = createSseStream(request, reply, { retryMs: 3000, heartbeatMs: deps.heartbeatMs });
    sse.open();

    // Subscribed before the snapshot is read, so no change falls between the two.
    const { detach, ready } = hub.attach(event.id, {
      send(m: SeatChangeMessage) {
        sse.send('seats', { event_id: m.event_id, change: m.change, status: m.status, seats: m.seats, at: m.at }, m.id);
      },
    });
    sse.onClose(detach);
    await ready;
    if (sse.closed) return reply;

    try {
      const counts = await events.counts(event.id);
      sse.send(
        'snapshot',
        {
          event_id: event.id,
          total_seats: counts.total,
          available_seats: Math.max(0, counts.total - counts.held - counts.booked),
          held_seats: counts.held,
          booked_seats: counts.booked,
        },
        `snapshot-${Date.now()}`,
      );
    } catch (err) {
      request.log.warn({ err }, 'seat stream snapshot failed');
      sse.comment('snapshot unavailable');
    }
    return reply;
  });
}
