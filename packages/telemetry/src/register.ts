// Loaded with `node --import` before the entry point (scripts/run.sh does it): when tracing is
// requested (switch.ts), installs the ESM loader hook that lets the instrumentations patch
// modules loaded through `import`, then starts the SDK, all before the application's first
// import. When it is not requested, nothing else is loaded.
import { register } from 'node:module';
import { serviceNameOf, tracingRequested } from './switch.ts';

if (tracingRequested(process.env)) {
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  // The loader only wraps the modules an instrumentation asked for (pg, ioredis, http, ...).
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const { startTracing } = await import('./sdk.ts');
  startTracing(process.env.OTEL_SERVICE_NAME?.trim() || serviceNameOf(process.argv[1]));
  await waitForAllMessagesAcknowledged();
}
