import { currentUser, redactAccessToken, requireUser, requireUserOrAccessToken } from '@ticketing/auth';
import { createSseStream, type App } from '@ticketing/http';
import type { WaitlistStreams } from './waitlist-stream.ts';
import { declineOfferSchema, joinWaitlistSchema, leaveWaitlistSchema, myWaitlistSchema, waitlistStreamSchema } from './waitlist.schemas.ts';
import type { WaitlistService } from './waitlist.service.ts';

export interface WaitlistRoutesDeps {
  waitlist: WaitlistService;
  streams: WaitlistStreams;
  auth: { secret: string; issuer: string };
  heartbeatMs: number;
}

export function registerWaitlistRoutes(app: App, deps: WaitlistRoutesDeps): void {
  const { waitlist, streams } = deps;
  const authenticated = requireUser(deps.auth);

  app.post('/api/events/:id/waitlist', { schema: joinWaitlistSchema, preHandler: authenticated }, async (request, reply) => {
    const entry = await waitlist.join(currentUser(request), request.params.id, request.body);
    return reply.status(201).send(entry);
  });

  app.get('/api/events/:id/waitlist', { schema: myWaitlistSchema, preHandler: authenticated }, async (request) =>
    waitlist.myEntries(currentUser(request), request.params.id),
  );

  app.delete('/api/events/:id/waitlist/:entryId', { schema: leaveWaitlistSchema, preHandler: authenticated }, async (request) =>
    waitlist.leave(currentUser(request), request.params.id, request.params.entryId),
  );

  app.post('/api/events/:id/waitlist/:entryId/decline', { schema: declineOfferSchema, preHandler: authenticated }, async (request) =>
    waitlist.decline(currentUser(request), request.params.id, request.params.entryId),
  );

  app.get(
    '/api/events/:id/waitlist/stream',
    { schema: waitlistStreamSchema, onRequest: redactAccessToken, preHandler: requireUserOrAccessToken(deps.auth) },
    async (request, reply) => {
      const user = currentUser(request);
      const first = await waitlist.myEntries(user, request.params.id);
      const sse = createSseStream(request, reply, { retryMs: 2000, heartbeatMs: deps.heartbeatMs });
      let n = 0;
      const detach = streams.attach(first.event_id, user.user_id, { view: (view) => sse.send('entries', view, ++n) }, first);
      sse.onClose(detach);
      return sse.open();
    },
  );
}
