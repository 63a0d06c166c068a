// The edge: one origin for the browser. Serves the built app and forwards `/api/...` to the
// four services by path prefix with @fastify/http-proxy (undici underneath: responses are
// streamed as they arrive, so Server-Sent Events pass through unbuffered).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import proxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import { createHttpApp, sendUntilDrained, type App, type Logger } from '@ticketing/http';
import type { WebConfig } from './config.ts';
import { defaultStaticDir } from './build.ts';
import { createSeatStreamRelay } from './seat-stream-relay.ts';

export type Upstream = keyof WebConfig['upstreams'];

/** Which service answers which path prefix (docs/api.md); the longest matching prefix wins. */
export const routes: readonly { prefix: string; upstream: Upstream }[] = [
  { prefix: '/api/users/:userId/bookings', upstream: 'bookings' },
  { prefix: '/api/users', upstream: 'users' },
  { prefix: '/api/organizations', upstream: 'users' },
  { prefix: '/api/invitations', upstream: 'users' },
  { prefix: '/api/events', upstream: 'events' },
  // An event's cancellation progress is the bookings service's (it does the refunds).
  { prefix: '/api/events/:eventId/cancellation', upstream: 'bookings' },
  // Its sales report too (bookings, buyers and money are the bookings service's).
  { prefix: '/api/events/:eventId/sales', upstream: 'bookings' },
  // Check-in at the door: the tickets are the bookings service's.
  { prefix: '/api/events/:eventId/check-ins', upstream: 'bookings' },
  { prefix: '/api/booking', upstream: 'bookings' },
  { prefix: '/api/bookings', upstream: 'bookings' },
  { prefix: '/api/tickets', upstream: 'bookings' },
  { prefix: '/api/notifications', upstream: 'notifications' },
  { prefix: '/api/webhooks', upstream: 'notifications' },
  { prefix: '/api/payments', upstream: 'bookings' },
];

const prefixPatterns = routes.map((r) => ({
  ...r,
  pattern: new RegExp(`^${r.prefix.replace(/:[^/]+/g, '[^/]+')}(?:/|$)`),
}));

/** The service the edge forwards `path` to (longest matching prefix, as the proxy routes), if any. */
export function upstreamOf(path: string): Upstream | undefined {
  const matches = prefixPatterns.filter((r) => r.pattern.test(path));
  return matches.sort((a, b) => b.prefix.length - a.prefix.length)[0]?.upstream;
}

export interface WebDeps {
  config: Readonly<WebConfig>;
  logger: Logger;
}

const SERVICE_NAMES: Record<Upstream, string> = {
  users: 'account',
  events: 'event',
  bookings: 'booking',
  notifications: 'notification',
};

/** An upstream that cannot be reached answers like every other error: `{error, message, details}`. */
type ReplyOptions = NonNullable<FastifyHttpProxyOptions['replyOptions']>;

function upstreamError(upstream: Upstream): NonNullable<ReplyOptions['onError']> {
  return (anyReply, { error: anyError }) => {
    const reply = anyReply as unknown as FastifyReply;
    const error = anyError as Error & { statusCode?: number; code?: string; cause?: unknown };
    const cause = (error.cause ?? {}) as { code?: string };
    const timedOut = error.statusCode === 504 || cause.code === 'UND_ERR_HEADERS_TIMEOUT';
    const unreachable =
      error.statusCode === 503 ||
      ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'].includes(
        cause.code ?? error.code ?? '',
      );
    reply.request.log.warn({ upstream, code: cause.code ?? error.code, status: error.statusCode }, 'upstream failed');
    const service = SERVICE_NAMES[upstream];
    if (timedOut) {
      void reply
        .code(504)
        .type('application/json; charset=utf-8')
        .send({
          error: 'gateway_timeout',
          message: `The ${service} service did not answer in time. Please try again.`,
          details: { upstream },
        });
      return;
    }
    const status = unreachable ? 503 : 502;
    void reply
      .code(status)
      .header('retry-after', '5')
      .type('application/json; charset=utf-8')
      .send({
        error: unreachable ? 'service_unavailable' : 'bad_gateway',
        message: `The ${service} service is not available right now. Please try again in a moment.`,
        details: { upstream },
      });
  };
}

