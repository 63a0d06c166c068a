import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import FindMyWay from 'find-my-way';
import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';
import type { ErrorStatusMap } from '@ticketing/errors';
import type { Logger } from './logger.ts';
import { installErrorHandler } from './errors.ts';
import { livenessReport, runHealthChecks, runReadinessChecks, type HealthCheck } from './health.ts';
import { addCommonResponses } from './schemas.ts';
import { closeSseStreamsOnShutdown } from './sse.ts';
import { findUnstorableText } from './text-guard.ts';
import { createValidatorCompiler, invalidRequest } from './validation.ts';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpAppOptions {
  service: string;
  version?: string;
  description?: string;
  logger: Logger;
  /** @defaultValue 1 MiB */
  bodyLimit?: number;
  /** Allowed CORS origins; empty disables CORS. `*` is allowed only without credentials. */
  corsOrigins?: readonly string[];
  errorStatus?: ErrorStatusMap;
  healthChecks?: Record<string, HealthCheck>;
  /** Extra fields for the /health body (e.g. consumer counters). */
  healthExtras?: () => Record<string, unknown>;
  /** True once the process is shutting down: readiness answers 503 while it drains (a worker's probe port). */
  draining?: () => boolean;
  /** Metrics registry; one per service so several services can share a process. */
  metrics?: Registry;
  /**
   * Called for a request no route matched (and no other method of its path would), before the
   * JSON 404; answering it (e.g. a single-page app's index.html) takes the place of the 404.
   */
  notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean;
  /**
   * How long an idle keep-alive connection is kept (sent to clients as `Keep-Alive: timeout`).
   * Behind a load balancer that reuses connections longer, raise it above the balancer's idle
   * timeout. @defaultValue 5000
   */
  keepAliveTimeoutMs?: number;
}

const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5000;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longer path parameters cannot be ids of this platform; the router answers them 404 itself. */
const MAX_PARAM_LENGTH = 200;

function pathOf(url: string): string {
  const path = url.split('?')[0] ?? '/';
  return path.length > 120 ? `${path.slice(0, 120)}…` : path;
}

/** The router's own answers (a path segment too long to be an id, a malformed escape) get the contract's body, not Fastify's. */
function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(404).send(notFoundBody(request.method, pathOf(request.url)));
  } else if (error.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send({ error: 'bad_request', message: 'The URL has a malformed percent-escape' });
  } else {
    void reply.status(500).send({ error: 'internal_error', message: 'An unexpected error occurred' });
  }
}

/** Requests Node cannot parse (headers too large, malformed) still get the contract's body. */
function answerUnparsableRequest(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, body] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', { error: 'request_timeout', message: 'The request took too long to arrive' }]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', { error: 'headers_too_large', message: 'The URL and headers exceed 64 KiB' }]
        : [400, 'Bad Request', { error: 'bad_request', message: 'The request is not valid HTTP' }];
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}

/**
 * A query parameter with a default may be left out, but TypeBox (to keep the handler's type
 * non-optional) marks it required: the document says what a client must send.
 */
function optionalDefaults<T>(document: T): T {
  const paths = (
    document as {
      paths?: Record<string, Record<string, { parameters?: { in?: string; required?: boolean; schema?: { default?: unknown } }[] }>>;
    }
  ).paths;
  for (const operations of Object.values(paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'query' && parameter.schema?.default !== undefined) parameter.required = false;
      }
    }
  }
  return document;
}

function notFoundBody(method: string, path: string): { error: string; message: string } {
  return { error: 'not_found', message: `No route for ${method} ${path}` };
}

/**
 * Builds a Fastify instance with everything every service shares: request ids, logging,
 * strict validation, the contract's error body, JSON 404/405, /health, /metrics, OpenAPI and
 * /docs. The caller registers its routes, then listens (or injects in tests).
 */
