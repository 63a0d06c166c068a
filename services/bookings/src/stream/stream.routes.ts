import { currentUser, type AuthOptions } from '@ticketing/auth';
import { createSseStream, type App } from '@ticketing/http';
import type { BookingsService } from '../bookings/bookings.service.ts';
import { isOpenStatus } from '../bookings/bookings.repository.ts';
import { streamSchema } from '../bookings/bookings.schemas.ts';
import { toStatusUpdate, type StatusUpdate } from '../bookings/bookings.views.ts';
import { streamAuthHooks } from './stream-auth.ts';
import type { StreamHub, StreamSink } from './stream-hub.ts';

/** The booking version the client has (event ids are versions); 0 when it has none. */
function parseVersion(lastEventId: string | undefined): number {
  return lastEventId !== undefined && /^\d{1,9}$/.test(lastEventId) ? Number(lastEventId) : 0;
}

/**
 * `GET /api/booking/:id/stream`: `status` events on connect and on every change, then `complete`
 * and close once final. The token may also come as `?access_token=` (EventSource cannot send
 * headers); it is then blanked out of the URL before anything logs it.
 */
export function registerStreamRoutes(
  app: App,
  deps: { bookingsService: BookingsService; hub: StreamHub; auth: AuthOptions; heartbeatMs: number },
): void {
  const hooks = streamAuthHooks(app, deps.auth);

  app.get(
    '/api/booking/:id/stream',
    {
      schema: streamSchema,
      ...hooks,
    },
    async (request, reply) => {
      const user = currentUser(request);
      const bookingId = request.params.id.toLowerCase();
      const sse = createSseStream(request, reply, { retryMs: 2000, heartbeatMs: deps.heartbeatMs, heartbeatComment: 'ping' });
      let lastSent = parseVersion(sse.lastEventId);

      const sink: StreamSink = {
        bookingId,
        deliver(update: StatusUpdate) {
          if (sse.closed) return;
          if (update.version > lastSent) {
            const { booking_id, status, payment_status, message, updated_at } = update;
            sse.send('status', { booking_id, status, payment_status, message, updated_at }, update.version);
            lastSent = update.version;
          }
          if (!isOpenStatus(update.status) && update.version >= lastSent) {
            sse.send('complete', { booking_id: update.booking_id, final_status: update.status }, update.version);
            sse.close();
          }
        },
        end: () => sse.close(),
      };

      // Registered before the booking is read, so no change can fall between the read and the subscription.
      const remove = deps.hub.add(sink);
      let row;
      try {
        row = await deps.bookingsService.getVisible(user, request.params.id);
      } catch (err) {
        remove();
        throw err;
      }
      sse.onClose(remove);
      sink.deliver(toStatusUpdate(row));
      return sse.open();
    },
  );
}
