import { flushTraces } from '@ticketing/telemetry';
import type { Logger } from './logger.ts';

/**
 * Runs `close` once on SIGTERM or SIGINT, then exits. A second signal, or a drain that takes
 * longer than `timeoutMs`, exits at once.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, timeoutMs = 15_000): void {
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