export async function buildWebApp(deps: WebDeps): Promise<App> {
  const { config } = deps;
  const staticDir = config.staticDir === '' ? defaultStaticDir : path.resolve(config.staticDir);
  const indexHtml = path.join(staticDir, 'index.html');
  const upstreamUrls = config.upstreams;

  const app = await createHttpApp({
    service: 'web',
    description: 'Edge: the web app and /api/... forwarded to the services',
    logger: deps.logger,
    bodyLimit: config.http.bodyLimit,
    corsOrigins: config.http.corsOrigins,
    healthChecks: Object.fromEntries(
      (Object.keys(upstreamUrls) as Upstream[]).map((name) => [
        name,
        {
          required: false,
          check: async () => {
            const res = await fetch(`${upstreamUrls[name]}/health`, { signal: AbortSignal.timeout(1000) });
            await res.body?.cancel();
            if (res.status >= 500) throw new Error(`${name} is ${res.status}`);
          },
        },
      ]),
    ),
    // A page of the single-page app (e.g. /events/123) is index.html; the app routes it.
    notFoundFallback: (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const url = request.url;
      if (url.startsWith('/api/') || url === '/api' || url.startsWith('/services/') || !existsSync(indexHtml)) return false;
      void reply.header('cache-control', 'no-cache').sendFile('index.html', staticDir);
      return true;
    },
  });

  // Bodies pass through unparsed (the service judges them and answers its own errors), but the
  // edge enforces the same size limit first: a service that refuses an oversized body closes
  // the connection while it is still being sent, which would reach the client as a 502.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.http.bodyLimit }, (_request, body, done) =>
    // As a stream, reply-from forwards the bytes untouched (a parsed value would be re-encoded).
    done(null, Readable.from([body])),
  );

  const replyOptions = (upstream: Upstream): ReplyOptions => ({
    onError: upstreamError(upstream),
    // The services' request id follows the request, so one id is in the edge's and the service's logs.
    // `Expect: 100-continue` (curl sends it with larger bodies) is met here: the edge has read the
    // whole body before forwarding it, and undici refuses to send the header on.
    rewriteRequestHeaders: (request, { expect: _met, ...headers }) => ({ ...headers, 'x-request-id': request.id }),
    // Never retry by itself: a 503 from a service (e.g. load shedding) goes to the client as is.
    retryDelay: () => null,
    // An event stream never ends by itself: a drain (SIGTERM) ends it cleanly, so the browser
    // reconnects to another instance; every other answer is sent whole.
    onResponse: (_request, reply, res) => {
      const type = reply.getHeader('content-type');
      if (typeof type === 'string' && type.startsWith('text/event-stream')) sendUntilDrained(reply as unknown as FastifyReply, res.stream);
      else void reply.send(res.stream);
    },
  });

  const undici = {
    connectTimeout: config.proxy.connectTimeoutMs,
    headersTimeout: config.proxy.headersTimeoutMs,
    // A stream (SSE) may stay open for hours; the services send heartbeats.
    bodyTimeout: 0,
    // Each open stream holds a connection to its service: no pool limit (reply-from's default
    // of 128 would leave the 129th seat-map viewer waiting forever).
    connections: null,
    pipelining: 1,
  };

  if (config.seatStream.fanout) {
    const relay = createSeatStreamRelay({
      upstream: upstreamUrls.events,
      logger: deps.logger,
      heartbeatMs: config.seatStream.heartbeatMs,
      openingTimeoutMs: config.proxy.headersTimeoutMs,
    });
    // GET only: every other method on this path goes through the proxy to the service (its 405).
    app.get('/api/events/:id/seats/stream', { exposeHeadRoute: false }, (request, reply) => relay.handle(request, reply));
  }

  for (const route of routes) {
    await app.register(proxy, {
      upstream: upstreamUrls[route.upstream],
      prefix: route.prefix,
      rewritePrefix: route.prefix,
      proxyPayloads: false,
      undici,
      replyOptions: replyOptions(route.upstream),
    });
  }
  // Each service's own API docs and OpenAPI document under /services/<name>/ (e.g. /services/events/docs).
  for (const name of Object.keys(upstreamUrls) as Upstream[]) {
    await app.register(proxy, {
      upstream: upstreamUrls[name],
      prefix: `/services/${name}`,
      rewritePrefix: '',
      httpMethods: ['GET', 'HEAD'],
      proxyPayloads: false,
      undici,
      replyOptions: replyOptions(name),
    });
  }

  if (existsSync(staticDir)) {
    await app.register(fastifyStatic, {
      root: staticDir,
      wildcard: false,
      index: ['index.html'],
      // Vite names built assets by content hash: they never change, so browsers may keep them.
      setHeaders: (res, file) => {
        res.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    deps.logger.warn({ staticDir }, 'the web app is not built; only /api is served');
  }
  return app;
}
