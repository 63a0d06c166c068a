import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { Cache } from '@ticketing/cache';
import { createSseStream, type App } from '@ticketing/http';
import { streamAuthHooks } from '../stream/stream-auth.ts';
import { attendanceChannel, type AttendanceMessage } from './attendance.ts';
import { attendanceSchema, attendanceStreamSchema, batchSchema, scanSchema } from './check-ins.schemas.ts';
import type { CheckInsService } from './check-ins.service.ts';

export function registerCheckInRoutes(
  app: App,
  deps: { checkIns: CheckInsService; cache: Cache; auth: AuthOptions; heartbeatMs: number },
): void {
  const { checkIns } = deps;
  const authenticated = requireUser(deps.auth);

  app.post('/api/events/:id/check-ins', { schema: scanSchema, preHandler: authenticated }, async (request) =>
    checkIns.scan(currentUser(request), request.params.id, request.body, { requestId: request.id }),
  );

  app.post('/api/events/:id/check-ins/batch', { schema: batchSchema, preHandler: authenticated }, async (request) =>
    checkIns.uploadScans(currentUser(request), request.params.id, request.body, { requestId: request.id }),
  );

  app.get('/api/events/:id/check-ins', { schema: attendanceSchema, preHandler: authenticated }, async (request) =>
    checkIns.attendance(currentUser(request), request.params.id, { requestId: request.id }),
  );

  app.get(
    '/api/events/:id/check-ins/stream',
    { schema: attendanceStreamSchema, ...streamAuthHooks(app, deps.auth) },
    async (request, reply) => {
      const eventId = await checkIns.authorizeStream(currentUser(request), request.params.id, { requestId: request.id });
      const sse = createSseStream(request, reply, { retryMs: 2000, heartbeatMs: deps.heartbeatMs, heartbeatComment: 'ping' });
      let sent = 0;
      const send = (m: AttendanceMessage) => {
        // Counters read later replace earlier ones; one read earlier than what the client has is dropped.
        const version = Number(m.as_of);
        if (version <= sent) return;
        sent = version;
        sse.send('attendance', m, m.as_of);
      };
      // Subscribed before the counters are read, so no scan falls between the two. While Redis is
      // unreachable the subscription is made when it is back: the stream does not wait for it.
      const subscription = deps.cache
        .subscribe(attendanceChannel(eventId), (raw) => {
          try {
            send(JSON.parse(raw) as AttendanceMessage);
          } catch {
            request.log.warn({ eventId }, 'ignored a malformed attendance message');
          }
        })
        .catch((err: unknown) => {
          request.log.warn({ err }, 'attendance channel subscription failed; the stream shows the counters at connect only');
          return undefined;
        });
      const unsubscribe = () => void subscription.then((u) => u?.()).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([subscription, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]).finally(() => clearTimeout(timer));
      try {
        send({ ...(await checkIns.readAttendance(eventId)), recent: [] });
      } catch (err) {
        unsubscribe();
        throw err;
      }
      sse.onClose(unsubscribe);
      return sse.open();
    },
  );
}
