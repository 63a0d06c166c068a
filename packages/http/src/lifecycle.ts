import { flushTraces } from '@ticketing/telemetry';
import type { Logger } from './logger.ts';

/** How long a process's shutdown may take when its entry point gives onShutdown no other limit. */
export const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * Runs `close` once on SIGTERM or SIGINT, then exits. A second signal, or a drain that takes
 * longer than `timeoutMs`, exits at once. The pod's terminationGracePeriodSeconds must be longer
 * than its preStop pause plus this (scripts/check-helm.ts checks the chart).
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, timeoutMs = SHUTDOWN_TIMEOUT_MS): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out: exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    // The spans still buffered are exported before the process exits (nothing to do when tracing is off).
    close().then(
      async () => {
        logger.info('shutdown complete');
        await flushTraces();
        process.exit(0);
      },
      async (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        await flushTraces();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
