import { createHttpApp, type App } from '@ticketing/http';
import type { EventsDeps } from './deps.ts';
import { registerCancellationRoutes } from './cancellation/cancellation.routes.ts';
import { eventsErrorStatus } from './errors.ts';
import { registerEventRoutes } from './events/events.routes.ts';
import { registerHoldRoutes } from './holds/holds.routes.ts';
import { registerInternalRoutes } from './holds/internal.routes.ts';
import { registerSeatRoutes } from './seats/seats.routes.ts';
import { registerWaitingRoomRoutes } from './waiting-room/waiting-room.routes.ts';
import { registerWaitlistRoutes } from './waitlist/waitlist.routes.ts';

/** The requests admitted buyers make: a hold, and their booking's lock and confirm. */
const CAPACITY_ROUTES: ReadonlySet<string> = new Set([
  '/api/events/:id/hold',
  '/internal/holds/:holdId/lock',
  '/internal/holds/:holdId/confirm',
]);

/** Builds the event service's HTTP app; never listens (server.ts does, tests listen on port 0). */
export async function buildEventsApp(deps: EventsDeps): Promise<App> {
  const app = await createHttpApp({
    service: 'events',
    description: 'Events, seat maps, race-free seat holds that expire, and the internal hold API',
    logger: deps.logger,
    bodyLimit: deps.config.http.bodyLimit,
    corsOrigins: deps.config.http.corsOrigins,
    errorStatus: eventsErrorStatus,
    metrics: deps.metrics.registry,
    healthChecks: {
      postgres: { check: () => deps.db.ping(), required: true },
      redis: { check: () => deps.cache.ping(), required: false },
    },
  });
  // Adaptive waiting rooms follow how long the work of admitted buyers takes here.
  app.addHook('onResponse', async (request, reply) => {
    if (CAPACITY_ROUTES.has(request.routeOptions.url ?? '')) deps.capacity.observe(reply.elapsedTime);
  });
  const auth = { ...deps.config.jwt, revocations: deps.revocations };
  registerEventRoutes(app, { events: deps.eventsService, manage: deps.manageEvents, auth });
  registerSeatRoutes(app, { events: deps.eventsService, seats: deps.seatsService, hub: deps.hub, heartbeatMs: deps.config.sseHeartbeatMs });
  registerHoldRoutes(app, { holdSeats: deps.holdSeats, holdsService: deps.holdsService, waitingRoom: deps.waitingRoom, auth });
  registerWaitingRoomRoutes(app, {
    waitingRoom: deps.waitingRoom,
    streams: deps.queueStreams,
    auth,
    heartbeatMs: deps.config.sseHeartbeatMs,
    statsIntervalMs: deps.config.waitingRoom.statsIntervalMs,
  });
  registerWaitlistRoutes(app, {
    waitlist: deps.waitlistService,
    streams: deps.waitlistStreams,
    auth,
    heartbeatMs: deps.config.sseHeartbeatMs,
  });
  registerCancellationRoutes(app, { cancelEvent: deps.cancelEvent, auth });
  registerInternalRoutes(app, {
    holdsService: deps.holdsService,
    events: deps.eventsService,
    seats: deps.seatsService,
    auth: { secret: auth.internalSecret, issuer: auth.issuer },
  });
  return app;
}
