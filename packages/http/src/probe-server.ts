import type { Registry } from 'prom-client';
import { createHttpApp, type App } from './app.ts';
import type { HealthCheck } from './health.ts';
import type { Logger } from './logger.ts';

export interface ProbeServerOptions {
  /** The process's name in reports and the `service` label of its metrics (`bookings-worker`). */
  service: string;
  logger: Logger;
  metrics: Registry;
  healthChecks: Record<string, HealthCheck>;
  healthExtras?: () => Record<string, unknown>;
  host: string;
  /** 0 takes a free port. */
  port: number;
}

export interface ProbeServer {
  app: App;
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  /** From now on readiness answers 503 (liveness and /metrics still answer): call it when shutdown starts. */
  drain(): void;
  close(): Promise<void>;
}

/**
 * The small HTTP port of a process without an API (a standalone worker): /health, /health/live,
 * /health/ready and /metrics, the same handlers as every API's, so probes and scrapes treat all
 * processes alike.
 */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  let draining = false;
  const app = await createHttpApp({
    draining: () => draining,
    service: options.service,
    logger: options.logger,
    metrics: options.metrics,
    healthChecks: options.healthChecks,
    ...(options.healthExtras ? { healthExtras: options.healthExtras } : {}),
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.logger.info({ url }, 'probes and metrics listening');
  return {
    app,
    url,
    drain() {
      draining = true;
    },
    close: () => app.close(),
  };
}
