import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { markTracingActive, setTracingShutdown } from './switch.ts';

/** Probes and scrapes every few seconds would bury the traces that matter. */
const PROBE_PATH = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Starts the OpenTelemetry Node SDK for traces only (metrics stay with Prometheus, logs with
 * pino). Exporter, protocol, endpoint, sampler and resource come from the standard OTEL_*
 * variables, read by the SDK itself.
 */
export function startTracing(serviceName: string): void {
  const sdk = new NodeSDK({
    serviceName,
    // Empty lists: the SDK would otherwise start OTLP metric and log exporters by default.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => PROBE_PATH.test(req.url ?? '') }),
      // Registered through Fastify's diagnostics channel when each app is created, so
      // createHttpApp needs no plugin of its own.
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false,
        ignorePaths: ({ url }) => PROBE_PATH.test(url),
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // Background loops (outbox relays, reconcilers, expiry sweeps) poll all the time: their
      // queries are traced only inside a request or a message.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  markTracingActive();
  setTracingShutdown(() => sdk.shutdown());
}
