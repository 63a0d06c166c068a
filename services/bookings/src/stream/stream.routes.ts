import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { currentUser, requireUser, TokenError, verifyUserToken } from '@ticketing/auth';
import { errors } from '../errors.ts';
import type { App } from '@ticketing/http';
import type { BookingsService } from '../bookings/bookings.service.ts';
import { streamSchema } from '../bookings/bookings.schemas.ts';
import { toStatusUpdate, type StatusUpdate } from '../bookings/bookings.views.ts';
import type { StreamHub, StreamSink } from './stream-hub.ts';

/** A client that stops reading is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 256 * 1024;

function parseLastEventId(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d{1,9}$/.test(value.trim())) return 0;
  return Number(value.trim());
}

function sse(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET /api/booking/:id/stream`: `status` events on connect and on every change, then `complete`
 * and close once final. The token may also come as `?access_token=` (EventSource cannot send
 * headers); it is then blanked out of the URL before anything logs it.
 */
export function registerStreamRoutes(
  app: App,
  deps: { bookings: BookingsService; hub: StreamHub; auth: { secret: string; issuer: string } },
): void {
  const headerAuth = requireUser(deps.auth);

  async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (request.headers.authorization !== undefined) return headerAuth.call(app, request, reply);
    const token = (request.query as { access_token?: string }).access_token;
    if (token === undefined || token === '') {
      throw errors.unauthorized({ message: 'Authentication required: send Authorization: Bearer <token> or ?access_token=' });
    }
    try {
      request.user = verifyUserToken(token, deps.auth);
    } catch (err) {
      if (err instanceof TokenError) throw errors.invalidToken();
      throw err;
    }
  }

  app.get(
    '/api/booking/:id/stream',
    {
      schema: streamSchema,
      onRequest: async (request) => {
        const raw = request.raw;
        if (raw.url?.includes('access_token=')) raw.url = raw.url.replace(/(access_token=)[^&]*/g, '$1[redacted]');
      },
      preHandler: authenticate,
    },
    async (request, reply) => {
      const user = currentUser(request);
      const bookingId = request.params.id.toLowerCase();
      const stream = new PassThrough();
      let lastSent = parseLastEventId(request.headers['last-event-id']);
      let ended = false;

      const write = (chunk: string) => {
        if (ended) return;
        stream.write(chunk);
        if (stream.writableLength > MAX_BUFFERED_BYTES) sink.end();
      };
      const sink: StreamSink = {
        bookingId,
        deliver(update: StatusUpdate) {
          if (ended) return;
          if (update.version > lastSent) {
            const { booking_id, status, payment_status, message, updated_at } = update;
            write(sse(update.version, 'status', { booking_id, status, payment_status, message, updated_at }));
            lastSent = update.version;
          }
          if (update.status !== 'processing' && update.version >= lastSent) {
            write(sse(update.version, 'complete', { booking_id: update.booking_id, final_status: update.status }));
            sink.end();
          }
        },
        ping() {
          write(': ping\n\n');
        },
        end() {
          if (ended) return;
          ended = true;
          stream.end();
        },
      };

      // Registered before the booking is read, so no change can fall between the read and the subscription.
      const remove = deps.hub.add(sink);
      let row;
      try {
        row = await deps.bookings.getVisible(user, request.params.id);
      } catch (err) {
        remove();
        throw err;
      }
      stream.on('close', remove);
      write('retry: 2000\n\n');
      sink.deliver(toStatusUpdate(row));

      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
  );
}