export async function createHttpApp(options: HttpAppOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    // Answered by the drain hook below instead: with Retry-After and the contract's body.
    return503OnClosing: false,
    // Node's default instead of Fastify's 72 s: clients (undici, the edge) drop an idle connection
    // a second before this, so a drain (drainAndClose) need not wait longer for them to go.
    keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    ajv: undefined,
    // The router's own answers (a path segment too long to be an id, a malformed escape) get
    // the contract's body, not Fastify's.
    frameworkErrors: answerRouterError,
    clientErrorHandler: answerUnparsableRequest,
    // Room for a URL carrying a browser's ?access_token= with every character percent-encoded.
    http: { maxHeaderSize: 64 * 1024 },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.setValidatorCompiler(createValidatorCompiler());
  installDrain(app);
  closeSseStreamsOnShutdown(app);
  installErrorHandler(app, options.errorStatus ?? {});

  const metrics = options.metrics ?? new Registry();
  metrics.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: metrics });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics],
  });
  app.decorate('metricsRegistry', metrics);

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Unknown paths and methods are answered here, before any body is read: a method such as
    // QUERY would otherwise be refused by the body parser (400) instead of getting its 405.
    if (request.is404) return answerUnmatched(request, reply);
  });
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['body', request.body],
      ['query', request.query],
      ['path', request.params],
    ] as const) {
      const found = findUnstorableText(value);
      if (found) throw invalidRequest({ [found.field || part]: found.problem });
    }
    // A route without a query schema takes no query parameters (those with one refuse
    // unknown ones through additionalProperties: false): a misspelt filter is an error, not
    // silently ignored.
    const schema = request.routeOptions.schema;
    if (schema && schema.hide !== true && schema.querystring === undefined) {
      const unknown = Object.keys(request.query ?? {});
      if (unknown.length > 0) throw invalidRequest(Object.fromEntries(unknown.map((name) => [name, 'is not allowed'])));
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    request.log[level](
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
  });

  // Every known path with its methods, so an unknown method on a known path is a 405, not a 404.
  const methodsByPath = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 200 });
  const seenPaths = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const schema = route.schema as (Parameters<typeof addCommonResponses>[0] & { hide?: boolean }) | undefined;
    if (schema && schema.hide !== true) addCommonResponses(schema);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const set = seenPaths.get(route.url) ?? new Set<string>();
    for (const m of methods) set.add(String(m));
    if (!seenPaths.has(route.url)) {
      seenPaths.set(route.url, set);
      methodsByPath.on('GET', route.url, () => undefined, { allowed: set });
    }
  });
  async function answerUnmatched(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const path = request.url.split('?')[0] ?? '/';
    const match = methodsByPath.find('GET', path);
    const allowed = (match?.store as { allowed?: Set<string> } | undefined)?.allowed;
    if (allowed && !allowed.has(request.method)) {
      void reply.header('allow', [...allowed].join(', '));
      return reply.status(405).send({ error: 'method_not_allowed', message: `${request.method} is not allowed on ${pathOf(path)}` });
    }
    if (options.notFoundFallback?.(request, reply)) return reply;
    return reply.status(404).send(notFoundBody(request.method, pathOf(path)));
  }
  app.setNotFoundHandler(answerUnmatched);

  const origins = options.corsOrigins ?? [];
  if (origins.length > 0) {
    const wildcard = origins.includes('*');
    await app.register(cors, {
      origin: wildcard ? '*' : [...origins],
      credentials: !wildcard,
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'Location'],
    });
  }

  await app.register(swagger, {
    transformObject: (document) => ('openapiObject' in document ? optionalDefaults(document.openapiObject) : document.swaggerObject),
    openapi: {
      openapi: '3.1.0',
      info: { title: `${options.service} service`, version: options.version ?? '0.1.0', description: options.description ?? '' },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Kept as it was for compatibility (monitors, docker-compose, the edge): every check, 503 only when a required one is down.
  app.get('/health', { schema: { hide: true } }, async (_request, reply) => {
    const report = await runHealthChecks(options.service, options.healthChecks ?? {});
    const body = { ...report, ...(options.healthExtras?.() ?? {}) };
    return reply.status(report.status === 'unhealthy' ? 503 : 200).send(body);
  });
  app.get('/health/live', { schema: { hide: true } }, async () => livenessReport(options.service));
  app.get('/health/ready', { schema: { hide: true } }, async (_request, reply) => {
    if (options.draining?.() || app.draining) {
      return reply
        .status(503)
        .send({ status: 'not_ready', service: options.service, timestamp: new Date().toISOString(), checks: {}, draining: true });
    }
    const report = await runReadinessChecks(options.service, options.healthChecks ?? {});
    return reply.status(report.status === 'ready' ? 200 : 503).send(report);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.metrics();
    return reply.type(metrics.contentType).send(text);
  });

  return app;
}

/**
 * Closes the app as a rolling restart needs it, without a failed request: it stops accepting
 * connections, ends the SSE streams (their clients reconnect elsewhere with Last-Event-ID),
 * answers requests that still arrive on open connections 503 + Retry-After with
 * `Connection: close`, lets the requests in flight finish, and waits (at most the keep-alive
 * timeout and a little more) for the clients to drop their idle connections themselves. Closing
 * an idle connection under a client could lose the request it is sending at that moment.
 */
export async function drainAndClose(app: App): Promise<void> {
  app.draining = true;
  for (const stream of [...(app.sseStreams ?? [])]) stream.close();
  const server = app.server;
  if (server.listening) {
    const graceMs = server.keepAliveTimeout + 1000;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      // net.Server#close, not http.Server#close: the latter closes idle connections at once.
      net.Server.prototype.close.call(server, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  await app.close();
}

/**
 * Sends `body`, a long response relayed from another server (an event stream a proxy passes
 * on), and ends it cleanly when the app drains, as drainAndClose ends the app's own SSE streams:
 * the client sees the stream end, not a reset, and reconnects (elsewhere) with Last-Event-ID.
 * The relayed source is dropped then, which closes its connection to the other server.
 */
export function sendUntilDrained(reply: FastifyReply, body: Readable): FastifyReply {
  const app = reply.server;
  const out = new PassThrough();
  const registry = app.sseStreams;
  const failed = (err: Error) => out.destroy(err);
  const entry = {
    close() {
      registry?.delete(entry);
      // Dropped on purpose: what the source says now must not cut short what was sent.
      body.off('error', failed).on('error', () => undefined);
      body.unpipe(out);
      body.destroy();
      out.end();
    },
  };
  body.on('error', failed);
  body.pipe(out);
  registry?.add(entry);
  reply.raw.once('close', () => {
    registry?.delete(entry);
    body.destroy();
  });
  // Its request was in flight when the drain began: it ends at once, and its client reconnects elsewhere.
  if (app.draining) entry.close();
  return reply.send(out);
}

/** Seconds a client is asked to wait before sending a request again to a draining process. */
const DRAIN_RETRY_AFTER_SECONDS = 1;
/** Answered while draining (probes and metrics keep answering for the orchestrator). */
const ALWAYS_ANSWERED = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * A graceful drain (a rolling restart): once `app.close()` starts, requests already in flight
 * finish, and a request that still arrives on an open keep-alive connection is answered 503
 * `service_unavailable` with Retry-After, so a client sends it again (to another instance, as a
 * load balancer does) instead of getting a reset. Every answer from then on closes its
 * connection, so no client keeps reusing it.
 */
function installDrain(app: App): void {
  app.decorate('draining', false);
  app.addHook('preClose', async () => {
    app.draining = true;
  });
  // A callback hook, not an async one: the hooks after it (the 405 of an odd method) still
  // answer in the parser's turn, before it reads the next bytes of the connection.
  app.addHook('onRequest', (request, reply, done) => {
    if (!app.draining || ALWAYS_ANSWERED.has(request.url.split('?')[0] ?? '')) return done();
    void reply.header('x-request-id', request.id).header('retry-after', String(DRAIN_RETRY_AFTER_SECONDS));
    void reply.status(503).send({
      error: 'service_unavailable',
      message: 'This instance is restarting; send the request again',
      details: { retry_after_seconds: DRAIN_RETRY_AFTER_SECONDS },
    });
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (app.draining && !reply.raw.headersSent) void reply.header('connection', 'close');
    done(null, payload);
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    metricsRegistry: Registry;
    /** True once `close()` has started: new requests are answered 503 + Retry-After. */
    draining: boolean;
  }
}
