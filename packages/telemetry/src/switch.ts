/**
 * Whether the OpenTelemetry SDK is to be started: only when an operator asked for traces through
 * the standard variables (an exporter or an OTLP endpoint), and never with OTEL_SDK_DISABLED=true.
 * Nothing is loaded otherwise, so tracing costs nothing when it is off.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.length > 0) return !exporters.every((e) => e === 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * The service name when OTEL_SERVICE_NAME is not set, from the entry point:
 * `services/bookings/src/worker.ts` → `bookings-worker`, `src/main.ts` → `ticketing`.
 */
export function serviceNameOf(entry: string | undefined): string {
  const m = /services\/([a-z0-9-]+)\/src\/([a-z0-9-]+)\.ts$/.exec(entry?.replaceAll('\\', '/') ?? '');
  if (!m) return 'ticketing';
  return m[2] === 'server' ? m[1]! : `${m[1]}-${m[2]}`;
}

/** Set on globalThis so every copy of this package agrees on it. */
const ACTIVE = Symbol.for('ticketing.telemetry.active');

export function markTracingActive(): void {
  (globalThis as Record<symbol, unknown>)[ACTIVE] = true;
}

/** Whether this process started the SDK (register.ts). The helpers do nothing when it did not. */
export function tracingActive(): boolean {
  return (globalThis as Record<symbol, unknown>)[ACTIVE] === true;
}

const SHUTDOWN = Symbol.for('ticketing.telemetry.shutdown');

export function setTracingShutdown(shutdown: () => Promise<void>): void {
  (globalThis as Record<symbol, unknown>)[SHUTDOWN] = shutdown;
}

/**
 * Exports the spans still buffered and stops the SDK (the entry points' shutdown calls it before
 * the process exits). Does nothing when tracing is off; gives up after `timeoutMs`.
 */
export async function flushTraces(timeoutMs = 3_000): Promise<void> {
  const shutdown = (globalThis as Record<symbol, unknown>)[SHUTDOWN] as (() => Promise<void>) | undefined;
  if (!shutdown) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
