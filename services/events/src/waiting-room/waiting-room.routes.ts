import { currentUser, redactAccessToken, requireUser, requireUserOrAccessToken } from '@ticketing/auth';
import { createSseStream, type App } from '@ticketing/http';
import type { QueueStreams } from './queue-stream.ts';
import {
  getWaitingRoomSchema,
  joinQueueSchema,
  myPlaceSchema,
  putWaitingRoomSchema,
  queueStreamSchema,
  statsSchema,
  statsStreamSchema,
} from './waiting-room.schemas.ts';
import type { WaitingRoomService } from './waiting-room.service.ts';

export interface WaitingRoomRoutesDeps {
  waitingRoom: WaitingRoomService;
  streams: QueueStreams;
  auth: { secret: string; issuer: string };
  heartbeatMs: number;
  statsIntervalMs: number;
}

export function registerWaitingRoomRoutes(app: App, deps: WaitingRoomRoutesDeps): void {
  const { waitingRoom, streams } = deps;
  const authenticated = requireUser(deps.auth);
  const streamAuth = { onRequest: redactAccessToken, preHandler: requireUserOrAccessToken(deps.auth) };

  app.get('/api/events/:id/waiting-room', { schema: getWaitingRoomSchema }, async (request) => waitingRoom.getRoom(request.params.id));

  app.put('/api/events/:id/waiting-room', { schema: putWaitingRoomSchema, preHandler: authenticated }, async (request) =>
    waitingRoom.configure(currentUser(request), request.params.id, request.body),
  );

  app.post('/api/events/:id/queue', { schema: joinQueueSchema, preHandler: authenticated }, async (request, reply) => {
    const place = await waitingRoom.join(currentUser(request), request.params.id);
    return reply.status(201).send(place);
  });

  app.get('/api/events/:id/queue/me', { schema: myPlaceSchema, preHandler: authenticated }, async (request) =>
    waitingRoom.myPlace(currentUser(request), request.params.id),
  );

  app.get('/api/events/:id/queue/stream', { schema: queueStreamSchema, ...streamAuth }, async (request, reply) => {
    const user = currentUser(request);
    const first = await waitingRoom.myPlace(user, request.params.id);
    const sse = createSseStream(request, reply, { retryMs: 2000, heartbeatMs: deps.heartbeatMs });
    let n = 0;
    const detach = streams.attach(
      first.event_id,
      user.user_id,
      {
        view(view) {
          sse.send('place', view, ++n);
          if (view.status !== 'waiting') sse.close();
        },
        gone() {
          sse.send('gone', { event_id: first.event_id, message: 'You left the queue for too long: join again' }, ++n);
          sse.close();
        },
        unavailable() {
          sse.send('paused', { event_id: first.event_id, message: 'The queue is paused for a moment; your place is kept' }, ++n);
        },
      },
      first,
    );
    sse.onClose(detach);
    return sse.open();
  });

  app.get('/api/events/:id/waiting-room/stats', { schema: statsSchema, preHandler: authenticated }, async (request) =>
    waitingRoom.stats(currentUser(request), request.params.id),
  );

  app.get('/api/events/:id/waiting-room/stats/stream', { schema: statsStreamSchema, ...streamAuth }, async (request, reply) => {
    const user = currentUser(request);
    const first = await waitingRoom.stats(user, request.params.id);
    const sse = createSseStream(request, reply, { retryMs: 2000, heartbeatMs: deps.heartbeatMs });
    let n = 0;
    sse.send('stats', first, ++n);
    const timer = setInterval(() => {
      waitingRoom.stats(user, first.event_id).then(
        (stats) => sse.send('stats', stats, ++n),
        () => sse.comment('stats unavailable'),
      );
    }, deps.statsIntervalMs);
    timer.unref();
    sse.onClose(() => clearInterval(timer));
    return sse.open();
  });
}
