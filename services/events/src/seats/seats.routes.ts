import type { ServerResponse } from 'node:http';
import type { App } from '@ticketing/http';
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

function frame(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function registerSeatRoutes(app: App, deps: SeatRoutesDeps): void {
  const { events, seats, hub } = deps;
  const streams = new Set<ServerResponse>();

  app.get('/api/events/:id/seats', { schema: seatMapSchema }, async (request, reply) => {
    const event = await events.getEventRow(request.params.id);
    const json = await seats.seatMapJson(event);
    // Already JSON: sent as-is instead of being parsed and serialised again.
    return reply.type('application/json; charset=utf-8').send(json as never);
  });

  app.get('/api/events/:id/seats/compact', { schema: compactSeatMapSchema }, async (request, reply) => {
    const event = await events.getEventRow(request.params.id);
    const json = await seats.compactSeatMapJson(event);
    return reply.type('application/json; charset=utf-8').send(json as never);
  });

  app.get('/api/events/:id/seats/stream', { schema: seatStreamSchema }, async (request, reply) => {
    const event = await events.getEventRow(request.params.id);
    reply.hijack();
    const res = reply.raw;
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    res.write('retry: 3000\n\n');

    // Subscribed before the snapshot is read, so no change falls between the two.
    const { detach, ready } = hub.attach(event.id, {
      send(m: SeatChangeMessage) {
        res.write(frame(m.id, 'seats', { event_id: m.event_id, change: m.change, status: m.status, seats: m.seats, at: m.at }));
      },
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), deps.heartbeatMs);
    const end = () => {
      clearInterval(heartbeat);
      detach();
      streams.delete(res);
    };
    request.raw.on('close', end);
    res.on('close', end);
    await ready;
    if (res.destroyed) return;

    try {
      const counts = await events.counts(event.id);
      res.write(
        frame(`snapshot-${Date.now()}`, 'snapshot', {
          event_id: event.id,
          total_seats: counts.total,
          available_seats: Math.max(0, counts.total - counts.held - counts.booked),
          held_seats: counts.held,
          booked_seats: counts.booked,
        }),
      );
    } catch (err) {
      request.log.warn({ err }, 'seat stream snapshot failed');
      res.write(': snapshot unavailable\n\n');
    }
  });

  // Open streams never end by themselves: close them so the server can shut down.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
    streams.clear();
  });
}
